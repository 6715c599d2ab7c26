import { app } from '@mesh/tsup-config';
import { defineConfig } from 'tsup';

// dist/ is committed (the runner executes it as is); the test suite checks it is fresh.
export default defineConfig({
  ...app,
  entry: { main: 'src/main.ts', post: 'src/post.ts' },
  sourcemap: false,
});
