// GitSource against real git servers on 127.0.0.1: git daemon for clone/fetch/failure,
// git http-backend behind a server that demands the token header for HTTPS-style auth.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { createServer as createNetServer, type Server, type Socket } from 'node:net';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GitSource, RetryBackoff, SourceError, gitEnvironment, listManifests } from '../../controller/source/git.js';
import { git, startGitDaemon, startGitHttpServer, tempDir, type GitServer } from '../support/git-server.js';

const REGIONS_V1 = 'kind: RegionSet\nregions: [eu-west-1]\n';
const REGIONS_V2 = 'kind: RegionSet\nregions: [eu-west-1, us-east-2]\n';

async function syncError(source: GitSource): Promise<SourceError> {
  const error = await source.sync().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SourceError);
  return error as SourceError;
}

describe('GitSource over git daemon', () => {
  let server: GitServer;
  const temp = tempDir();

  beforeAll(async () => {
    server = await startGitDaemon();
  });
  afterAll(async () => {
    await server?.dispose();
    temp.cleanup();
  });

  it('clones the branch shallowly, then sees each new commit, including deleted files', async () => {
    const first = await server.commit({ 'manifests/global-api.yaml': REGIONS_V1, 'manifests/old.yaml': 'x: 1\n' }, 'first');
    const source = new GitSource({ url: server.url, branch: 'main', dir: path.join(temp.dir, 'copy') });

    const synced = await source.sync();
    expect(synced.revision).toBe(first);
    expect(readFileSync(path.join(synced.dir, 'manifests/global-api.yaml'), 'utf8')).toBe(REGIONS_V1);
    expect((await git(['rev-parse', '--is-shallow-repository'], synced.dir)).trim()).toBe('true');

    await server.commit({ 'manifests/global-api.yaml': REGIONS_V2 }, 'add us-east-2');
    const second = await server.remove(['manifests/old.yaml'], 'remove old');
    const resynced = await source.sync();
    expect(resynced).toEqual({ revision: second, dir: synced.dir });
    expect(readFileSync(path.join(synced.dir, 'manifests/global-api.yaml'), 'utf8')).toBe(REGIONS_V2);
    expect(existsSync(path.join(synced.dir, 'manifests/old.yaml'))).toBe(false);
    // Still one commit deep after fetching two more.
    expect((await git(['rev-list', '--count', 'HEAD'], synced.dir)).trim()).toBe('1');
  });

  it('keeps the last good revision and files when the server is down, and backs off until a sync succeeds', async () => {
    const good = await server.commit({ 'manifests/global-api.yaml': REGIONS_V1 }, 'good');
    const source = new GitSource({ url: server.url, branch: 'main', dir: path.join(temp.dir, 'outage'), backoff: { baseMs: 1000, maxMs: 8000, random: () => 0.5 } });
    await source.sync();
    expect(source.nextRetryDelayMs()).toBe(0);

    await server.stop();
    try {
      const error = await syncError(source);
      expect(error.message).toMatch(/^fetch of branch main from git:\/\/127\.0\.0\.1:\d+\/repo\.git failed: /);
      expect(error.lastGoodRevision).toBe(good);
      expect(source.lastGoodSync?.revision).toBe(good);
      expect(readFileSync(path.join(temp.dir, 'outage/manifests/global-api.yaml'), 'utf8')).toBe(REGIONS_V1);
      const delays = [source.nextRetryDelayMs()];
      await syncError(source);
      delays.push(source.nextRetryDelayMs());
      await syncError(source);
      delays.push(source.nextRetryDelayMs());
      expect(delays).toEqual([750, 1500, 3000]);
    } finally {
      await server.restart();
    }
    const recovered = await source.sync();
    expect(recovered.revision).toBe(good);
    expect(source.nextRetryDelayMs()).toBe(0);
  });

  it('reports a branch that does not exist by name', async () => {
    await server.commit({ 'a.yaml': 'a: 1\n' }, 'something on main');
    const source = new GitSource({ url: server.url, branch: 'release', dir: path.join(temp.dir, 'no-branch') });
    expect((await syncError(source)).message).toMatch(/^branch release does not exist in git:\/\/127\.0\.0\.1:\d+\/repo\.git$/);
  });

  it('refuses to take over a non-empty directory that it did not create', async () => {
    const dir = path.join(temp.dir, 'occupied');
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'notes.txt'), 'mine');
    const source = new GitSource({ url: server.url, branch: 'main', dir });
    expect((await syncError(source)).message).toContain('is not empty and not a working copy made by regionctl');
    expect(readFileSync(path.join(dir, 'notes.txt'), 'utf8')).toBe('mine');
  });

  it('shares one git run between concurrent syncs', async () => {
    const sha = await server.commit({ 'b.yaml': 'b: 1\n' }, 'b');
    const source = new GitSource({ url: server.url, branch: 'main', dir: path.join(temp.dir, 'concurrent') });
    const results = await Promise.all([source.sync(), source.sync(), source.sync()]);
    expect(results.map((r) => r.revision)).toEqual([sha, sha, sha]);
  });

  it('recovers from a lock file left by a killed git process', async () => {
    const source = new GitSource({ url: server.url, branch: 'main', dir: path.join(temp.dir, 'stale-lock') });
    await source.sync();
    await writeFile(path.join(temp.dir, 'stale-lock/.git/index.lock'), '');
    const sha = await server.commit({ 'c.yaml': 'c: 1\n' }, 'c');
    expect((await source.sync()).revision).toBe(sha);
  });
});

describe('GitSource over HTTP with a token', () => {
  const TOKEN = 'ghp_s3cretTokenValue1234567890';
  const EXPECTED_HEADER = `Basic ${Buffer.from(`x-access-token:${TOKEN}`).toString('base64')}`;
  let server: GitServer;
  const temp = tempDir();

  beforeAll(async () => {
    server = await startGitHttpServer({ requiredAuthorization: EXPECTED_HEADER });
  });
  afterAll(async () => {
    await server?.dispose();
    temp.cleanup();
  });

  it('sends the token as an Authorization header, never in the URL', async () => {
    const sha = await server.commit({ 'manifests/global-api.yaml': REGIONS_V1 }, 'first');
    const source = new GitSource({ url: server.url, branch: 'main', dir: path.join(temp.dir, 'ok'), token: TOKEN });
    expect((await source.sync()).revision).toBe(sha);
    expect(server.requests.length).toBeGreaterThan(0);
    expect(server.requests.every((r) => r.authorization === EXPECTED_HEADER && !r.path.includes(TOKEN))).toBe(true);
    // Nor is it stored in the working copy's config.
    expect(readFileSync(path.join(temp.dir, 'ok/.git/config'), 'utf8')).not.toContain(TOKEN);
  });

  it('never shows the token or its encoded form in the error of a refused fetch', async () => {
    const wrong = `${TOKEN}-revoked`;
    const source = new GitSource({ url: server.url, branch: 'main', dir: path.join(temp.dir, 'refused'), token: wrong });
    const error = await syncError(source);
    expect(error.message).toMatch(/^fetch of branch main from http:\/\/127\.0\.0\.1:\d+\/repo\.git failed: the server refused the token; check that it is valid and can read the repository$/);
    for (const secret of [wrong, TOKEN, Buffer.from(`x-access-token:${wrong}`).toString('base64')]) {
      expect(error.message).not.toContain(secret);
      expect(String(error.stack)).not.toContain(secret);
    }
  });

  it('scrubs credentials written into the URL from messages', async () => {
    const url = server.url.replace('http://', 'http://user:hunter2pass@');
    const source = new GitSource({ url: `${url}-missing`, branch: 'main', dir: path.join(temp.dir, 'url-creds') });
    expect(source.displayUrl).not.toContain('hunter2pass');
    const error = await syncError(source);
    expect(error.message).not.toContain('hunter2pass');
    expect(error.message).toContain('http://***@127.0.0.1');
  });
});

describe('a server that accepts connections and never answers', () => {
  const temp = tempDir();
  let server: Server;
  let port = 0;
  const sockets = new Set<Socket>();

  beforeAll(async () => {
    server = createNetServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => {});
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    port = (server.address() as { port: number }).port;
  });
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    temp.cleanup();
  });

  it.each(['git', 'http'])('over %s: the fetch is killed at the timeout, with every git process it started', async (scheme) => {
    const url = `${scheme}://127.0.0.1:${port}/hang-${scheme}.git`;
    const source = new GitSource({ url, branch: 'main', dir: path.join(temp.dir, scheme), timeoutMs: 1_000 });
    const error = await syncError(source);
    expect(error.message).toBe(`fetch of branch main from ${url} failed: git fetch did not finish within 1000 ms`);
    expect(processesMentioning(`hang-${scheme}.git`)).toEqual([]);
  });
});

/** Command lines of live processes containing text (Linux /proc). */
function processesMentioning(text: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (cmdline.includes(text)) found.push(cmdline);
    } catch {
      // Exited meanwhile.
    }
  }
  return found;
}

describe('git environment', () => {
  it('passes the token only through config variables, and the deploy key through GIT_SSH_COMMAND', () => {
    const env = gitEnvironment({ token: 'tok', sshKeyFile: "/keys/deploy key's" });
    expect(env.GIT_TERMINAL_PROMPT).toBe('0');
    const config = Object.fromEntries(Array.from({ length: Number(env.GIT_CONFIG_COUNT) }, (_, i) => [env[`GIT_CONFIG_KEY_${i}`], env[`GIT_CONFIG_VALUE_${i}`]]));
    expect(config['http.extraHeader']).toBe(`Authorization: Basic ${Buffer.from('x-access-token:tok').toString('base64')}`);
    expect(env.GIT_SSH_COMMAND).toBe(`ssh -i '/keys/deploy key'\\''s' -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=accept-new`);
  });

  it('refuses a branch name or URL that git would read as an option', () => {
    expect(() => new GitSource({ url: 'https://example.com/r.git', branch: '--upload-pack=x', dir: '/tmp/x' })).toThrow(SourceError);
    expect(() => new GitSource({ url: '--upload-pack=touch /tmp/pwned', branch: 'main', dir: '/tmp/x' })).toThrow(SourceError);
  });
});

describe('a local directory source', () => {
  const temp = tempDir();
  afterAll(() => temp.cleanup());

  it('reads a plain directory in place, its revision a hash of its files that changes with them', async () => {
    const dir = path.join(temp.dir, 'plain');
    await mkdir(dir);
    await writeFile(path.join(dir, 'regions.yaml'), REGIONS_V1);
    const source = new GitSource({ url: dir, branch: 'main', dir: path.join(temp.dir, 'unused') });
    const first = await source.sync();
    expect(first.dir).toBe(dir);
    expect(first.revision).toMatch(/^local-[0-9a-f]{16}$/);
    expect((await source.sync()).revision).toBe(first.revision);
    await writeFile(path.join(dir, 'regions.yaml'), REGIONS_V2);
    expect((await source.sync()).revision).not.toBe(first.revision);
    expect(existsSync(path.join(temp.dir, 'unused'))).toBe(false);
  });

  it('uses HEAD as the revision of a work tree', async () => {
    const dir = path.join(temp.dir, 'worktree');
    await mkdir(dir);
    await git(['init', '--quiet', dir], temp.dir);
    await writeFile(path.join(dir, 'regions.yaml'), REGIONS_V1);
    await git(['add', '.'], dir);
    await git(['commit', '--quiet', '-m', 'one'], dir);
    const head = (await git(['rev-parse', 'HEAD'], dir)).trim();
    expect(await new GitSource({ url: dir, branch: 'main', dir: path.join(temp.dir, 'unused') }).sync()).toEqual({ revision: head, dir });
  });
});

describe('listManifests', () => {
  const temp = tempDir();
  afterAll(() => temp.cleanup());

  it('returns the files matching the glob relative to the repo root, sorted, without symlinks', async () => {
    const dir = temp.dir;
    await mkdir(path.join(dir, 'manifests/eu'), { recursive: true });
    for (const file of ['manifests/b.yaml', 'manifests/a.yaml', 'manifests/eu/c.yaml', 'manifests/readme.md', 'other.yaml']) await writeFile(path.join(dir, file), 'x: 1\n');
    await symlink('/etc/hostname', path.join(dir, 'manifests/leak.yaml'));
    expect(await listManifests(dir, 'manifests/**/*.yaml')).toEqual(['manifests/a.yaml', 'manifests/b.yaml', 'manifests/eu/c.yaml']);
    expect(await listManifests(dir, 'manifests/*.yaml')).toEqual(['manifests/a.yaml', 'manifests/b.yaml']);
    expect(await listManifests(dir, 'nothing/*.yaml')).toEqual([]);
  });

  it('refuses a glob that leaves the repository', async () => {
    await expect(listManifests(temp.dir, '../*.yaml')).rejects.toThrow(/must stay inside the repository/);
    await expect(listManifests(temp.dir, '/etc/*')).rejects.toThrow(SourceError);
  });
});

describe('RetryBackoff', () => {
  it('doubles up to the cap, with jitter in the upper half, and resets on success', () => {
    const randoms = [0, 0.999, 0.5, 0, 0];
    const backoff = new RetryBackoff({ baseMs: 100, maxMs: 400, random: () => randoms.shift() ?? 0 });
    const delays: number[] = [];
    for (let i = 0; i < 5; i++) {
      backoff.recordFailure();
      delays.push(backoff.nextDelayMs());
    }
    expect(delays).toEqual([50, 200, 300, 200, 200]);
    backoff.recordSuccess();
    expect(backoff.nextDelayMs()).toBe(0);
  });
});
