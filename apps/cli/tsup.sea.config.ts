import { splitApp } from '@mesh/tsup-config';
import { defineConfig } from 'tsup';

// The single-file binaries' main script: one CommonJS file with everything in it, since Node's
// single executable applications (Node 20 to 24) run one CommonJS script and load nothing else.
export default defineConfig({
  ...splitApp,
  entry: { mesh: 'src/index.ts' },
  outDir: 'dist-bin/bundle',
  format: ['cjs'],
  splitting: false,
  sourcemap: false,
  // Bundled ESM dependencies (yargs) build require() and paths from import.meta.url, which
  // CommonJS lacks: this script's own URL stands in (in a binary, the executable's).
  define: { 'import.meta.url': '__meshImportMetaUrl' },
  banner: {
    js: "const __meshImportMetaUrl = require('node:url').pathToFileURL(__filename).href;",
  },
});
