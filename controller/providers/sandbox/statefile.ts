// The sandbox state file on disk: read and checked before anything is planned, written
// atomically after every change, and guarded by a lock file so that one writer at a time
// owns it. Node has no flock(); a lock file created atomically (link(), which fails if it
// exists) holding the owner's pid is the portable equivalent, and a dead owner (kill -9)
// is detected by its pid.

import { randomBytes } from 'node:crypto';
import {
  accessSync,
  closeSync,
  constants,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { writeFileAtomicSync } from '../../atomic-file.js';
import { StalledError } from '../../errors.js';
import type { SandboxState } from './state.js';

/** The format version this regionctl reads and writes (SandboxState.version). */
const STATE_VERSION = 1;

/** A state file regionctl cannot use: one line naming the file and what to do. */
export class SandboxStateError extends StalledError {
  override readonly name = 'SandboxStateError';
}

const FRESH_START = 'move it away to start a fresh sandbox';

/**
 * Reads and checks the state file; undefined when there is none yet (a fresh cloud).
 * Anything else that is not a complete state of this format is a SandboxStateError.
 */
export function readStateFile(path: string): SandboxState | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'EISDIR') throw new SandboxStateError(`sandbox state ${path} is a directory: give --sandbox a .json file path`);
    throw new SandboxStateError(`sandbox state ${path} cannot be read (${code ?? (error as Error).message}): check its permissions`);
  }
  if (text.trim() === '') {
    throw new SandboxStateError(`sandbox state ${path} is empty (${text.length} bytes): restore it from a backup, or ${FRESH_START}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new SandboxStateError(`sandbox state ${path} is not valid JSON, truncated or edited (${(error as Error).message}): restore it from a backup, or ${FRESH_START}`);
  }
  return checkStateShape(path, json);
}

/** Top-level parts of a version-1 state and their JSON types. */
const PARTS: Record<string, 'string' | 'number' | 'object' | 'array'> = {
  accountId: 'string',
  latencies: 'object',
  sequence: 'number',
  rngState: 'number',
  stacks: 'array',
  clientTokens: 'array',
  tables: 'array',
  replicaDeletions: 'array',
  zones: 'array',
  changes: 'array',
  healthChecks: 'array',
  healthOverrides: 'object',
  faults: 'array',
  nextFaultId: 'number',
};

function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function checkStateShape(path: string, json: unknown): SandboxState {
  const kind = jsonType(json);
  if (kind !== 'object') {
    throw new SandboxStateError(`sandbox state ${path} is not a sandbox state file (it holds ${kind === 'array' ? 'an array' : kind}): check the --sandbox path, or ${FRESH_START}`);
  }
  const version = (json as { version?: unknown }).version;
  if (typeof version !== 'number') {
    throw new SandboxStateError(`sandbox state ${path} is not a sandbox state file (no format "version"): check the --sandbox path, or ${FRESH_START}`);
  }
  if (version > STATE_VERSION) {
    throw new SandboxStateError(`sandbox state ${path} has format version ${version}, written by a newer regionctl (this one reads ${STATE_VERSION}): upgrade regionctl, or use another --sandbox file`);
  }
  if (version !== STATE_VERSION) {
    throw new SandboxStateError(`sandbox state ${path} has unknown format version ${version} (this regionctl reads ${STATE_VERSION}): check the --sandbox path, or ${FRESH_START}`);
  }
  for (const [part, type] of Object.entries(PARTS)) {
    const found = jsonType((json as Record<string, unknown>)[part]);
    if (found !== type) {
      throw new SandboxStateError(`sandbox state ${path} is damaged: "${part}" is ${found === 'undefined' ? 'missing' : `a${found === 'array' || found === 'object' ? 'n' : ''} ${found}`}, expected ${type === 'array' ? 'a list' : `a ${type}`}: restore it from a backup, or ${FRESH_START}`);
    }
  }
  return json as SandboxState;
}

/**
 * Refuses, before anything changes, a state file that could not be written: a read-only
 * file or a directory nobody may write. The write bits are checked as well as access():
 * root may write anywhere, but a file or folder made read-only says "do not change".
 */
export function checkStateWritable(path: string): void {
  const dir = dirname(path);
  try {
    mkdirSync(dir, { recursive: true });
  } catch (error) {
    throw new SandboxStateError(`sandbox state ${path}: its directory ${dir} cannot be created (${(error as NodeJS.ErrnoException).code}): choose a writable --sandbox path`);
  }
  const dirStat = statSync(dir);
  if (!isWritable(dir, dirStat.mode)) {
    throw new SandboxStateError(`sandbox state ${path}: its directory ${dir} is not writable (the file is replaced by rename): make it writable (chmod u+w), or choose another --sandbox path`);
  }
  let fileMode: number | undefined;
  try {
    const stat = statSync(path);
    if (stat.isDirectory()) throw new SandboxStateError(`sandbox state ${path} is a directory: give --sandbox a .json file path`);
    fileMode = stat.mode;
  } catch (error) {
    if (error instanceof SandboxStateError) throw error;
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  if (fileMode !== undefined && !isWritable(path, fileMode)) {
    throw new SandboxStateError(`sandbox state ${path} is read-only: make it writable (chmod u+w) to apply, or use diff to look only`);
  }
}

function isWritable(path: string, mode: number): boolean {
  if ((mode & 0o222) === 0) return false;
  try {
    accessSync(path, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** Writes the state atomically (see atomic-file.ts): a kill at any point leaves a complete file. */
export function writeStateFile(path: string, state: SandboxState): void {
  try {
    writeFileAtomicSync(path, `${JSON.stringify(state, null, 2)}\n`, 0o644, { createDir: true });
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new SandboxStateError(`sandbox state ${path} could not be saved (${reason}); it still holds the last complete state: fix the cause (disk space, permissions) and run again`);
  }
}

export interface LockHolder {
  pid: number;
  host: string;
  command: string;
  since: string;
}

export interface StateLock {
  readonly path: string;
  /** The dead holder whose stale lock was taken over, if any. */
  readonly tookOverFrom?: LockHolder;
  /** Removes the lock if it is still ours; idempotent. */
  release(): void;
}

export interface LockOptions {
  /** Who holds it, for the refusal others see (e.g. "regionctl apply"). */
  command: string;
  /** How long to wait for another holder before refusing (milliseconds). */
  waitMs: number;
  /** Told once when the lock is busy and we start waiting. */
  onWait?: (holder: LockHolder | undefined) => void;
}

/** REGIONCTL_SANDBOX_LOCK_WAIT_MS, or 60 s: long enough for a sandbox apply to finish. */
export function lockWaitFromEnvironment(): number {
  const raw = process.env['REGIONCTL_SANDBOX_LOCK_WAIT_MS'];
  if (raw === undefined || raw === '') return 60_000;
  const ms = Number(raw);
  if (!Number.isFinite(ms) || ms < 0) throw new SandboxStateError(`REGIONCTL_SANDBOX_LOCK_WAIT_MS must be a number of milliseconds (got "${raw}")`);
  return ms;
}

/**
 * Takes the exclusive lock `PATH.lock` (created by link: exclusive and never half-written). A lock whose holder is a dead
 * process on this host is taken over; a live holder is waited for up to `waitMs`, then
 * refused with a SandboxStateError naming the file and the holder's pid.
 */
export async function lockStateFile(path: string, options: LockOptions): Promise<StateLock> {
  const lockPath = `${path}.lock`;
  const me: LockHolder = { pid: process.pid, host: hostname(), command: options.command, since: new Date().toISOString() };
  const content = `${JSON.stringify(me)}\n`;
  const deadline = Date.now() + options.waitMs;
  let tookOverFrom: LockHolder | undefined;
  let told = false;
  for (;;) {
    if (createLockFile(path, lockPath, content)) return ownedLock(path, lockPath, content, tookOverFrom);
    const seen = readLock(lockPath);
    if (seen === undefined) continue; // released between our create and our read
    const holder = seen.holder;
    if (holder && holder.host === me.host && !processAlive(holder.pid)) {
      if (takeOverStale(lockPath, seen.text)) tookOverFrom = holder;
      continue;
    }
    if (Date.now() >= deadline) {
      const who = holder
        ? `pid ${holder.pid}${holder.host !== me.host ? ` on ${holder.host}` : ''} (${holder.command} since ${holder.since})`
        : 'an unknown process (unreadable lock file)';
      throw new SandboxStateError(
        `sandbox state ${path} is locked by ${who}: wait for it to finish and run again; if that process is gone, delete ${lockPath}`,
      );
    }
    if (!told) {
      told = true;
      options.onWait?.(holder);
    }
    await sleep(Math.min(100, Math.max(1, deadline - Date.now())));
  }
}

/**
 * Creates the lock with its content in one step: the holder line is written to a private
 * temporary file that is then hard-linked to PATH.lock, which fails when the lock exists.
 * Nobody ever sees an empty lock file. Returns false when another holder has it.
 */
function createLockFile(path: string, lockPath: string, content: string): boolean {
  const temp = `${lockPath}.${process.pid}.${randomBytes(4).toString('hex')}.new`;
  try {
    const fd = openSync(temp, 'wx', 0o644);
    try {
      writeSync(fd, content);
    } finally {
      closeSync(fd);
    }
    linkSync(temp, lockPath);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    throw new SandboxStateError(`sandbox state ${path}: cannot create its lock file ${lockPath} (${code ?? (error as Error).message}): make the directory writable, or choose another --sandbox path`);
  } finally {
    try {
      unlinkSync(temp);
    } catch {
      // never created
    }
  }
}

function ownedLock(path: string, lockPath: string, content: string, tookOverFrom: LockHolder | undefined): StateLock {
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    process.off('exit', release);
    // Only our own lock: never remove one another process took over meanwhile.
    if (readLock(lockPath)?.text === content) {
      try {
        unlinkSync(lockPath);
      } catch {
        // gone already
      }
    }
  };
  // A normal exit (even through an uncaught error) leaves no lock behind.
  process.on('exit', release);
  return { path, ...(tookOverFrom ? { tookOverFrom } : {}), release };
}

function readLock(lockPath: string): { text: string; holder: LockHolder | undefined } | undefined {
  let text: string;
  try {
    text = readFileSync(lockPath, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const holder = JSON.parse(text) as Partial<LockHolder>;
    if (typeof holder.pid === 'number' && typeof holder.host === 'string') {
      return { text, holder: { pid: holder.pid, host: holder.host, command: String(holder.command ?? 'unknown'), since: String(holder.since ?? 'unknown') } };
    }
  } catch {
    // being written this very moment, or not ours: treated as held
  }
  return { text, holder: undefined };
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes a stale lock without racing another process doing the same: the lock is moved
 * aside by rename (only one mover wins), and put back if what was moved is not the stale
 * lock we saw (a new holder got there first). Returns true when the stale lock was ours to
 * remove.
 */
function takeOverStale(lockPath: string, staleText: string): boolean {
  const aside = `${lockPath}.${process.pid}.${randomBytes(4).toString('hex')}.stale`;
  try {
    renameSync(lockPath, aside);
  } catch {
    return false; // someone else moved or released it
  }
  let moved: string | undefined;
  try {
    moved = readFileSync(aside, 'utf8');
  } catch {
    moved = undefined;
  }
  if (moved !== staleText) {
    try {
      linkSync(aside, lockPath); // fails if yet another holder exists: then theirs stands
    } catch {
      // nothing to restore over
    }
  }
  try {
    unlinkSync(aside);
  } catch {
    // already gone
  }
  return moved === staleText;
}
