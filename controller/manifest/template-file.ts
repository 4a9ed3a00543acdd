// Reading the stack template a manifest names, contained: the manifest comes from a git
// repository anyone with push access writes, so its `template:` path must not reach files
// outside that repository (/proc/self/environ holds the process's AWS keys), nor devices,
// FIFOs or huge files that would hang or exhaust the controller. Everything is checked on
// the real path (symlinks resolved) before a single byte is read.
import { constants } from 'node:fs';
import { lstat, open, realpath, stat } from 'node:fs/promises';
import path from 'node:path';

/** CloudFormation's limit for a template passed by TemplateURL (S3): 1 MB. */
export const MAX_TEMPLATE_BYTES = 1024 * 1024;

/**
 * CloudFormation's limit for a template passed inline as TemplateBody, which is how regionctl
 * sends it (conformance case cfn.template-body-limit: "a maximum length of 51,200 bytes").
 */
export const MAX_TEMPLATE_BODY_BYTES = 51_200;

/** The refusal of a template CloudFormation would refuse as TemplateBody (rule template-body-too-large). */
export function templateBodyTooLarge(body: string): TemplateRefusal | undefined {
  const size = Buffer.byteLength(body, 'utf8');
  if (size <= MAX_TEMPLATE_BODY_BYTES) return undefined;
  return new TemplateRefusal(
    'template-body-too-large',
    `is ${size} bytes, over CloudFormation's TemplateBody limit of ${MAX_TEMPLATE_BODY_BYTES} bytes; regionctl sends the template inline ` +
      `(uploading it to S3 for TemplateURL is not supported yet): shrink it (comments, unused resources) or split it into nested stacks`,
  );
}

/** A template path the loader refuses; `rule` and `message` become the manifest issue. */
export class TemplateRefusal extends Error {
  constructor(
    readonly rule: string,
    message: string,
  ) {
    super(message);
    this.name = 'TemplateRefusal';
  }
}

/**
 * The repository a manifest belongs to: the nearest directory above it with a `.git` entry
 * (a directory, or a file in a worktree), found by walking up instead of running git; the
 * manifest's own directory when it is in no repository.
 */
export async function repositoryRoot(manifestFile: string): Promise<string> {
  const start = await realpath(path.dirname(path.resolve(manifestFile))).catch(() => path.dirname(path.resolve(manifestFile)));
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (await lstat(path.join(dir, '.git')).then(() => true, () => false)) return dir;
    if (path.dirname(dir) === dir) return start;
  }
}

/**
 * A template reader for the loader: undefined when the file does not exist, a
 * TemplateRefusal when the path leaves `root`, is not a regular file or is over 1 MB.
 * The messages name the template as written, never the resolved path.
 */
export function containedTemplateReader(root: string): (file: string) => Promise<string | undefined> {
  return async (file) => {
    const realRoot = await realpath(root);
    let real: string;
    try {
      real = await realpath(file);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // A dangling symlink is a missing file too.
      if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
      if (code === 'ELOOP') throw new TemplateRefusal('template-symlink-loop', 'is a symlink loop; point it at a template file in the repository');
      throw error;
    }
    const relative = path.relative(realRoot, real);
    if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative)) {
      throw new TemplateRefusal(
        'template-outside-repository',
        'resolves to a path outside the repository that holds this manifest; keep the template inside the repository (for example stacks/regional-api.yaml) and do not point symlinks outside it',
      );
    }
    checkFile(await stat(real));
    // O_NOFOLLOW and O_NONBLOCK: a file swapped for a symlink or a FIFO after the checks
    // above neither escapes nor blocks; the handle is checked again before reading.
    const handle = await open(real, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    try {
      const info = await handle.stat();
      checkFile(info);
      // One byte more than the limit: a file that grew since stat() is still caught.
      const buffer = Buffer.alloc(Math.min(info.size, MAX_TEMPLATE_BYTES) + 1);
      let length = 0;
      for (;;) {
        const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
        if (bytesRead === 0) break;
        length += bytesRead;
        if (length === buffer.length) break;
      }
      if (length > MAX_TEMPLATE_BYTES) throw tooLarge(length);
      return buffer.subarray(0, length).toString('utf8');
    } finally {
      await handle.close();
    }
  };
}

function checkFile(info: { isFile(): boolean; isDirectory(): boolean; isFIFO(): boolean; isSocket(): boolean; size: number }): void {
  if (!info.isFile()) {
    const kind = info.isDirectory() ? 'a directory' : info.isFIFO() ? 'a named pipe (FIFO)' : info.isSocket() ? 'a socket' : 'a device';
    throw new TemplateRefusal('template-not-a-file', `is ${kind}, not a regular file; point template: at a CloudFormation template file`);
  }
  if (info.size > MAX_TEMPLATE_BYTES) throw tooLarge(info.size);
}

function tooLarge(size: number): TemplateRefusal {
  return new TemplateRefusal(
    'template-too-large',
    `is ${size} bytes, over CloudFormation's template limit of ${MAX_TEMPLATE_BYTES} bytes (1 MB); shrink it or split it into nested stacks`,
  );
}
