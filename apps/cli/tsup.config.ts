import { splitApp } from '@mesh/tsup-config';
import { defineConfig } from 'tsup';

// Two builds into one dist (the package script empties it first, so neither cleans the other's
// files): the CLI in chunks that load on demand, and the agent service's own entry in one
// minified file, because the process that runs all day holds only what it loads.
export default defineConfig([
  { ...splitApp, clean: false, entry: { mesh: 'src/index.ts' } },
  {
    ...splitApp,
    clean: false,
    splitting: false,
    minify: true,
    entry: { 'mesh-agent': 'src/agent-main.ts' },
  },
]);
