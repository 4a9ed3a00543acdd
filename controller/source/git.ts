// The git source: gets the manifest files at the newest revision of one branch.
//
// A remote (HTTPS with a token, SSH with a deploy key, git://) is kept as a shallow working
// copy in `dir`: first `git init`, then on every sync `git fetch --depth 1 origin <branch>`
// and `git reset --hard FETCH_HEAD`. A local directory that is not a bare repository is read
// in place (for development and tests): its revision is HEAD when it is a git work tree,
// otherwise a hash of its files.
//
// Secrets: the token travels to git as an http.extraHeader set through GIT_CONFIG_* variables
// (never in argv, where `ps` shows it, never in the URL) and is scrubbed from every message.
// A failed sync throws SourceError and leaves the working copy at the last good revision.

import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { lstat, mkdir, readFile, readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { glob } from 'tinyglobby';
import { realClock, type Clock } from '../clock.js';

export interface GitSourceOptions {
  /** https://…, ssh://…, git@host:org/repo.git, git://…, file://…, a bare repository path, or a local directory read in place. */
  url: string;
  branch: string;
  /** Where the working copy of a remote lives (created when missing). Unused for a local directory. */
  dir: string;
  /** HTTPS token, sent as `Authorization: Basic base64(<tokenUsername>:<token>)`. */
  token?: string;
  /** Basic-auth user name paired with the token: x-access-token (GitHub, default), oauth2 (GitLab). */
  tokenUsername?: string;
  /** Private key file of a deploy key, for SSH URLs. */
  sshKeyFile?: string;
  /** known_hosts file for SSH; by default ssh's own, with unknown hosts accepted on first use. */
  sshKnownHostsFile?: string;
  /** Commits fetched (default 1: only the tip is needed). */
  depth?: number;
  clock?: Clock;
  /** Bound on each git command (default 120 s); a command past it is killed. */
  timeoutMs?: number;
  backoff?: BackoffOptions;
}

export interface SyncResult {
  /** Commit SHA, or local-<sha256 prefix> for a plain local directory. */
  revision: string;
  /** Directory holding the files at that revision. */
  dir: string;
}

/** A sync failed; the files and revision of the last good sync (if any) are unchanged. */
export class SourceError extends Error {
  override readonly name = 'SourceError';
  constructor(message: string, readonly lastGoodRevision?: string) {
    super(message);
  }
}

export interface BackoffOptions {
  /** Delay after the first failure (default 5 s). */
  baseMs?: number;
  /** Cap (default 5 min). */
  maxMs?: number;
  /** Source of randomness in [0, 1), injectable for tests. */
  random?: () => number;
}

/**
 * Retry delays after consecutive failures: exponential, capped, with "equal jitter" (half
 * fixed, half random) so replicas that failed together do not retry together, yet never
 * retry immediately. Reset by a success.
 */
export class RetryBackoff {
  private failures = 0;
  private readonly baseMs: number;
  private readonly maxMs: number;
  private readonly random: () => number;

  constructor(options: BackoffOptions = {}) {
    this.baseMs = options.baseMs ?? 5_000;
    this.maxMs = options.maxMs ?? 300_000;
    this.random = options.random ?? Math.random;
  }

  get consecutiveFailures(): number {
    return this.failures;
  }

  recordFailure(): void {
    this.failures++;
  }

  recordSuccess(): void {
    this.failures = 0;
  }

  /** 0 when the last attempt succeeded; otherwise the delay before the next attempt. */
  nextDelayMs(): number {
    if (this.failures === 0) return 0;
    const ceiling = Math.min(this.maxMs, this.baseMs * 2 ** Math.min(this.failures - 1, 30));
    return Math.round(ceiling / 2 + this.random() * (ceiling / 2));
  }
}

const DEFAULT_TIMEOUT_MS = 120_000;
// Files hashed for the revision of a plain local directory: bounded so a mistaken
// path such as / cannot make a sync read the disk for minutes.
const MAX_LOCAL_FILES = 5_000;
const LOCAL_IGNORED_DIRS = new Set(['.git', 'node_modules']);

export class GitSource {
  private readonly timeoutMs: number;
  private readonly depth: number;
  private readonly clock: Clock;
  private readonly backoff: RetryBackoff;
  private lastGood: SyncResult | undefined;
  private running: Promise<SyncResult> | undefined;
  private lastSuccessAt: number | undefined;

  constructor(private readonly options: GitSourceOptions) {
    if (!options.url) throw new SourceError('the git source needs a URL or a local directory');
    // git would read a leading '-' as an option.
    if (options.url.startsWith('-')) throw new SourceError(`"${redactUrl(options.url)}" is not a repository URL or directory`);
    const problem = gitUrlProblem(options.url);
    if (problem) throw new SourceError(`"${redactUrl(options.url)}" ${problem}`);
    if (!options.branch || !isSafeBranchName(options.branch)) throw new SourceError(`"${options.branch}" is not a branch name git accepts`);
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.depth = Math.max(1, Math.floor(options.depth ?? 1));
    this.clock = options.clock ?? realClock;
    this.backoff = new RetryBackoff(options.backoff);
  }

  /** The URL without any credentials written into it, safe for logs and /status. */
  get displayUrl(): string {
    return redactUrl(this.options.url);
  }

  /** The last successful sync, which a caller keeps serving while syncs fail. */
  get lastGoodSync(): SyncResult | undefined {
    return this.lastGood;
  }

  /** Clock time of the last successful sync. */
  get lastSuccessTime(): number | undefined {
    return this.lastSuccessAt;
  }

  get consecutiveFailures(): number {
    return this.backoff.consecutiveFailures;
  }

  /** 0 after a success; after failures, how long to wait before syncing again. */
  nextRetryDelayMs(): number {
    return this.backoff.nextDelayMs();
  }

  /**
   * Brings the files to the branch's newest revision. Concurrent calls share one run, so a
   * burst of webhooks never runs two git processes on one working copy.
   */
  sync(): Promise<SyncResult> {
    this.running ??= this.syncOnce().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async syncOnce(): Promise<SyncResult> {
    try {
      const result = (await this.isLocalDirectory()) ? await this.readLocal() : await this.fetchRemote();
      this.lastGood = result;
      this.lastSuccessAt = this.clock.now();
      this.backoff.recordSuccess();
      return result;
    } catch (error) {
      this.backoff.recordFailure();
      const message = error instanceof SourceError ? error.message : `sync of ${this.displayUrl} failed: ${error instanceof Error ? error.message : String(error)}`;
      throw new SourceError(this.scrub(message), this.lastGood?.revision);
    }
  }

  /** A directory read in place: anything but a URL or a bare repository. */
  private async isLocalDirectory(): Promise<boolean> {
    const url = this.options.url;
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url) || /^[^/\\]+@[^/\\]+:/.test(url)) return false;
    const info = await stat(url).catch(() => undefined);
    if (!info?.isDirectory()) return false;
    return !(existsSync(path.join(url, 'HEAD')) && existsSync(path.join(url, 'objects')) && existsSync(path.join(url, 'refs')));
  }

  private async readLocal(): Promise<SyncResult> {
    const dir = path.resolve(this.options.url);
    const head = await this.git(['rev-parse', '--is-inside-work-tree'], dir, { quiet: true })
      .then(() => this.git(['rev-parse', 'HEAD'], dir))
      .then((out) => out.trim())
      .catch(() => undefined);
    return { revision: head && /^[0-9a-f]{40,64}$/.test(head) ? head : await hashDirectory(dir), dir };
  }

  private async fetchRemote(): Promise<SyncResult> {
    const { branch } = this.options;
    const dir = path.resolve(this.options.dir);
    await this.prepareWorkingCopy(dir);
    await this.git(['fetch', '--quiet', '--no-tags', `--depth=${this.depth}`, 'origin', `refs/heads/${branch}`], dir).catch((error: unknown) => {
      const detail = gitErrorDetail(error);
      if (/couldn't find remote ref/i.test(detail)) throw new SourceError(`branch ${branch} does not exist in ${this.displayUrl}`);
      throw new SourceError(`fetch of branch ${branch} from ${this.displayUrl} failed: ${this.explain(detail)}`);
    });
    // reset --hard removes files deleted upstream; clean removes anything else left behind.
    await this.git(['reset', '--quiet', '--hard', 'FETCH_HEAD'], dir);
    await this.git(['clean', '-ffdxq'], dir);
    const revision = (await this.git(['rev-parse', 'HEAD'], dir)).trim();
    return { revision, dir };
  }

  private async prepareWorkingCopy(dir: string): Promise<void> {
    const gitDir = path.join(dir, '.git');
    if (!existsSync(gitDir)) {
      await mkdir(dir, { recursive: true });
      const entries = await readdir(dir);
      // Never take over (and later `git clean`) a directory holding someone's files.
      if (entries.length > 0) throw new SourceError(`${dir} is not empty and not a working copy made by regionctl; point the source at an empty or new directory`);
      await this.git(['init', '--quiet'], dir);
      await this.git(['remote', 'add', 'origin', this.options.url], dir);
      return;
    }
    // Locks left by a git process that was killed (timeout, SIGKILL of the controller):
    // syncs of this source never overlap, so no live process holds them.
    await Promise.all(['index.lock', 'shallow.lock', 'HEAD.lock', 'config.lock'].map((lock) => rm(path.join(gitDir, lock), { force: true })));
    await this.git(['remote', 'set-url', 'origin', this.options.url], dir);
  }

  // git's wording for a refused credential ("could not read Username... terminal prompts
  // disabled") does not say what to fix.
  private explain(detail: string): string {
    if (/could not read (Username|Password)|Authentication failed|HTTP 40[13]/i.test(detail)) {
      return this.options.token ? 'the server refused the token; check that it is valid and can read the repository' : 'the server asks for credentials; configure a token';
    }
    if (/Permission denied \(publickey|Host key verification failed/i.test(detail)) {
      return `the SSH server refused the key${this.options.sshKeyFile ? '' : ' (no deploy key is configured)'}: ${detail}`;
    }
    return detail;
  }

  /**
   * Runs git without a shell, bounded in time, never prompting. git runs in its own process
   * group, and a timeout kills the whole group: `git fetch` over HTTP works through a
   * child (git-remote-http) that would otherwise outlive it and hang on.
   */
  private git(args: string[], cwd: string, opts: { quiet?: boolean } = {}): Promise<string> {
    const env = gitEnvironment(this.options);
    return new Promise((resolve, reject) => {
      const child = spawn('git', args, { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      let timedOut = false;
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
      // Only the end of stderr is ever shown; keep it bounded.
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-8192)));
      const timer = setTimeout(() => {
        timedOut = true;
        killGroup(child.pid);
      }, this.timeoutMs);
      child.once('error', (error) => {
        clearTimeout(timer);
        reject(new GitCommandError(this.scrub(`could not run git: ${error.message}`)));
      });
      child.once('close', (code, signal) => {
        clearTimeout(timer);
        if (code === 0 && !timedOut) return resolve(stdout);
        // Grandchildren may still hold the group; none of them is wanted any more.
        killGroup(child.pid);
        if (opts.quiet) return reject(new GitCommandError(`git ${args[0]} exited with ${code ?? signal}`));
        const detail = timedOut ? `git ${args[0]} did not finish within ${this.timeoutMs} ms` : lastLines(stderr) || `git ${args[0]} exited with ${code ?? signal}`;
        reject(new GitCommandError(this.scrub(detail)));
      });
    });
  }

  /** Removes the token (raw and as sent in the header) and URL credentials from text. */
  private scrub(text: string): string {
    return scrubSecrets(text, this.options);
  }
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

class GitCommandError extends Error {
  override readonly name = 'GitCommandError';
}

function gitErrorDetail(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The environment of every git command (exported for tests that check where the token goes). */
export function gitEnvironment(options: Pick<GitSourceOptions, 'token' | 'tokenUsername' | 'sshKeyFile' | 'sshKnownHostsFile'>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  // Variables that would point git at another repository (set when tests run from a hook).
  for (const name of ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE', 'GIT_OBJECT_DIRECTORY', 'GIT_ALTERNATE_OBJECT_DIRECTORIES', 'GIT_CONFIG_PARAMETERS']) delete env[name];
  env.GIT_TERMINAL_PROMPT = '0';
  // Also for redirects and submodules: no ext::, fd:: or other remote helpers.
  env.GIT_ALLOW_PROTOCOL = ALLOWED_SCHEMES.filter((scheme) => !scheme.includes('+')).join(':');
  env.GIT_ASKPASS = '';
  env.SSH_ASKPASS = '';
  const config: Array<[string, string]> = [
    // No stored credentials or helpers: the token is the only credential sent.
    ['credential.helper', ''],
    ['core.hooksPath', '/dev/null'],
  ];
  if (options.token) config.push(['http.extraHeader', authorizationHeader(options.token, options.tokenUsername)]);
  env.GIT_CONFIG_COUNT = String(config.length);
  config.forEach(([key, value], i) => {
    env[`GIT_CONFIG_KEY_${i}`] = key;
    env[`GIT_CONFIG_VALUE_${i}`] = value;
  });
  if (options.sshKeyFile) {
    const knownHosts = options.sshKnownHostsFile ? ` -o UserKnownHostsFile=${shellQuote(options.sshKnownHostsFile)}` : '';
    env.GIT_SSH_COMMAND = `ssh -i ${shellQuote(options.sshKeyFile)} -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=accept-new${knownHosts}`;
  }
  return env;
}

function authorizationHeader(token: string, username = 'x-access-token'): string {
  return `Authorization: Basic ${Buffer.from(`${username}:${token}`).toString('base64')}`;
}

// GIT_SSH_COMMAND is run by a shell.
function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** Text with the token, its Basic-auth form and any user:password@ in URLs replaced by ***. */
export function scrubSecrets(text: string, options: Pick<GitSourceOptions, 'token' | 'tokenUsername'>): string {
  let out = text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/@\s]+@/gi, '$1***@');
  if (options.token) {
    const basic = authorizationHeader(options.token, options.tokenUsername).replace('Authorization: Basic ', '');
    for (const secret of [options.token, basic, encodeURIComponent(options.token)]) out = out.split(secret).join('***');
  }
  return out;
}

/** The URL schemes git may use (also given to git as GIT_ALLOW_PROTOCOL). */
const ALLOWED_SCHEMES = ['https', 'http', 'ssh', 'git', 'file', 'git+ssh', 'ssh+git'];

/**
 * Why a source URL is refused, or undefined. git reads `<transport>::<address>` as a remote
 * helper: `ext::sh -c …` runs a command, `fd::3` talks over file descriptors, so only plain
 * URLs of the schemes above, scp-like user@host:path and local paths are accepted.
 */
export function gitUrlProblem(url: string): string | undefined {
  const helper = /^([A-Za-z0-9][A-Za-z0-9+._-]*)::/.exec(url);
  if (helper) {
    return `uses git's ${helper[1]}:: remote-helper syntax, which can run commands (ext::) or use file descriptors (fd::); use an https://, ssh://, git:// or file:// URL, user@host:path or a local path`;
  }
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(url)?.[1];
  if (scheme && !ALLOWED_SCHEMES.includes(scheme.toLowerCase())) {
    return `uses the ${scheme}:// transport, which regionctl does not allow; use an https://, ssh://, git:// or file:// URL, user@host:path or a local path`;
  }
  return undefined;
}

export function redactUrl(url: string): string {
  return url.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/@\s]+@/gi, '$1***@');
}

function lastLines(text: string): string {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .slice(-3)
    .join('; ');
}

// git check-ref-format rules that matter here; also refuses a leading '-' (option injection).
function isSafeBranchName(branch: string): boolean {
  return /^[A-Za-z0-9._/-]+$/.test(branch) && !branch.startsWith('-') && !branch.startsWith('/') && !branch.endsWith('/') && !branch.includes('..') && !branch.endsWith('.lock');
}

async function hashDirectory(dir: string): Promise<string> {
  const files = (await glob('**/*', { cwd: dir, onlyFiles: true, dot: true, followSymbolicLinks: false, ignore: [...LOCAL_IGNORED_DIRS].map((d) => `**/${d}/**`) })).sort();
  if (files.length > MAX_LOCAL_FILES) throw new SourceError(`${dir} holds more than ${MAX_LOCAL_FILES} files; point the source at the directory of the manifests`);
  const hash = createHash('sha256');
  for (const file of files) {
    const full = path.join(dir, file);
    if (!(await lstat(full)).isFile()) continue;
    hash.update(`${file}\0`);
    hash.update(await readFile(full));
    hash.update('\0');
  }
  return `local-${hash.digest('hex').slice(0, 16)}`;
}

/**
 * Manifest files under `dir` matching `pattern` (relative to dir, e.g. `manifests/*.yaml`),
 * as sorted paths relative to dir. Symbolic links are skipped, so a commit cannot make the
 * controller read files outside the repository.
 */
export async function listManifests(dir: string, pattern: string): Promise<string[]> {
  if (path.isAbsolute(pattern) || pattern.split(/[\\/]/).includes('..')) {
    throw new SourceError(`manifest glob "${pattern}" must stay inside the repository: write it relative to the repository root, for example manifests/*.yaml`);
  }
  const matches = await glob(pattern, { cwd: dir, onlyFiles: true, dot: false, followSymbolicLinks: false, expandDirectories: false, ignore: ['**/.git/**'] });
  const files: string[] = [];
  for (const match of matches) {
    const info = await lstat(path.join(dir, match)).catch(() => undefined);
    if (info?.isFile()) files.push(match.split(path.sep).join('/'));
  }
  return files.sort();
}
