#!/usr/bin/env node
// The installed entry point (package.json bin → dist/regionctl.mjs, bundled by
// scripts/bundle.ts). It turns on Node's on-disk compile cache before anything else is
// compiled, then loads the CLI: a static import would be compiled before this line runs.
// The cache lives in NODE_COMPILE_CACHE when set, otherwise under the OS temp dir
// (node-compile-cache); NODE_DISABLE_COMPILE_CACHE=1 turns it off. Node < 22.1 has no
// enableCompileCache and simply runs without it, as does a read-only temp dir.

import module from 'node:module';

// Typed here: @types/node follows the oldest supported Node, which lacks it.
const { enableCompileCache } = module as { enableCompileCache?: () => unknown };
try {
  enableCompileCache?.();
} catch {
  // An unusable cache directory costs speed, never the command.
}

await import('./cli.js');
