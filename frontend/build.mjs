// Builds the portal bundle deterministically: fixed options, no timestamps, no source paths.
// Usage: node build.mjs [outfile]   (default: the committed ../apps/portal/static/portal/vigil.js)
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const outfile = process.argv[2] ?? join(here, '..', 'apps', 'portal', 'static', 'portal', 'vigil.js');

await build({
  absWorkingDir: here,
  entryPoints: ['src/portal.js'],
  outfile,
  bundle: true,
  format: 'iife',
  platform: 'browser',
  target: 'es2020', // BigInt, optional chaining: every browser the portal supports
  minify: true,
  legalComments: 'eof', // the libraries' MIT notices stay with their code
  charset: 'ascii',
  sourcemap: false,
  logLevel: 'warning',
});
