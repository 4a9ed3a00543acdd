// Manifest loading: read → parse YAML with positions → schema → region codes →
// normalise → semantic rules. Never throws for a user mistake (nor for I/O errors):
// every problem comes back as an issue with file:line:column.
import type { ErrorObject } from 'ajv';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { normalise } from './normalise.js';
import { MAX_MANIFEST_BYTES, parseManifestYaml, sizeIssue } from './parse.js';
import type { PositionIndex } from './positions.js';
import { regionCodeIssues, semanticIssues } from './rules.js';
import { containedTemplateReader, repositoryRoot, templateBodyTooLarge, TemplateRefusal } from './template-file.js';
import { decodeUtf8 } from './utf8.js';
import { schemaIssues, type PointedIssue } from './schema-errors.js';
import { secretLiteralWarnings } from './secrets.js';
import { validate } from './schema-validator.generated.js';
import type { LoadResult, ManifestIssue, RegionSetManifest } from './types.js';

export interface LoadOptions {
  /** Reads a file the manifest refers to (the template); undefined when it does not exist. */
  readFile(path: string): Promise<string | undefined>;
}

type SchemaValidator = ((data: unknown) => boolean) & { errors?: ErrorObject[] | null };

export interface LoadFileOptions {
  /**
   * The directory the template must lie in (the controller's checkout); by default the git
   * work tree holding the manifest, or the manifest's directory outside one.
   */
  root?: string;
}

export async function loadManifestFile(file: string, options: LoadFileOptions = {}): Promise<LoadResult> {
  try {
    const info = await stat(file);
    if (!info.isFile()) return failure(file, 'read-error', `${file} is not a file; pass a manifest file such as manifests/global-api.yaml`);
    // Checked before reading, so a huge file is never loaded into memory.
    const tooLarge = sizeIssue(info.size);
    if (tooLarge) return { ok: false, errors: [{ file, ...tooLarge }] };
    // Decoded strictly: invalid UTF-8 is refused at its position, not replaced by U+FFFD.
    const decoded = decodeUtf8(await readFile(file));
    if (!decoded.ok) return { ok: false, errors: [{ file, ...decoded.issue }] };
    const root = options.root ?? (await repositoryRoot(file));
    return await loadManifestText(decoded.text, file, { readFile: containedTemplateReader(root) });
  } catch (error) {
    return failure(file, 'read-error', ioMessage(error, file));
  }
}

export async function loadManifestText(text: string, file: string, opts: LoadOptions): Promise<LoadResult> {
  const parsed = parseManifestYaml(text);
  if (!parsed.ok) return { ok: false, errors: parsed.errors.map((issue) => ({ file, ...issue })) };
  const { data, positions } = parsed.value;
  const place = (issues: PointedIssue[]) => issues.map((issue) => positioned(file, positions, issue));

  const schemaValid = (validate as SchemaValidator)(data);
  const structural = schemaValid ? [] : schemaIssues((validate as SchemaValidator).errors ?? []);
  const regions = (data as { spec?: { regions?: unknown } } | null)?.spec?.regions;
  const early = sortIssues(place([...structural, ...regionCodeIssues(regions)]));
  if (early.length) return { ok: false, errors: early };

  const manifest = data as RegionSetManifest;
  const template = await readTemplate(manifest.spec.stack.template, file, opts);
  if (!template.ok) return { ok: false, errors: place([template.issue]) };

  const desired = normalise(manifest, file, template.body);
  // cron-parser (and luxon) take about 100 ms to load: only a manifest with sync windows pays for them.
  const windowIssues = manifest.spec.syncWindows?.length ? (await import('./sync-windows.js')).syncWindowIssues(manifest.spec.syncWindows) : [];
  const semantic = sortIssues(place([...semanticIssues(manifest, desired), ...windowIssues]));
  if (semantic.length) return { ok: false, errors: semantic };
  const warnings = sortIssues(place(secretLiteralWarnings(manifest, desired)));
  return warnings.length ? { ok: true, value: desired, warnings } : { ok: true, value: desired };
}

async function readTemplate(template: string, file: string, opts: LoadOptions): Promise<{ ok: true; body: string } | { ok: false; issue: PointedIssue }> {
  const pointer = '/spec/stack/template';
  if (path.isAbsolute(template)) {
    return { ok: false, issue: { rule: 'template-path', pointer, message: `spec.stack.template is the absolute path ${template}; write it relative to this manifest, for example stacks/regional-api.yaml` } };
  }
  const resolved = path.join(path.dirname(file), template);
  try {
    const body = await opts.readFile(resolved);
    if (body === undefined) {
      return { ok: false, issue: { rule: 'template-missing', pointer, message: `template ${template} not found (looked for ${resolved}, relative to this manifest); fix the path or add the file` } };
    }
    const tooLarge = templateBodyTooLarge(body);
    if (tooLarge) throw tooLarge;
    return { ok: true, body };
  } catch (error) {
    if (error instanceof TemplateRefusal) return { ok: false, issue: { rule: error.rule, pointer, message: `template ${template} ${error.message}` } };
    return { ok: false, issue: { rule: 'template-unreadable', pointer, message: `template ${template} could not be read: ${ioMessage(error, resolved)}` } };
  }
}

/** Default template reader: undefined when the file does not exist. */
export async function readFileIfExists(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw error;
  }
}

function positioned(file: string, positions: PositionIndex, issue: PointedIssue): ManifestIssue {
  const at = positions.locate(issue.pointer, issue.anchor);
  return { file, line: at.line, column: at.column, rule: issue.rule, message: issue.message, pointer: issue.pointer };
}

function sortIssues(issues: ManifestIssue[]): ManifestIssue[] {
  return issues.sort((a, b) => a.line - b.line || a.column - b.column);
}

function failure(file: string, rule: string, message: string): LoadResult {
  return { ok: false, errors: [{ file, line: 1, column: 1, rule, message, pointer: '' }] };
}

function ioMessage(error: unknown, file: string): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT':
      return `${file} does not exist; check the path`;
    case 'EACCES':
    case 'EPERM':
      return `${file} cannot be read (permission denied); check its permissions`;
    case 'EISDIR':
      return `${file} is a directory, not a file`;
    default:
      return `${file} cannot be read: ${error instanceof Error ? error.message : String(error)}`;
  }
}

// The commands import the formatter together with the loader.
export { formatIssue, formatIssues, formatWarning } from './format.js';
export { MAX_MANIFEST_BYTES };
