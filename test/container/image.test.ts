// The container image. First the Dockerfile's invariants and hadolint, read from the file;
// then the image itself, built from this checkout by buildah (test/container/image.sh: chroot
// isolation, on a base made from Debian packages with the Node of the `node` package, since
// no image registry is reachable) and run as a user would: `--version`, a sandbox `diff`, and
// the controller answering its HEALTHCHECK until a SIGTERM to tini stops it gracefully.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliSync, sandboxFlags } from '../support/cli.js';
import { startGitDaemon, tempDir, type GitServer } from '../support/git-server.js';
import { ensureHadolint } from '../support/hadolint.js';
import { freePort } from '../support/ports.js';
import { execForm, healthcheckCommand, parseDockerfile, type Stage } from './dockerfile.js';

const ROOT = process.cwd();
const IMAGE_SH = join(ROOT, 'test', 'container', 'image.sh');
const dockerfile = parseDockerfile(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'));
const finalStage = dockerfile.stages.at(-1)!;
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string; engines: { node: string } };

function runLines(stage: Stage): string[] {
  return stage.instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args);
}
function last(stage: Stage, keyword: string) {
  return stage.instructions.filter((i) => i.keyword === keyword).at(-1);
}

describe('Dockerfile', () => {
  it('builds in one stage and runs from another, both on the official Node image of a current LTS pinned by digest', () => {
    expect(dockerfile.stages.length).toBeGreaterThanOrEqual(2);
    const pinned = /^node:(\d+)-bookworm-slim@sha256:[0-9a-f]{64}$/.exec(finalStage.base);
    expect(pinned, `${finalStage.base} is not node:N-bookworm-slim@sha256:<digest>`).not.toBeNull();
    const major = Number(pinned![1]);
    // Even majors are the LTS lines; 24 is Active LTS from October 2025.
    expect(major % 2, `${finalStage.base} is not an LTS line`).toBe(0);
    expect(major).toBeGreaterThanOrEqual(24);
    expect(major).toBeGreaterThanOrEqual(Number(/>=\s*(\d+)/.exec(pkg.engines.node)?.[1]));
    for (const stage of dockerfile.stages) expect(stage.base).toBe(finalStage.base);
  });

  it('runs as a non-root user from after the last RUN, with git, ssh, CA certificates and tini installed', () => {
    const user = last(finalStage, 'USER');
    expect(user, 'no USER in the final stage').toBeDefined();
    expect(user!.args).not.toMatch(/^(root|0)(:|$)/);
    const lastRun = finalStage.instructions.filter((i) => i.keyword === 'RUN').at(-1)!;
    expect(user!.line).toBeGreaterThan(lastRun.line);
    const install = runLines(finalStage).find((line) => /apt-get install/.test(line)) ?? '';
    for (const name of ['git', 'openssh-client', 'ca-certificates', 'tini']) expect(install.split(/\s+/)).toContain(name);
  });

  it('starts the CLI under tini, `run` by default, and checks /healthz on the one port it exposes', () => {
    const entrypoint = execForm(last(finalStage, 'ENTRYPOINT')!.args);
    expect(entrypoint.slice(0, 3)).toEqual(['tini', '--', 'node']);
    expect(entrypoint[3], 'the entry point must not depend on the working directory').toMatch(/^\//);
    expect(execForm(last(finalStage, 'CMD')!.args)).toEqual(['run']);
    const port = last(finalStage, 'EXPOSE')!.args;
    expect(healthcheckCommand(last(finalStage, 'HEALTHCHECK')!.args).join(' ')).toContain(`http://127.0.0.1:${port}/healthz`);
    // The port the controller listens on comes from the image's ENV.
    const portEnv = finalStage.instructions.filter((i) => i.keyword === 'ENV' && new RegExp(`=(\\S+:)?${port}$`).test(i.args));
    expect(portEnv).toHaveLength(1);
  });

  it('puts no devDependencies in the final stage: it installs nothing and copies node_modules pruned to production', () => {
    expect(runLines(finalStage).filter((line) => /\bnpm\b/.test(line))).toEqual([]);
    const copies = finalStage.instructions.filter((i) => i.keyword === 'COPY');
    const modules = copies.find((i) => /node_modules/.test(i.args));
    expect(modules?.flags['from']).toBeDefined();
    const builder = dockerfile.stages.find((s) => s.name === modules!.flags['from'])!;
    const steps = runLines(builder).join('\n');
    expect(steps).toMatch(/npm run build[^]*npm prune --omit=dev/);
    // Only what runs: production modules, compiled code, schemas, package.json; no sources or tests.
    expect(copies.map((i) => i.args.split(/\s+/)[0]).sort()).toEqual(['/src/dist', '/src/node_modules', '/src/package.json', '/src/schemas']);
  });

  it('copies from the build context nothing that .dockerignore leaves out', () => {
    const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line && !line.startsWith('#'));
    const sources = dockerfile.stages.flatMap((s) => s.instructions.filter((i) => i.keyword === 'COPY' && !i.flags['from']).flatMap((i) => i.args.split(/\s+/).slice(0, -1)));
    for (const source of sources) expect(ignored, `${source} is copied but ignored`).not.toContain(source);
    expect(ignored).toEqual(expect.arrayContaining(['.git', 'node_modules', '.venv', 'dist']));
  });

  it('is clean under hadolint', () => {
    const lint = spawnSync(ensureHadolint(), ['--no-color', 'Dockerfile'], { cwd: ROOT, encoding: 'utf8' });
    expect(lint.stdout + lint.stderr).toBe('');
    expect(lint.status).toBe(0);
  });
});

// ---- the image, really built and run ----

/** Why the image cannot be built here, or undefined when buildah is (or has just been) installed. */
function builderUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'not root: buildah with chroot isolation and debootstrap need root';
  const install = spawnSync('bash', [IMAGE_SH, 'install'], { encoding: 'utf8', timeout: 300_000 });
  return install.status === 0 ? undefined : `the builder could not be installed: ${install.stderr.trim() || install.error?.message}`;
}
const unavailable = builderUnavailable();
if (unavailable) console.warn(`SKIPPED: the container image tests (build and run): ${unavailable}`);

// One tag per checkout, so worktrees on one machine do not build over each other's image.
const TAG = `localhost/regionctl-test:${Buffer.from(ROOT).toString('hex').slice(-24)}`;

interface ImageConfig {
  User: string;
  WorkingDir: string;
  Entrypoint: string[];
  Cmd: string[];
  ExposedPorts: Record<string, object>;
  Healthcheck: { Test: string[] };
}

interface RunOptions {
  env?: Record<string, string>;
  volumes?: string[];
  workdir?: string;
}

function buildah(args: string[], timeoutMs = 60_000) {
  const result = spawnSync('bash', [IMAGE_SH, 'buildah', ...args], { encoding: 'utf8', timeout: timeoutMs });
  if (result.status !== 0) throw new Error(`buildah ${args.join(' ')} failed (${result.status ?? result.error?.message}):\n${result.stderr}`);
  return result.stdout.trim();
}

/**
 * `buildah run` arguments: the container's user, working directory and ENV, plus these.
 * Chroot isolation has no PID namespace, so tini is not PID 1 there: as a subreaper
 * (TINI_SUBREAPER) it still reaps, and does not warn.
 */
function runArgs(container: string, argv: string[], options: RunOptions = {}): string[] {
  const env = Object.entries({ TINI_SUBREAPER: '1', ...options.env }).flatMap(([k, v]) => ['--env', `${k}=${v}`]);
  const volumes = (options.volumes ?? []).flatMap((v) => ['--volume', v]);
  const workdir = options.workdir ? ['--workingdir', options.workdir] : [];
  return ['run', '--isolation', 'chroot', ...env, ...volumes, ...workdir, container, '--', ...argv];
}

/** The host processes below `pid` (chroot isolation has no PID namespace: they are ours to see). */
function descendants(pid: number): Array<{ pid: number; comm: string }> {
  const parents = new Map<number, number[]>();
  const names = new Map<number, string>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // pid (comm) state ppid ...
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      names.set(Number(entry), comm);
      parents.set(ppid, [...(parents.get(ppid) ?? []), Number(entry)]);
    } catch {
      // the process ended while we looked
    }
  }
  const found: Array<{ pid: number; comm: string }> = [];
  const queue = [...(parents.get(pid) ?? [])];
  while (queue.length > 0) {
    const child = queue.shift()!;
    found.push({ pid: child, comm: names.get(child) ?? '' });
    queue.push(...(parents.get(child) ?? []));
  }
  return found;
}

describe.skipIf(unavailable !== undefined)('the image, built by buildah from this checkout', () => {
  let container = '';
  let config: ImageConfig;
  const tmp = tempDir('regionctl-image-');

  /** Runs argv in the container as the image would (its user, workdir, ENV), to completion. */
  function runInImage(argv: string[], options: RunOptions = {}) {
    const result = spawnSync('bash', [IMAGE_SH, 'buildah', ...runArgs(container, argv, options)], { encoding: 'utf8', timeout: 60_000 });
    return { code: result.status, stdout: result.stdout, stderr: result.stderr };
  }

  beforeAll(() => {
    // Cold (no cached Debian root) about 4 minutes, most of it debootstrap; warm about 1.5.
    const build = spawnSync('bash', [IMAGE_SH, 'build', TAG], { encoding: 'utf8', timeout: 570_000 });
    if (build.status !== 0) throw new Error(`the image did not build (${build.status ?? build.error?.message}):\n${build.stderr}`);
    const inspect = JSON.parse(buildah(['inspect', '--type', 'image', TAG])) as { Docker: { config: ImageConfig } };
    config = inspect.Docker.config;
    container = buildah(['from', '--pull=never', TAG]);
  }, 600_000);

  afterAll(() => {
    if (container) buildah(['rm', container]);
    tmp.cleanup();
  });

  it('runs as the unprivileged user, with no devDependency installed', () => {
    expect(runInImage(['id', '-u']).stdout.trim()).toBe('10001');
    const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean }> };
    const devOnly = Object.entries(lock.packages).filter(([path, entry]) => path.startsWith('node_modules/') && entry.dev === true);
    expect(devOnly.length).toBeGreaterThan(0);
    const mount = buildah(['mount', container]);
    try {
      const present = devOnly.map(([path]) => path).filter((path) => existsSync(join(mount, config.WorkingDir, path, 'package.json')));
      expect(present).toEqual([]);
      expect(existsSync(join(mount, config.WorkingDir, 'package.json')), 'nothing at the image\'s working directory').toBe(true);
    } finally {
      buildah(['umount', container]);
    }
  });

  it('answers `regionctl --version`', () => {
    const run = runInImage([...config.Entrypoint, '--version']);
    expect(run.stderr).toBe('');
    expect(run.stdout.trim()).toBe(`regionctl ${pkg.version}`);
    expect(run.code).toBe(0);
  });

  it('plans the three-region example on the sandbox exactly as the checkout does', () => {
    const args = ['diff', 'manifests/global-api.yaml'];
    const inImage = runInImage([...config.Entrypoint, ...args, ...sandboxFlags('/tmp/regionctl-sandbox.json')], {
      volumes: [`${join(ROOT, 'manifests')}:/work/manifests:ro`],
      workdir: '/work',
    });
    const onHost = runCliSync([...args, ...sandboxFlags(join(tmp.dir, 'sandbox.json'))], { cwd: ROOT });
    expect(inImage.stderr).toBe('');
    expect(inImage.stdout).toContain('RegionSet global-api (manifests/global-api.yaml)');
    expect(inImage.stdout).toBe(onHost.stdout);
    expect(inImage.code).toBe(onHost.code);
  });

  describe('the controller, started as the image starts it', () => {
    let source: GitServer;
    beforeAll(async () => {
      source = await startGitDaemon();
      await source.commit(
        {
          'regions.yaml': readFileSync(join(ROOT, 'manifests', 'global-api.yaml'), 'utf8'),
          'stacks/regional-api.yaml': readFileSync(join(ROOT, 'manifests', 'stacks', 'regional-api.yaml'), 'utf8'),
        },
        'three regions',
      );
    });
    afterAll(() => source?.dispose());

    it('answers its HEALTHCHECK, and a SIGTERM to tini reaches node, which stops gracefully with exit 0', async () => {
      const exposed = Object.keys(config.ExposedPorts)[0]!.replace(/\/tcp$/, '');
      const port = await freePort();
      const env = {
        REGIONCTL_LISTEN: `127.0.0.1:${port}`,
        REGIONCTL_GIT_URL: source.url,
        REGIONCTL_GIT_BRANCH: source.branch,
        REGIONCTL_MANIFESTS: 'regions.yaml',
        REGIONCTL_SANDBOX: '/tmp/regionctl-sandbox.json',
        REGIONCTL_SANDBOX_SPEED: '1000',
        REGIONCTL_RESYNC: 'off',
        REGIONCTL_LOG_LEVEL: 'info',
      };
      const child = spawn('bash', [IMAGE_SH, 'buildah', ...runArgs(container, [...config.Entrypoint, ...config.Cmd], { env })], { stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

      // The image's own HEALTHCHECK command, run in the container, on the port it listens on here.
      const probe = config.Healthcheck.Test.slice(1).map((part) => part.replaceAll(`:${exposed}/`, `:${port}/`));
      expect(config.Healthcheck.Test[0]).toBe('CMD');
      let healthy = false;
      for (let attempt = 0; attempt < 60 && !healthy && child.exitCode === null; attempt++) {
        healthy = runInImage(probe).code === 0;
        if (!healthy) await new Promise((r) => setTimeout(r, 500));
      }
      try {
        expect(healthy, `the controller never answered the HEALTHCHECK:\n${output}`).toBe(true);
      } finally {
        const tini = descendants(child.pid!).find((p) => p.comm === 'tini');
        if (tini) process.kill(tini.pid, 'SIGTERM');
        else child.kill('SIGKILL');
      }
      const code = await exited;
      expect(output).toMatch(/"signal":"SIGTERM".*"msg":"signal received"|"msg":"signal received".*"signal":"SIGTERM"/);
      expect(output).toContain('"msg":"stopped"');
      expect(code, output).toBe(0);
    }, 90_000);
  });
});
