// The container image, without a Docker engine: the Dockerfile's invariants read from the
// file, and its install and start steps replayed by reproduce-image.ts in a temporary
// directory until the started controller's HEALTHCHECK passes.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execForm, healthcheckCommand, parseDockerfile, type Stage } from './dockerfile.js';
import type { ReproduceReport } from './reproduce-image.js';

const ROOT = process.cwd();
const dockerfile = parseDockerfile(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'));
const finalStage = dockerfile.stages.at(-1)!;
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string } };

function runLines(stage: Stage): string[] {
  return stage.instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args);
}
function last(stage: Stage, keyword: string) {
  return stage.instructions.filter((i) => i.keyword === keyword).at(-1);
}

// How the controller is started in the replay: the built-in sandbox as the cloud and a
// local git repository (the three-region example) as the source, as a first-time user would.
const RUN_ENV = {
  REGIONCTL_SANDBOX: '$WORK/sandbox.json',
  REGIONCTL_SANDBOX_SPEED: '1000',
  REGIONCTL_GIT_URL: '$EXAMPLE_REPO',
  REGIONCTL_GIT_BRANCH: 'main',
  REGIONCTL_MANIFESTS: 'regions.yaml',
  REGIONCTL_RESYNC: 'off',
  REGIONCTL_LOG_LEVEL: 'warn',
};

describe('Dockerfile', () => {
  it('builds in one stage and runs from another based on a current LTS Node that satisfies engines', () => {
    expect(dockerfile.stages.length).toBeGreaterThanOrEqual(2);
    const major = Number(/^node:(\d+)[-.]/.exec(finalStage.base)?.[1]);
    // Even majors are the LTS lines; 24 is Active LTS from October 2025.
    expect(major % 2, `${finalStage.base} is not an LTS line`).toBe(0);
    expect(major).toBeGreaterThanOrEqual(24);
    const floor = Number(/>=\s*(\d+)/.exec(pkg.engines.node)?.[1]);
    expect(major).toBeGreaterThanOrEqual(floor);
    for (const stage of dockerfile.stages) expect(stage.base).toBe(finalStage.base);
  });

  it('runs as a non-root user from after the last RUN, with git and ssh installed', () => {
    const user = last(finalStage, 'USER');
    expect(user, 'no USER in the final stage').toBeDefined();
    expect(user!.args).not.toMatch(/^(root|0)(:|$)/);
    const lastRun = finalStage.instructions.filter((i) => i.keyword === 'RUN').at(-1)!;
    expect(user!.line).toBeGreaterThan(lastRun.line);
    const install = runLines(finalStage).find((line) => /apt-get install/.test(line)) ?? '';
    for (const pkgName of ['git', 'openssh-client', 'ca-certificates']) expect(install.split(/\s+/)).toContain(pkgName);
  });

  it('starts `regionctl run`, exposes one port and checks /healthz on it', () => {
    expect(execForm(last(finalStage, 'ENTRYPOINT')!.args)).toEqual(['node', 'dist/regionctl.mjs', 'run']);
    const port = last(finalStage, 'EXPOSE')!.args;
    expect(healthcheckCommand(last(finalStage, 'HEALTHCHECK')!.args)).toContain(`http://127.0.0.1:${port}/healthz`);
    // The port the controller listens on comes from the image's ENV (replaced by the replay).
    const portEnv = finalStage.instructions.filter((i) => i.keyword === 'ENV' && new RegExp(`=(\\S+:)?${port}$`).test(i.args));
    expect(portEnv).toHaveLength(1);
  });

  it('puts no devDependencies in the final stage: it installs nothing and copies node_modules pruned to production', () => {
    expect(runLines(finalStage).filter((line) => /\bnpm\b/.test(line))).toEqual([]);
    const copies = finalStage.instructions.filter((i) => i.keyword === 'COPY');
    const modules = copies.find((i) => /node_modules/.test(i.args));
    expect(modules?.flags['from']).toBeDefined();
    const builder = dockerfile.stages.find((s) => s.name === modules!.flags['from'])!;
    const steps = runLines(builder);
    const build = steps.findIndex((line) => /npm run build/.test(line));
    const prune = steps.findIndex((line) => /npm prune --omit=dev/.test(line));
    expect(build).toBeGreaterThanOrEqual(0);
    expect(prune).toBeGreaterThan(build);
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
});

describe('the image replayed without Docker', () => {
  let report: ReproduceReport;
  let stderr = '';
  let work: string;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'regionctl-image-'));
    const args = ['test/container/reproduce-image.ts', '--work', work, ...Object.entries(RUN_ENV).flatMap(([k, v]) => ['--env', `${k}=${v}`])];
    const child = spawn(join(ROOT, 'node_modules', '.bin', 'tsx'), args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 170_000);
    await new Promise((resolve) => child.once('close', resolve));
    clearTimeout(timer);
    try {
      report = JSON.parse(stdout) as ReproduceReport;
    } catch {
      throw new Error(`reproduce-image.ts printed no report (exit ${child.exitCode ?? child.signalCode}):\n${stderr}`);
    }
  }, 180_000);

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('replays every RUN of the Dockerfile, skipping only the OS-level ones, each with its reason', () => {
    const replayed = report.stages.flatMap((s) => s.ran);
    const skipped = report.skipped.map((s) => s.command);
    const all = dockerfile.stages.flatMap(runLines);
    expect([...replayed, ...skipped].sort()).toEqual([...all].sort());
    for (const step of report.skipped) expect(step.command).toMatch(/^(apt-get|groupadd|useradd)\b/);
  });

  it('leaves no devDependency in the final stage', () => {
    expect(report.devDependenciesInFinalStage).toEqual([]);
  });

  it('answers the HEALTHCHECK with the sandbox and a local repository, and exits 0 on SIGTERM', () => {
    expect(report.healthy, `the controller never became healthy:\n${report.output}\n${stderr}`).toBe(true);
    expect(report.exitCode, `after SIGTERM:\n${report.output}`).toBe(0);
  });
});
