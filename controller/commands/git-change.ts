// The one-line change of `regionctl drain --now` as git sees it: a commit on top of HEAD
// holding only the edited manifest, made with git's plumbing (a temporary index, write-tree,
// commit-tree), so the working tree, the index and the checked-out branch are never touched,
// whatever state they are in. Kept as a branch, or written as a patch (format-patch) and no
// branch. git is the user's own binary, run without a shell.

import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

export class GitChangeError extends Error {}

export interface Checkout {
  /** The working tree's top directory. */
  root: string;
}

function git(cwd: string, args: string[], options: { input?: string; env?: NodeJS.ProcessEnv } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile('git', args, { cwd, env: { ...process.env, ...options.env }, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new GitChangeError(`git ${args[0]} failed: ${(stderr || error.message).trim().split('\n')[0]}`));
      else resolve(stdout);
    });
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

/** The git checkout holding `dir`; a GitChangeError when there is none. */
export async function checkoutOf(dir: string): Promise<Checkout> {
  try {
    return { root: (await git(dir, ['rev-parse', '--show-toplevel'])).trim() };
  } catch {
    throw new GitChangeError(`${dir} is not inside a git checkout: run from a checkout of the manifests' repository`);
  }
}

/** The file as HEAD has it (path relative to the checkout root, with / separators). */
export async function headText(checkout: Checkout, file: string): Promise<string> {
  try {
    return await git(checkout.root, ['show', `HEAD:${file}`]);
  } catch {
    throw new GitChangeError(`${file} is not in the checkout's HEAD commit; pull, or pass --manifest FILE`);
  }
}

export interface OneFileCommit {
  commit: string;
  /** The branch that now points at it, when one was asked for. */
  branch?: string;
  /** The patch text (format-patch), when asked for. */
  patch?: string;
}

/** A commit on HEAD that replaces `file` by `text`, nothing else; then a branch `branch`, or the patch. */
export async function commitOneFile(
  checkout: Checkout,
  change: { file: string; text: string; message: string; author: string; as: 'branch' | 'patch'; branch: string },
): Promise<OneFileCommit> {
  const { root } = checkout;
  const entry = (await git(root, ['ls-tree', 'HEAD', '--', change.file])).trim();
  const mode = /^(\d+) blob /.exec(entry)?.[1] ?? '100644';
  const blob = (await git(root, ['hash-object', '-w', '--stdin'], { input: change.text })).trim();
  const scratch = await mkdtemp(path.join(tmpdir(), 'regionctl-index-'));
  try {
    const env = { GIT_INDEX_FILE: path.join(scratch, 'index'), ...(await identity(root, change.author)) };
    await git(root, ['read-tree', 'HEAD'], { env });
    await git(root, ['update-index', '--cacheinfo', `${mode},${blob},${change.file}`], { env });
    const tree = (await git(root, ['write-tree'], { env })).trim();
    const commit = (await git(root, ['commit-tree', tree, '-p', 'HEAD', '-F', '-'], { env, input: change.message })).trim();
    if (change.as === 'patch') return { commit, patch: await git(root, ['format-patch', '-1', '--stdout', commit]) };
    await git(root, ['branch', change.branch, commit]);
    return { commit, branch: change.branch };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** The user's git identity; without one configured, `author` (so the commit can still be made). */
async function identity(root: string, author: string): Promise<NodeJS.ProcessEnv> {
  const configured = await git(root, ['config', 'user.email']).then((email) => email.trim(), () => '');
  if (configured || process.env['GIT_AUTHOR_EMAIL']) return {};
  const email = `${author.replace(/[^\w.-]/g, '') || 'regionctl'}@users.noreply.regionctl`;
  return { GIT_AUTHOR_NAME: author, GIT_AUTHOR_EMAIL: email, GIT_COMMITTER_NAME: author, GIT_COMMITTER_EMAIL: email };
}
