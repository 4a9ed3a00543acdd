// regionctl validate FILE... [--output text|json]: checks manifests offline, each file on
// its own. Loads only the manifest layer (no AWS SDK, no logger) so it starts fast in CI
// and pre-commit hooks.
import { parseArgs } from 'node:util';
import { formatIssue, formatWarning, loadManifestFile } from '../manifest/load.js';
import { parseErrorMessage } from './args.js';
import { selectManifests, type FileIssue, type ManifestFile } from './manifest-files.js';
import { COMMANDS } from './table.js';

export interface FileReport {
  file: string;
  valid: boolean;
  errors: FileIssue[];
  /** Present when there are any; they do not make the file invalid. */
  warnings?: FileIssue[];
  /** Another tool's manifest, not checked (valid is true): why. */
  skipped?: string;
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

  const { files, skipped, unmatched, order } = await selectManifests(patterns);
  for (const pattern of unmatched) process.stderr.write(`regionctl validate: no file matches ${pattern}\n`);
  if (files.length === 0 && skipped.length === 0) {
    process.stderr.write('regionctl validate: no manifest to check; nothing was validated\n');
    return 1;
  }

  const reports: FileReport[] = [
    ...(await Promise.all(files.map(validateFile))),
    ...skipped.map(({ file, reason }) => ({ file, valid: true, errors: [], skipped: reason })),
  ].sort((a, b) => order.indexOf(a.file) - order.indexOf(b.file));
  if (output === 'json') {
    process.stdout.write(`${JSON.stringify(reports, null, 2)}\n`);
  } else {
    for (const report of reports) {
      if (report.skipped) process.stdout.write(`${report.file}: ${report.skipped}\n`);
      else if (report.valid) process.stdout.write(`${report.file}: ok\n`);
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

async function validateFile({ file, duplicate }: ManifestFile): Promise<FileReport> {
  const result = await loadManifestFile(file);
  if (duplicate) {
    const errors = result.ok ? [] : result.errors.map(({ line, column, rule, message, pointer }) => ({ line, column, rule, message, pointer }));
    return { file, valid: false, errors: [...errors, duplicate] };
  }
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

function usageError(message: string): number {
  process.stderr.write(`regionctl validate: ${message}\nUsage: ${COMMANDS.validate.usage} (regionctl validate --help for more)\n`);
  return 1;
}
