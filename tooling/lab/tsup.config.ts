import { app } from '@mesh/tsup-config';
import { defineConfig } from 'tsup';

// The CLI is bundled (like apps/cli) so `node tooling/lab/dist/cli.js` needs no build of siblings.
export default defineConfig({ ...app, entry: { cli: 'src/cli.ts' } });
