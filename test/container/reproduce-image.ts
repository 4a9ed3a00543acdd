#!/usr/bin/env -S npx tsx
// Replays the Dockerfile without Docker (no engine here): every stage gets a directory
// standing for its filesystem, WORKDIR/COPY/ENV are applied there, RUN lines run in it,
// then the final stage's ENTRYPOINT is started and its HEALTHCHECK command polled until
// it passes; SIGTERM stops it. The steps come from the Dockerfile itself, so the two
// cannot drift. Only OS-level RUN lines (apt-get, useradd) are skipped, each named in the
// report with the reason; the host has to provide what they would install.
//
//   tsx test/container/reproduce-image.ts [--context DIR] [--work DIR] [--keep]
//       [--env KEY=VALUE]...   extra environment for the started controller; $WORK and
//                              $EXAMPLE_REPO in values name the temporary directory and a
//                              git repository holding the three-region example
//
// npm runs with npm_config_offline=true: installs come from the local npm cache only.
// Prints a JSON report on stdout; progress on stderr. Exit 0 when /healthz answered.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, posix, resolve } from 'node:path';
import { freePort } from '../support/ports.js';
import { execForm, envPairs, healthcheckCommand, parseDockerfile, substitute, type Stage } from './dockerfile.js';

export interface ReproduceOptions {
  /** The build context (the repository root). */
  context: string;
  /** Where the stages' directories go; a new temporary directory by default. */
  work?: string;
  /** Environment for the started controller, on top of the image's ENV. */
  runEnv?: Record<string, string>;
  healthTimeoutMs?: number;
  stopTimeoutMs?: number;
  log?: (line: string) => void;
}

export interface SkippedStep {
  stage: string;
  line: number;
  command: string;
  reason: string;
}

export interface ReproduceReport {
  work: string;
  stages: Array<{ name: string; base: string; ran: string[]; copied: string[] }>;
  skipped: SkippedStep[];
  /** Packages the lockfile marks dev-only that are present in the final stage. */
  devDependenciesInFinalStage: string[];
  finalWorkdir: string;
  entrypoint: string[];
  port: number;
  healthy: boolean;
  healthcheckAttempts: number;
  healthyAfterMs: number | undefined;
  /** How the controller ended after SIGTERM (undefined: killed after the stop timeout). */
  exitCode: number | null | undefined;
  output: string;
}

// RUN lines that need root and the OS package manager; what they provide is checked on the host instead.
const SYSTEM_STEPS: Array<{ pattern: RegExp; reason: string; hostCheck?: () => void }> = [
  {
    pattern: /^apt-get\b/,
    reason: 'installs OS packages as root; the host provides git, ssh and CA certificates',
    hostCheck: () => {
      for (const [command, args] of [['git', ['--version']], ['ssh', ['-V']]] as const) {
        if (spawnSync(command, [...args]).status !== 0) throw new Error(`the host lacks ${command}, which the image installs`);
      }
    },
  },
  { pattern: /^(groupadd|useradd)\b/, reason: 'creates the unprivileged user; the reproduction runs as the current user' },
];

export async function reproduceImage(options: ReproduceOptions): Promise<ReproduceReport> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const context = resolve(options.context);
  const work = options.work ?? mkdtempSync(join(tmpdir(), 'regionctl-image-'));
  const dockerfile = parseDockerfile(readFileSync(join(context, 'Dockerfile'), 'utf8'));
  const roots = new Map<string, string>();
  const report: ReproduceReport = {
    work,
    stages: [],
    skipped: [],
    devDependenciesInFinalStage: [],
    finalWorkdir: '',
    entrypoint: [],
    port: 0,
    healthy: false,
    healthcheckAttempts: 0,
    healthyAfterMs: undefined,
    exitCode: undefined,
    output: '',
  };

  let final: { stage: Stage; root: string; workdir: string; env: Record<string, string> } | undefined;
  for (const stage of dockerfile.stages) {
    const root = join(work, 'stages', stage.name);
    mkdirSync(root, { recursive: true });
    roots.set(stage.name, root);
    const summary = { name: stage.name, base: stage.base, ran: [] as string[], copied: [] as string[] };
    report.stages.push(summary);
    const vars: Record<string, string> = { ...dockerfile.globalArgs };
    const env: Record<string, string> = {};
    let workdir = '/';
    log(`stage ${stage.name} (FROM ${stage.base})`);
    for (const step of stage.instructions) {
      const args = substitute(step.args, { ...vars, ...env });
      switch (step.keyword) {
        case 'ARG': {
          const [key, value = ''] = args.split('=');
          vars[key!.trim()] = value.trim();
          break;
        }
        case 'WORKDIR':
          workdir = posix.resolve(workdir, args);
          mkdirSync(inStage(root, workdir), { recursive: true });
          break;
        case 'ENV':
          for (const [key, value] of envPairs(args)) env[key] = value;
          break;
        case 'COPY': {
          const parts = args.split(/\s+/);
          const dest = parts.pop()!;
          const from = step.flags['from'];
          const sourceRoot = from === undefined ? context : roots.get(from);
          if (sourceRoot === undefined) throw new Error(`Dockerfile line ${step.line}: COPY --from=${from} names no earlier stage`);
          const destination = inStage(root, posix.resolve(workdir, dest));
          for (const source of parts) {
            const sourcePath = from === undefined ? join(context, source) : inStage(sourceRoot, source);
            if (!existsSync(sourcePath)) throw new Error(`Dockerfile line ${step.line}: COPY source ${source} does not exist`);
            const isDirectory = statSync(sourcePath).isDirectory();
            // Docker: a directory's contents go into the destination; a file goes into it when it ends with / or there are several sources.
            const target = !isDirectory && (dest.endsWith('/') || parts.length > 1) ? join(destination, basename(source)) : destination;
            mkdirSync(isDirectory ? target : dirname(target), { recursive: true });
            cpSync(sourcePath, target, { recursive: true, verbatimSymlinks: true });
          }
          summary.copied.push(args);
          break;
        }
        case 'RUN': {
          const system = SYSTEM_STEPS.find((s) => s.pattern.test(args));
          if (system) {
            system.hostCheck?.();
            if (/\buseradd\b.*--create-home/.test(args)) {
              const user = args.trim().split(/\s+/).at(-1)!;
              mkdirSync(inStage(root, `/home/${user}`), { recursive: true });
            }
            report.skipped.push({ stage: stage.name, line: step.line, command: args, reason: system.reason });
            log(`  skip RUN ${args} (${system.reason})`);
            break;
          }
          log(`  RUN ${args}`);
          const result = spawnSync('sh', ['-c', args], {
            cwd: inStage(root, workdir),
            env: { ...process.env, ...stageEnv(root, env), npm_config_offline: 'true', npm_config_update_notifier: 'false' },
            encoding: 'utf8',
            timeout: 150_000,
          });
          if (result.status !== 0) {
            const hint = /ENOTCACHED/.test(result.stderr)
              ? '\n(the local npm cache lacks a package of the lockfile: run `npm ci` once with network access, as CI does, then retry)'
              : '';
            throw new Error(`Dockerfile line ${step.line}: RUN ${args} failed (${result.status ?? result.signal}):\n${result.stdout}\n${result.stderr}${hint}`);
          }
          summary.ran.push(args);
          break;
        }
        default:
          // USER, EXPOSE, HEALTHCHECK, ENTRYPOINT, CMD, LABEL: read from the final stage below.
          break;
      }
    }
    final = { stage, root, workdir, env };
  }
  if (!final) throw new Error('the Dockerfile has no stage');

  report.finalWorkdir = inStage(final.root, final.workdir);
  report.devDependenciesInFinalStage = devPackagesPresent(context, report.finalWorkdir);
  const last = (keyword: string) => final.stage.instructions.filter((i) => i.keyword === keyword).at(-1);
  const entrypoint = last('ENTRYPOINT');
  const healthcheck = last('HEALTHCHECK');
  const exposed = last('EXPOSE')?.args.split(/\s+/)[0]?.replace(/\/tcp$/, '');
  if (!entrypoint || !healthcheck || !exposed) throw new Error('the final stage needs ENTRYPOINT, HEALTHCHECK and EXPOSE');
  report.entrypoint = execForm(entrypoint.args);

  // The container's port becomes a free loopback port: in the image's ENV and in the health check.
  const port = await freePort();
  report.port = port;
  const imageEnv = stageEnv(final.root, final.env);
  // PORT or HOST:PORT; the replay listens on loopback only.
  for (const [key, value] of Object.entries(imageEnv)) {
    if (value === exposed) imageEnv[key] = String(port);
    else if (value.endsWith(`:${exposed}`)) imageEnv[key] = `127.0.0.1:${port}`;
  }
  const probe = healthcheckCommand(healthcheck.args).replaceAll(`:${exposed}/`, `:${port}/`);

  const exampleRepo = join(work, 'example-repo');
  const expand = (value: string) => value.replaceAll('$WORK', work).replaceAll('$EXAMPLE_REPO', exampleRepo);
  const runEnv = Object.fromEntries(Object.entries(options.runEnv ?? {}).map(([k, v]) => [k, expand(v)]));
  if (Object.values(options.runEnv ?? {}).some((v) => v.includes('$EXAMPLE_REPO'))) createExampleRepo(context, exampleRepo);
  const env = {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    HOME: inStage(final.root, '/home/regionctl'),
    ...imageEnv,
    ...runEnv,
  };
  mkdirSync(env.HOME, { recursive: true });

  const [command, ...args] = report.entrypoint;
  log(`start ${report.entrypoint.join(' ')} on 127.0.0.1:${port}`);
  const child = spawn(command!, args, { cwd: report.finalWorkdir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const append = (chunk: Buffer) => (report.output = (report.output + chunk.toString()).slice(-20_000));
  child.stdout!.on('data', append);
  child.stderr!.on('data', append);
  const exited = new Promise<number | null>((resolveExit) => child.once('exit', (code) => resolveExit(code)));

  try {
    const started = Date.now();
    const deadline = started + (options.healthTimeoutMs ?? 30_000);
    while (Date.now() < deadline && child.exitCode === null && child.signalCode === null) {
      report.healthcheckAttempts++;
      const result = spawnSync('sh', ['-c', probe], { cwd: report.finalWorkdir, env, timeout: 5000 });
      if (result.status === 0) {
        report.healthy = true;
        report.healthyAfterMs = Date.now() - started;
        break;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    log(report.healthy ? `healthy after ${report.healthyAfterMs} ms` : `not healthy:\n${report.output}`);
  } finally {
    report.exitCode = await stop(child, exited, options.stopTimeoutMs ?? 15_000);
  }
  return report;
}

/** SIGTERM, then the exit code; SIGKILL and undefined when it does not exit in time. */
async function stop(child: ChildProcess, exited: Promise<number | null>, timeoutMs: number): Promise<number | null | undefined> {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  child.kill('SIGTERM');
  const timedOut = Symbol('timeout');
  let timer: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([exited, new Promise<symbol>((r) => (timer = setTimeout(() => r(timedOut), timeoutMs)))]);
  clearTimeout(timer);
  if (outcome !== timedOut) return outcome as number | null;
  child.kill('SIGKILL');
  await exited;
  return undefined;
}

/** A path of the stage's filesystem inside its directory. */
function inStage(root: string, path: string): string {
  return join(root, posix.resolve('/', path));
}

/** The image's ENV with absolute paths moved into the stage's directory. */
function stageEnv(root: string, env: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).map(([key, value]) => [key, value.startsWith('/') ? inStage(root, value) : value]));
}

/** Dev-only packages of the lockfile that are installed under workdir. */
export function devPackagesPresent(context: string, workdir: string): string[] {
  const lock = JSON.parse(readFileSync(join(context, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean }> };
  return Object.entries(lock.packages)
    .filter(([path, entry]) => path.startsWith('node_modules/') && entry.dev === true)
    .map(([path]) => path)
    .filter((path) => existsSync(join(workdir, path, 'package.json')));
}

/** A git repository with the three-region example and its stack template, one commit. */
function createExampleRepo(context: string, repo: string): void {
  mkdirSync(join(repo, 'stacks'), { recursive: true });
  cpSync(join(context, 'manifests', 'global-api.yaml'), join(repo, 'regions.yaml'));
  cpSync(join(context, 'manifests', 'stacks', 'regional-api.yaml'), join(repo, 'stacks', 'regional-api.yaml'));
  const git = (...args: string[]) => {
    const result = spawnSync('git', args, {
      cwd: repo,
      encoding: 'utf8',
      env: { ...process.env, GIT_AUTHOR_NAME: 'test', GIT_AUTHOR_EMAIL: 'test@example.com', GIT_COMMITTER_NAME: 'test', GIT_COMMITTER_EMAIL: 'test@example.com' },
    });
    if (result.status !== 0) throw new Error(`git ${args.join(' ')}: ${result.stderr}`);
  };
  git('init', '--quiet', '--initial-branch=main');
  git('add', '.');
  git('commit', '--quiet', '-m', 'three regions');
}

async function main(argv: string[]): Promise<number> {
  let context = process.cwd();
  let work: string | undefined;
  let keep = false;
  const runEnv: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--context') context = argv[++i]!;
    else if (arg === '--work') work = argv[++i]!;
    else if (arg === '--keep') keep = true;
    else if (arg === '--env') {
      const pair = argv[++i] ?? '';
      const at = pair.indexOf('=');
      if (at < 1) throw new Error(`--env needs KEY=VALUE (got "${pair}")`);
      runEnv[pair.slice(0, at)] = pair.slice(at + 1);
    } else throw new Error(`unknown argument ${arg}`);
  }
  // A temporary directory of our own is removed afterwards, even on failure, unless --keep.
  const ownWork = work === undefined ? mkdtempSync(join(tmpdir(), 'regionctl-image-')) : undefined;
  try {
    const report = await reproduceImage({ context, runEnv, work: work ?? ownWork! });
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    return report.healthy ? 0 : 1;
  } finally {
    if (ownWork && !keep) rmSync(ownWork, { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname)) {
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (error: unknown) => {
      process.stderr.write(`reproduce-image: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
