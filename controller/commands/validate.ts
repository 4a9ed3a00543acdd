// regionctl validate FILE... [--output text|json]: checks manifests offline, each file on
// its own. Loads only the manifest layer (no AWS SDK, no logger) so it starts fast in CI
// and pre-commit hooks.
import { parseArgs } from 'node:util';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { isScalar, LineCounter, parseDocument } from 'yaml';
import { formatIssue, formatWarning, loadManifestFile, MAX_MANIFEST_BYTES } from '../manifest/load.js';
import type { ManifestIssue } from '../manifest/types.js';
import { parseErrorMessage } from './args.js';
import { COMMANDS } from './table.js';


export interface FileReport {
  file: string;
  valid: boolean;
  errors: Array<Pick<ManifestIssue, 'line' | 'column' | 'rule' | 'message' | 'pointer'>>;
  /** Present when there are any; they do not make the file invalid. */
  warnings?: Array<Pick<ManifestIssue, 'line' | 'column' | 'rule' | 'message' | 'pointer'>>;
}

export async function main(argv: string[]): Promise<number> {
  let options: { output?: string };
  let patterns: string[];
  try {
    const parsed = parseArgs({ args: argv, allowPositionals: true, strict: true, options: COMMANDS.validate.flags });
    options = parsed.values;
    patterns = parsed.positionals;
  } catch (error) {
    return usageError(parseErrorMessage('validate', error));
  }
  const output = options.output ?? 'text';
  if (output !== 'text' && output !== 'json') return usageError(`--output must be text or json (got "${output}")`);
  if (patterns.length === 0) return usageError("pass one or more manifest files or quoted glob patterns, for example 'manifests/*.yaml'");

  const { files, unmatched } = await expand(patterns);
  for (const pattern of unmatched) process.stderr.write(`regionctl validate: no file matches ${pattern}\n`);
  if (files.length === 0) {
    process.stderr.write('regionctl validate: no manifest to check; nothing was validated\n');
    return 1;
  }

  const reports = await Promise.all(files.map(validateFile));
  await addDuplicateNames(reports);
  if (output === 'json') {
    process.stdout.write(`${JSON.stringify(reports, null, 2)}\n`);
  } else {
    for (const report of reports) {
      if (report.valid) process.stdout.write(`${report.file}: ok\n`);
      for (const warning of report.warnings ?? []) process.stdout.write(`${formatWarning({ file: report.file, ...warning })}\n`);
      for (const issue of report.errors) process.stdout.write(`${formatIssue({ file: report.file, ...issue })}\n`);
    }
    const invalid = reports.filter((r) => !r.valid);
    if (invalid.length) {
      const errors = invalid.reduce((n, r) => n + r.errors.length, 0);
      process.stderr.write(`regionctl validate: ${invalid.length} of ${reports.length} file${reports.length === 1 ? '' : 's'} invalid (${errors} error${errors === 1 ? '' : 's'})\n`);
    }
  }
  return reports.every((r) => r.valid) && unmatched.length === 0 ? 0 : 1;
}

async function validateFile(file: string): Promise<FileReport> {
  const result = await loadManifestFile(file);
  if (result.ok) {
    const warnings = (result.warnings ?? []).map(({ line, column, rule, message, pointer }) => ({ line, column, rule, message, pointer }));
    return { file, valid: true, errors: [], ...(warnings.length ? { warnings } : {}) };
  }
  return {
    file,
    valid: false,
    errors: result.errors.map(({ line, column, rule, message, pointer }) => ({ line, column, rule, message, pointer })),
  };
}

/**
 * Several files declaring one metadata.name would fight over one RegionSet (the controller
 * stalls all but the recorded owner): each is reported at its metadata.name, naming the others.
 */
async function addDuplicateNames(reports: FileReport[]): Promise<void> {
  // One file cannot clash with itself: no second read and parse.
  if (reports.length < 2) return;
  const byName = new Map<string, Array<{ report: FileReport; line: number; column: number }>>();
  for (const report of reports) {
    const named = await readName(report.file);
    if (!named) continue;
    const list = byName.get(named.name) ?? [];
    // One file named twice (a.yaml and ./a.yaml) is not a clash.
    if (list.some((other) => path.resolve(other.report.file) === path.resolve(report.file))) continue;
    list.push({ report, line: named.line, column: named.column });
    byName.set(named.name, list);
  }
  for (const [name, list] of byName) {
    if (list.length < 2) continue;
    for (const { report, line, column } of list) {
      const others = list.filter((other) => other.report !== report).map((other) => other.report.file).join(', ');
      report.valid = false;
      report.errors.push({
        line,
        column,
        rule: 'duplicate-regionset',
        message: `metadata.name ${name} is also declared in ${others}; two files would fight over one RegionSet (the controller reconciles neither newcomer). Give each RegionSet its own name, or delete the copy`,
        pointer: '/metadata/name',
      });
    }
  }
}

/** metadata.name and its position, read leniently (the file's own errors are reported by validateFile). */
async function readName(file: string): Promise<{ name: string; line: number; column: number } | undefined> {
  try {
    if ((await stat(file)).size > MAX_MANIFEST_BYTES) return undefined;
    const lineCounter = new LineCounter();
    const doc = parseDocument(await readFile(file, 'utf8'), { lineCounter, uniqueKeys: false });
    // Another tool's manifest (the controller skips it) claims no RegionSet name.
    const kind = doc.get('kind');
    const apiVersion = doc.get('apiVersion');
    if (typeof kind === 'string' && kind !== 'RegionSet' && typeof apiVersion === 'string' && !apiVersion.startsWith('regionctl/')) return undefined;
    const node = doc.getIn(['metadata', 'name'], true);
    if (!isScalar(node) || typeof node.value !== 'string' || !node.value.trim() || !node.range) return undefined;
    const { line, col } = lineCounter.linePos(node.range[0]);
    return { name: node.value, line, column: col };
  } catch {
    return undefined;
  }
}

/** Paths stay as given; glob patterns become the sorted files they match. */
async function expand(patterns: string[]): Promise<{ files: string[]; unmatched: string[] }> {
  const files: string[] = [];
  const unmatched: string[] = [];
  for (const pattern of patterns) {
    if (!/[*?[\]{}]/.test(pattern)) {
      files.push(pattern);
      continue;
    }
    // Loaded only for patterns: plain paths need no glob library.
    const { glob } = await import('tinyglobby');
    const matches = (await glob(pattern, { onlyFiles: true, expandDirectories: false })).sort();
    if (matches.length === 0) unmatched.push(pattern);
    files.push(...matches);
  }
  return { files: [...new Set(files)], unmatched };
}

function usageError(message: string): number {
  process.stderr.write(`regionctl validate: ${message}\nUsage: ${COMMANDS.validate.usage} (regionctl validate --help for more)\n`);
  return 1;
}
