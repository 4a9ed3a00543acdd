// regionctl's version, from package.json: one level up from the bundle (dist/regionctl.mjs),
// two from a chunk (dist/chunks/*.mjs), one from controller/version.ts. Shown by --version and recorded in saved plans.

export async function packageVersion(): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  for (const candidate of ['../../package.json', '../package.json']) {
    const text = await readFile(new URL(candidate, import.meta.url), 'utf8').catch(() => undefined);
    if (text === undefined) continue;
    const pkg = JSON.parse(text) as { name?: string; version?: string };
    if (pkg.name === 'regionctl' && pkg.version) return pkg.version;
  }
  return 'unknown';
}
