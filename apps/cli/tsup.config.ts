import { splitApp } from '@mesh/tsup-config';
import type { Plugin } from 'esbuild';
import { defineConfig } from 'tsup';

/**
 * The front's `import('./main.js')` stays an import of the ESM build's `mesh-main.js`, beside
 * it in dist, instead of pulling the whole CLI into the front.
 */
const mainBesideFront: Plugin = {
  name: 'mesh-main-beside-front',
  setup(build) {
    build.onResolve({ filter: /^\.\/main\.js$/ }, () => ({
      path: './mesh-main.js',
      external: true,
    }));
  },
};

// Three builds into one dist (the package script empties it first, so none cleans another's
// files): the front `mesh.cjs`, which answers `--version` and asks the agent for `status` in
// CommonJS (Node starts an ES module about 12 ms slower, a third of its own start); the CLI in
// ES module chunks that load on demand, from `mesh-main.js`; and the agent service's own entry
// in one minified file, because the process that runs all day holds only what it loads.
export default defineConfig([
  {
    ...splitApp,
    clean: false,
    splitting: false,
    format: ['cjs'],
    entry: { mesh: 'src/index.ts' },
    outExtension: () => ({ js: '.cjs' }),
    // CommonJS has require(): the ESM build's banner that makes one does not belong here.
    banner: {},
    esbuildPlugins: [...(splitApp.esbuildPlugins ?? []), mainBesideFront],
  },
  { ...splitApp, clean: false, entry: { 'mesh-main': 'src/main.ts' } },
  {
    ...splitApp,
    clean: false,
    splitting: false,
    minify: true,
    entry: { 'mesh-agent': 'src/agent-main.ts' },
  },
]);
