// Issue #11, item 6 (git source): git reads `<transport>::<address>` as a remote helper, so
// REGIONCTL_GIT_URL=ext::sh -c … ran a command and fd::N talked over file descriptors.
// `regionctl run` now refuses such URLs (and unknown schemes) at start-up with one line
// naming the setting; GitSource refuses them too, and every git command runs with
// GIT_ALLOW_PROTOCOL so redirects and submodules cannot reach a helper either.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UsageError } from '../../controller/commands/args.js';
import { configFrom } from '../../controller/commands/run.js';
import { GitSource, SourceError, gitEnvironment } from '../../controller/source/git.js';
import { CLI } from '../support/cli.js';


async function refusal(values: Record<string, string>, env: Record<string, string>): Promise<string> {
  const error = await configFrom(values, env as NodeJS.ProcessEnv).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(UsageError);
  const message = (error as Error).message;
  expect(message).not.toContain('\n');
  return message;
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'regionctl-giturl-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('git URLs with transport prefixes are refused at start-up', () => {
  it('refuses fd::17 in REGIONCTL_GIT_URL, naming the setting', async () => {
    expect(await refusal({}, { REGIONCTL_GIT_URL: 'fd::17' })).toBe(
      'REGIONCTL_GIT_URL (or --source) "fd::17" uses git\'s fd:: remote-helper syntax, which can run commands (ext::) or use file descriptors (fd::); use an https://, ssh://, git:// or file:// URL, user@host:path or a local path',
    );
  });

  it('refuses ext::sh -c … (a command run by git)', async () => {
    expect(await refusal({}, { REGIONCTL_GIT_URL: 'ext::sh -c touch% /tmp/pwned' })).toMatch(/^REGIONCTL_GIT_URL \(or --source\) "ext::sh -c touch% \/tmp\/pwned" uses git's ext:: remote-helper syntax/);
  });

  it('refuses a transport prefix given by --source too', async () => {
    expect(await refusal({ source: 'ext::ssh -oProxyCommand=x host %S' }, { REGIONCTL_GIT_URL: '/repo' })).toMatch(/^REGIONCTL_GIT_URL \(or --source\) "ext::ssh .*" uses git's ext:: remote-helper syntax/);
  });

  it('refuses any <transport>::<address> form, such as https::example.com/repo (the https remote helper spelled out)', async () => {
    expect(await refusal({}, { REGIONCTL_GIT_URL: 'https::example.com/repo' })).toMatch(/uses git's https:: remote-helper syntax/);
  });

  it('refuses an unknown URL scheme (foo://), which git would hand to a git-remote-foo helper', async () => {
    expect(await refusal({}, { REGIONCTL_GIT_URL: 'foo://example.com/repo.git' })).toMatch(/^REGIONCTL_GIT_URL \(or --source\) "foo:\/\/example\.com\/repo\.git" uses the foo:\/\/ transport, which regionctl does not allow/);
  });

  it("keeps refusing a leading '-' (git option injection), now naming the setting", async () => {
    expect(await refusal({}, { REGIONCTL_GIT_URL: '--upload-pack=touch /tmp/pwned' })).toMatch(/^REGIONCTL_GIT_URL \(or --source\) "--upload-pack=touch \/tmp\/pwned" starts with "-", which git would read as an option$/);
  });

  it('does not echo credentials written into a refused URL', async () => {
    const message = await refusal({}, { REGIONCTL_GIT_URL: 'foo://deploy:s3cr3t-token@example.com/repo.git' });
    expect(message).not.toContain('s3cr3t-token');
  });

  it('still accepts https, http, ssh, git, file URLs, scp-like user@host:path and local paths', async () => {
    for (const url of [
      'https://github.com/org/repo.git',
      'http://127.0.0.1:9418/repo.git',
      'ssh://git@github.com/org/repo.git',
      'git+ssh://git@github.com/org/repo.git',
      'git://127.0.0.1/repo.git',
      'file:///srv/git/repo.git',
      'git@github.com:org/repo.git',
      '/srv/git/repo',
      './manifests-repo',
    ]) {
      expect((await configFrom({}, { REGIONCTL_GIT_URL: url })).sourceUrl).toBe(url);
    }
  });

  it('GitSource itself refuses ext:: and fd:: (defence in depth for other callers)', () => {
    for (const url of ['ext::sh -c id', 'fd::3,4']) {
      expect(() => new GitSource({ url, branch: 'main', dir })).toThrow(SourceError);
      expect(() => new GitSource({ url, branch: 'main', dir })).toThrow(/remote-helper syntax/);
    }
  });

  it('every git command runs with GIT_ALLOW_PROTOCOL limited to http, https, ssh, git and file', () => {
    expect(gitEnvironment({}).GIT_ALLOW_PROTOCOL).toBe('https:http:ssh:git:file');
  });

  it('regionctl run with REGIONCTL_GIT_URL=ext::… exits 1 at start-up with one line, and the command never runs', () => {
    const marker = join(dir, 'pwned');
    const run = spawnSync(process.execPath, [CLI, 'run'], {
      encoding: 'utf8',
      env: { ...process.env, REGIONCTL_GIT_URL: `ext::sh -c touch% ${marker}`, REGIONCTL_LISTEN: '127.0.0.1:0', REGIONCTL_SANDBOX: join(dir, 'sandbox.json') },
      timeout: 30_000,
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toBe(`regionctl run: REGIONCTL_GIT_URL (or --source) "ext::sh -c touch% ${marker}" uses git's ext:: remote-helper syntax, which can run commands (ext::) or use file descriptors (fd::); use an https://, ssh://, git:// or file:// URL, user@host:path or a local path\n`);
    expect(existsSync(marker)).toBe(false);
  });
});
