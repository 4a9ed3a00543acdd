// regionctl add-region / drain-region / remove-region FILE REGION: the one-line manifest
// edits of the daily loop. The text is edited in place (see manifest/edit.ts for where the
// line goes), the result is checked with the real loader before anything is written, and
// the file is replaced atomically, so a refusal or a crash never leaves a half-edited file.
import { chmod, readFile, realpath, rename, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { addRegion, drainRegion, removeRegion, type EditResult, type TextChange } from '../manifest/edit.js';
import { formatIssue, loadManifestText } from '../manifest/load.js';
import { closestRegion, isAwsRegion } from '../manifest/regions.js';
import { containedTemplateReader, repositoryRoot } from '../manifest/template-file.js';
import { decodeUtf8 } from '../manifest/utf8.js';
import { parseCommandArgs, runCommand, UsageError } from './args.js';

export type RegionEditCommand = 'add-region' | 'drain-region' | 'remove-region';

const USAGE: Record<RegionEditCommand, string> = {
  'add-region': 'regionctl add-region FILE REGION [--weight N]',
  'drain-region': 'regionctl drain-region FILE REGION',
  'remove-region': 'regionctl remove-region FILE REGION',
};


/** Thrown for a refused edit: one message, nothing written. */
export class Refusal extends Error {}

export async function main(command: RegionEditCommand, argv: string[]): Promise<number> {
  return runCommand(command, async () => {
    const { values, positionals } = parseCommandArgs(command, argv);
    if (positionals.length !== 2) throw new UsageError(`expected FILE and REGION: ${USAGE[command]}`);
    const [file, region] = positionals as [string, string];
    const weight = parseWeight((values as { weight?: string }).weight);
    try {
      const change = await editManifest(command, file, region, weight);
      change.removed.forEach((line, i) => process.stdout.write(`${file}:${change.line + i}: - ${line.trim()}\n`));
      change.added.forEach((line, i) => process.stdout.write(`${file}:${change.line + i}: + ${line.trim()}\n`));
      if (change.removed.length > 1) process.stdout.write(`(${region} was a block mapping: its ${change.removed.length} lines were removed)\n`);
      process.stdout.write(`Next: regionctl diff ${file} shows what apply would do.\n`);
      return 0;
    } catch (error) {
      if (!(error instanceof Refusal)) throw error;
      process.stderr.write(`regionctl ${command}: ${error.message}\n${file} was not changed.\n`);
      return 1;
    }
  });
}

function parseWeight(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  // Checked here too, not only by the schema: the value is written into the YAML text.
  if (!/^\d{1,3}$/.test(raw) || Number(raw) > 255) throw new UsageError(`--weight must be a whole number from 0 to 255 such as 100 (got ${JSON.stringify(raw)})`);
  return Number(raw);
}

/**
 * The region is written into the YAML text as a key, so anything but a known region code
 * (a newline, colon, #, quote or space) would inject YAML: refused before the file is read.
 */
function checkRegion(region: string): void {
  if (isAwsRegion(region)) return;
  const lower = region.toLowerCase();
  const hint = isAwsRegion(lower) ? `region codes are lower case: write ${lower}` : closestRegion(region) ? `did you mean ${closestRegion(region)}?` : 'pass a region code such as eu-west-1';
  throw new Refusal(`${JSON.stringify(region)} is not an AWS region code; ${hint}`);
}

async function editManifest(command: RegionEditCommand, file: string, region: string, weight: number | undefined): Promise<TextChange> {
  checkRegion(region);
  const text = await readManifest(file);
  const result = await checkedEdit(command, text, file, region, weight, containedTemplateReader(await repositoryRoot(file)));
  await writeAtomically(file, result.text);
  return result.change;
}

/**
 * The edit of `text` (the manifest `file` as it is, or as a commit has it), checked with the
 * real loader before and after; throws a Refusal. Also used by `drain --now` for its one-line change.
 */
export async function checkedEdit(
  command: RegionEditCommand,
  text: string,
  file: string,
  region: string,
  weight: number | undefined,
  readTemplate: (file: string) => Promise<string | undefined>,
): Promise<{ text: string; change: TextChange }> {
  const before = await loadManifestText(text, file, { readFile: readTemplate });
  if (!before.ok) {
    // Otherwise the edit would be blamed for problems that were already there.
    throw new Refusal(`${file} does not validate as it is; fix these first:\n${before.errors.map((i) => `  ${formatIssue(i)}`).join('\n')}`);
  }

  const result: EditResult =
    command === 'add-region'
      ? addRegion(text, region, weight === undefined ? {} : { weight })
      : command === 'drain-region'
        ? drainRegion(text, region)
        : removeRegion(text, region);
  if (!result.ok) throw new Refusal(result.message);

  const after = await loadManifestText(result.text, file, { readFile: readTemplate });
  if (!after.ok) {
    const issues = after.errors.map((i) => `  ${formatIssue(i)}`).join('\n');
    throw new Refusal(`the edited manifest would not validate (line numbers as they would be after the edit):\n${issues}`);
  }
  return { text: result.text, change: result.change };
}

async function readManifest(file: string): Promise<string> {
  try {
    const decoded = decodeUtf8(await readFile(file));
    if (!decoded.ok) throw new Refusal(formatIssue({ file, ...decoded.issue }));
    return decoded.text;
  } catch (error) {
    if (error instanceof Refusal) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new Refusal(`${file} does not exist; check the path`);
    if (code === 'EISDIR') throw new Refusal(`${file} is a directory; pass a manifest file such as manifests/global-api.yaml`);
    if (code === 'EACCES' || code === 'EPERM') throw new Refusal(`${file} cannot be read (permission denied)`);
    throw error;
  }
}

/** Temp file beside the target, same mode, then rename: readers see the old or the new file, never half of one. */
async function writeAtomically(file: string, text: string): Promise<void> {
  // Through a symlink, the file it points at is replaced, not the link.
  const target = await realpath(file);
  const { mode } = await stat(target);
  const temp = path.join(path.dirname(target), `.${path.basename(target)}.regionctl-${process.pid}.tmp`);
  try {
    await writeFile(temp, text, { mode });
    await chmod(temp, mode); // writeFile's mode is filtered by the umask
    await rename(temp, target);
  } catch (error) {
    await unlink(temp).catch(() => {});
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
      throw new Refusal(`cannot write ${file} (${code}: the file or its directory is not writable)`);
    }
    throw error;
  }
}
