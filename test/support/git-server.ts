// A real git server on loopback for tests: one bare repository in a temp dir, served by
// `git daemon` (git://127.0.0.1:<port>/repo.git) or by `git http-backend` behind a small
// node http server (http://127.0.0.1:<port>/repo.git) that can require an Authorization
// header, like a git host checking a token. commit() writes files from a temp work tree and
// pushes them straight into the bare repository. Every git command is bounded in time.

import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { mkdir, writeFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from './ports.js';

const GIT_TIMEOUT_MS = 20_000;
export const REPO_NAME = 'repo.git';

/** git's environment for tests: a fixed identity, no user or system config, never a prompt. */
function gitEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', GIT_TERMINAL_PROMPT: '0', GIT_AUTHOR_NAME: 'test', GIT_AUTHOR_EMAIL: 'test@example.com', GIT_COMMITTER_NAME: 'test', GIT_COMMITTER_EMAIL: 'test@example.com' };
  for (const name of ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE']) delete env[name];
  return env;
}

/** Runs git without a shell, with a fixed identity and no user or system config. */
export function git(args: string[], cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('git', args, { cwd, env: gitEnv(), timeout: GIT_TIMEOUT_MS, killSignal: 'SIGKILL', encoding: 'utf8' }, (error, stdout, stderr) => {
      if (error) reject(new Error(`git ${args.join(' ')} failed: ${stderr || error.message}`));
      else resolve(stdout);
    });
  });
}

/** git as above, blocking: for tests that edit a throwaway repository between synchronous CLI runs. */
export function gitSync(args: string[], cwd: string): string {
  return execFileSync('git', args, { cwd, env: gitEnv(), timeout: GIT_TIMEOUT_MS, killSignal: 'SIGKILL', encoding: 'utf8' });
}

export interface GitServer {
  /** URL of the repository as a client clones it. */
  url: string;
  /** Path of the bare repository. */
  bareDir: string;
  branch: string;
  /** Writes the files (path → content, relative to the repo root), commits, pushes; returns the commit SHA. */
  commit(files: Record<string, string>, message: string): Promise<string>;
  /** Removes files in a new commit. */
  remove(paths: string[], message: string): Promise<string>;
  /** Stops serving; the repository stays (restart() serves it again). */
  stop(): Promise<void>;
  /** Stops serving and deletes the repository: for afterAll. */
  dispose(): Promise<void>;
  /** Serves again on the same port after stop() (git daemon only). */
  restart(): Promise<void>;
  /** Requests the server answered (http-backend only), with their Authorization header. */
  requests: Array<{ path: string; authorization: string | undefined; status: number }>;
}

interface Repo {
  root: string;
  bareDir: string;
  workDir: string;
  branch: string;
}

async function createRepo(branch: string): Promise<Repo> {
  const root = mkdtempSync(path.join(tmpdir(), 'regionctl-git-'));
  const bareDir = path.join(root, REPO_NAME);
  const workDir = path.join(root, 'work');
  await git(['init', '--quiet', '--bare', `--initial-branch=${branch}`, bareDir], root);
  await git(['init', '--quiet', `--initial-branch=${branch}`, workDir], root);
  await git(['remote', 'add', 'origin', bareDir], workDir);
  return { root, bareDir, workDir, branch };
}

function committer(repo: Repo) {
  return {
    async commit(files: Record<string, string>, message: string): Promise<string> {
      for (const [file, content] of Object.entries(files)) {
        const full = path.join(repo.workDir, file);
        await mkdir(path.dirname(full), { recursive: true });
        await writeFile(full, content);
      }
      await git(['add', '--all'], repo.workDir);
      await git(['commit', '--quiet', '--allow-empty', '-m', message], repo.workDir);
      await git(['push', '--quiet', 'origin', `HEAD:refs/heads/${repo.branch}`], repo.workDir);
      return (await git(['rev-parse', 'HEAD'], repo.workDir)).trim();
    },
    async remove(paths: string[], message: string): Promise<string> {
      for (const file of paths) await rm(path.join(repo.workDir, file), { force: true });
      return this.commit({}, message);
    },
  };
}

/** Serves a new bare repository with `git daemon` on 127.0.0.1. */
export async function startGitDaemon(options: { branch?: string } = {}): Promise<GitServer> {
  const repo = await createRepo(options.branch ?? 'main');
  const port = await freePort();
  let daemon: ChildProcess | undefined;

  const start = async () => {
    // git-daemon itself, not `git daemon`: the git wrapper would run it as a child that
    // outlives a kill of the wrapper and keeps serving.
    const execPath = (await git(['--exec-path'], repo.root)).trim();
    const child = spawn(path.join(execPath, 'git-daemon'), ['--reuseaddr', '--export-all', '--enable=receive-pack', `--base-path=${repo.root}`, '--listen=127.0.0.1', `--port=${port}`, '--informative-errors', repo.root], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    daemon = child;
    await waitForPort(port, child);
  };
  await start();

  const served: GitServer = {
    url: `git://127.0.0.1:${port}/${REPO_NAME}`,
    bareDir: repo.bareDir,
    branch: repo.branch,
    requests: [],
    ...committer(repo),
    async stop() {
      await killProcess(daemon);
      daemon = undefined;
    },
    async restart() {
      if (!daemon) await start();
    },
    async dispose() {
      await served.stop();
      rmSync(repo.root, { recursive: true, force: true });
    },
  };
  return served;
}

/**
 * Serves a new bare repository with `git http-backend` (smart HTTP) behind a node server
 * on 127.0.0.1. With requiredAuthorization, a request without exactly that Authorization
 * header gets 401, as a git host answers a missing or wrong token.
 */
export async function startGitHttpServer(options: { branch?: string; requiredAuthorization?: string } = {}): Promise<GitServer> {
  const repo = await createRepo(options.branch ?? 'main');
  const requests: GitServer['requests'] = [];
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const authorization = req.headers.authorization;
    if (options.requiredAuthorization && authorization !== options.requiredAuthorization) {
      requests.push({ path: url.pathname, authorization, status: 401 });
      res.writeHead(401, { 'www-authenticate': 'Basic realm="git"' }).end('unauthorized\n');
      req.resume();
      return;
    }
    requests.push({ path: url.pathname, authorization, status: 200 });
    const backend = spawn('git', ['http-backend'], {
      env: {
        PATH: process.env.PATH,
        GIT_PROJECT_ROOT: repo.root,
        GIT_HTTP_EXPORT_ALL: '1',
        GIT_CONFIG_NOSYSTEM: '1',
        GIT_CONFIG_GLOBAL: '/dev/null',
        REQUEST_METHOD: req.method ?? 'GET',
        PATH_INFO: decodeURIComponent(url.pathname),
        QUERY_STRING: url.search.slice(1),
        CONTENT_TYPE: req.headers['content-type'] ?? '',
        ...(req.headers['content-length'] ? { CONTENT_LENGTH: req.headers['content-length'] } : {}),
        HTTP_CONTENT_ENCODING: req.headers['content-encoding'] ?? '',
        GIT_PROTOCOL: String(req.headers['git-protocol'] ?? ''),
        REMOTE_ADDR: '127.0.0.1',
      },
      stdio: ['pipe', 'pipe', 'ignore'],
      timeout: GIT_TIMEOUT_MS,
    });
    req.pipe(backend.stdin!);
    relayCgiResponse(backend, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;

  const served: GitServer = {
    url: `http://127.0.0.1:${port}/${REPO_NAME}`,
    bareDir: repo.bareDir,
    branch: repo.branch,
    requests,
    ...committer(repo),
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
    async restart() {
      throw new Error('restart is only supported by the git daemon server');
    },
    async dispose() {
      if (server.listening) await served.stop();
      rmSync(repo.root, { recursive: true, force: true });
    },
  };
  return served;
}

// CGI output: header lines (with an optional "Status: 404 Not Found"), a blank line, the body.
function relayCgiResponse(backend: ChildProcess, res: import('node:http').ServerResponse): void {
  let head = Buffer.alloc(0);
  let headersSent = false;
  backend.stdout!.on('data', (chunk: Buffer) => {
    if (headersSent) return void res.write(chunk);
    head = Buffer.concat([head, chunk]);
    const end = head.indexOf('\r\n\r\n');
    if (end < 0) return;
    let status = 200;
    const headers: Record<string, string> = {};
    for (const line of head.subarray(0, end).toString('latin1').split('\r\n')) {
      const colon = line.indexOf(':');
      const name = line.slice(0, colon).trim();
      const value = line.slice(colon + 1).trim();
      if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10);
      else headers[name] = value;
    }
    res.writeHead(status, headers);
    headersSent = true;
    res.write(head.subarray(end + 4));
  });
  backend.on('close', () => {
    if (!headersSent) res.writeHead(500);
    res.end();
  });
}

async function waitForPort(port: number, child: ChildProcess): Promise<void> {
  const { connect } = await import('node:net');
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  for (let attempt = 0; attempt < 100; attempt++) {
    if (child.exitCode !== null) throw new Error(`git daemon exited: ${stderr}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await killProcess(child);
  throw new Error(`git daemon did not listen on 127.0.0.1:${port} within 5 s: ${stderr}`);
}

async function killProcess(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGKILL');
  await exited;
}

/**
 * A temp directory, made on first use of `dir` (so a describe block filtered out by -t
 * leaves nothing behind) and removed by cleanup().
 */
export function tempDir(prefix = 'regionctl-test-'): { readonly dir: string; cleanup(): void } {
  let made: string | undefined;
  return {
    get dir() {
      made ??= mkdtempSync(path.join(tmpdir(), prefix));
      return made;
    },
    cleanup() {
      if (made) rmSync(made, { recursive: true, force: true });
    },
  };
}
