// `regionctl validate` must start fast: its import graph may not reach the AWS SDK, the
// logger or ajv's compiler (the schema validator is pre-generated). Checked statically,
// without timing anything.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { REPO_ROOT } from './cli-runner.js';

function packagesReachedFrom(entry: string): Set<string> {
  const packages = new Set<string>();
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const source = readFileSync(file, 'utf8');
    // Static imports, dynamic import() and require() calls; `import type` is erased at build time.
    for (const [, specifier] of source.matchAll(/(?:^import (?!type )[^'"]*?from |import\(|require\()\s*['"]([^'"]+)['"]/gm)) {
      if (specifier!.startsWith('.')) visit(path.resolve(path.dirname(file), specifier!.replace(/\.js$/, '.ts')));
      else packages.add(specifier!);
    }
  };
  visit(path.join(REPO_ROOT, entry));
  return packages;
}

it('regionctl validate loads only yaml, the glob helper, one ajv runtime helper and Node built-ins', () => {
  const packages = [...packagesReachedFrom('controller/commands/validate.ts')].filter((p) => !p.startsWith('node:')).sort();
  expect(packages).toEqual(['ajv/dist/runtime/ucs2length.js', 'tinyglobby', 'yaml']);
});
