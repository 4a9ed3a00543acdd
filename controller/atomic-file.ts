// Writing a file atomically: a temporary file in the same directory, flushed to disk, renamed
// over the target (then the directory flushed, where the platform allows). A kill at any
// point leaves either the old complete file or the new complete file, never half of one.
// Used for the sandbox state file and saved plans.

import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** `mode` as for open(2), filtered by the umask. Throws the file system's error (its `code` says why); the target is then unchanged. */
export function writeFileAtomicSync(path: string, text: string, mode: number, options: { createDir?: boolean } = {}): void {
  const dir = dirname(path);
  const temp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    // Opt-in: Node's recursive mkdir never returns under /proc (node 24), so a path given on
    // the command line is better refused (ENOENT) than created.
    if (options.createDir) mkdirSync(dir, { recursive: true });
    const fd = openSync(temp, 'wx', mode);
    try {
      writeFileSync(fd, text); // loops until all is written
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, path);
  } catch (error) {
    try {
      unlinkSync(temp);
    } catch {
      // already renamed or never created
    }
    throw error;
  }
  try {
    const dirFd = openSync(dir, 'r');
    try {
      fsyncSync(dirFd);
    } finally {
      closeSync(dirFd);
    }
  } catch {
    // Not every platform can fsync a directory; the rename is still atomic.
  }
}
