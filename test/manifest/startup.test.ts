// `regionctl validate` must start fast: its import graph may not reach the AWS SDK, the
// logger or ajv's compiler (the schema validator is pre-generated). Checked statically,
// without timing anything.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { REPO_ROOT } from './cli-runner.js';

/** Packages the entry's import graph reaches: `eager` through static imports only, `lazy` only through a dynamic import() on the way. */
function packagesReachedFrom(entry: string): { eager: Set<string>; lazy: Set<string> } {
  const eager = new Set<string>();
  const lazy = new Set<string>();
  const seen = new Map<string, boolean>();
  const visit = (file: string, dynamic: boolean) => {
    // A file seen lazily may still be reached eagerly by another path: visit it again then.
    if (seen.has(file) && (dynamic || seen.get(file) === false)) return;
    seen.set(file, dynamic);
    const source = readFileSync(file, 'utf8');
    // Static imports, dynamic import() and require() calls; `import type` is erased at build time.
    for (const [, how, specifier] of source.matchAll(/(^import (?!type )[^'"]*?from |import\(|require\()\s*['"]([^'"]+)['"]/gm)) {
      const isDynamic = dynamic || how === 'import(';
      if (specifier!.startsWith('.')) visit(path.resolve(path.dirname(file), specifier!.replace(/\.js$/, '.ts')), isDynamic);
      else (isDynamic ? lazy : eager).add(specifier!);
    }
  };
  visit(path.join(REPO_ROOT, entry), false);
  for (const name of eager) lazy.delete(name);
  return { eager, lazy };
}

it('regionctl validate loads only yaml, the glob helper, one ajv runtime helper and Node built-ins', () => {
  const { eager, lazy } = packagesReachedFrom('controller/commands/validate.ts');
  expect([...eager].filter((p) => !p.startsWith('node:')).sort()).toEqual(['ajv/dist/runtime/ucs2length.js', 'yaml']);
  // Loaded on demand only: the glob helper for a pattern, cron-parser (about 100 ms with luxon) for a manifest with syncWindows (manifest/load.ts).
  expect([...lazy].filter((p) => !p.startsWith('node:')).sort()).toEqual(['cron-parser', 'tinyglobby']);
});
