// npm run build: the CLI as one bundled ESM file, dist/regionctl.mjs, plus the chunks it
// imports on demand (dist/chunks/): each command, the sandbox, and the AWS SDK clients,
// which only an AWS run loads. Dependencies are bundled too, so a cold start reads tens of
// files instead of resolving hundreds in node_modules. `tsc` still typechecks (npm test).
// test/bench/cold-start.bench.ts builds its floor scripts with the same bundleOptions.
//
//   npx tsx scripts/bundle.ts      # what npm run build and prepare run

import { build, type BuildOptions, type Metafile, type Plugin } from 'esbuild';
import { rmSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { fileURLToPath } from 'node:url';

/**
 * Bundled CommonJS dependencies (yaml, the AWS SDK's helpers, pino) call require() for
 * Node built-ins; an ES module has no require, so every output file gets one.
 */
const REQUIRE_SHIM = "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);";

// node:module stays an import: the entry needs it before anything else, and the banner has it.
const BUILTINS = new Set([...builtinModules, ...builtinModules.map((name) => `node:${name}`)].filter((name) => !/^(node:)?module$/.test(name)));

/**
 * `import … from 'node:fs'` in an ES module makes Node build the module's ESM facade, which
 * reads every export: fs.promises, for one, loads the promise API with its streams and
 * readline (measured here: 6 ms of CPU per cold start). Through require() a built-in is just
 * the object, its lazy parts left unloaded. So imports of built-ins become requires.
 */
const builtinsThroughRequire: Plugin = {
  name: 'builtins-through-require',
  setup(build) {
    build.onResolve({ filter: /^[a-z_:/]+$/ }, (args) =>
      // Not import(): esbuild would give it the module as `default` only.
      BUILTINS.has(args.path) && args.kind === 'import-statement' ? { path: args.path, namespace: 'builtin' } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'builtin' }, (args) => ({ contents: `module.exports = require(${JSON.stringify(args.path)});`, loader: 'js' }));
  },
};

export function bundleOptions(entryPoints: Record<string, string>, outdir: string): BuildOptions & { metafile: true } {
  return {
    entryPoints,
    outdir,
    bundle: true,
    // Every dynamic import() becomes its own chunk, loaded only when the code runs it.
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node22',
    outExtension: { '.js': '.mjs' },
    chunkNames: 'chunks/[name]-[hash]',
    banner: { js: REQUIRE_SHIM },
    plugins: [builtinsThroughRequire],
    // Maps to the TypeScript sources, for `NODE_OPTIONS=--enable-source-maps` when chasing an
    // internal error. Not turned on by default: it made a cold `diff --sandbox` a fifth
    // slower (Node then reads every loaded chunk's map).
    sourcemap: 'linked',
    sourcesContent: false,
    metafile: true,
    logLevel: 'warning',
  };
}

export const DIST = fileURLToPath(new URL('../dist/', import.meta.url));
/** Which source files went into which output file (tests read it to name the AWS SDK's chunks). */
export const METAFILE = `${DIST}meta.json`;

export async function bundleCli(): Promise<Metafile> {
  rmSync(DIST, { recursive: true, force: true });
  const root = fileURLToPath(new URL('../', import.meta.url));
  const { metafile } = await build({ ...bundleOptions({ regionctl: `${root}controller/regionctl.ts` }, DIST), absWorkingDir: root });
  writeFileSync(METAFILE, JSON.stringify(metafile));
  return metafile;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await bundleCli();
}
