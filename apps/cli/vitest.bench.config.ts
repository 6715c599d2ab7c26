import { fileURLToPath } from 'node:url';
import { defineProject } from 'vitest/config';

const packagesDir = fileURLToPath(new URL('../../packages/', import.meta.url));

// Benchmarks print numbers and assert nothing about time; they run only with `pnpm bench`.
export default defineProject({
  resolve: {
    alias: [
      {
        find: /^@mesh\/(headscale|tailscale|syncthing-client|platform|core)$/,
        replacement: `${packagesDir}$1/src/index.ts`,
      },
      {
        find: /^@mesh\/lab$/,
        replacement: fileURLToPath(new URL('../../tooling/lab/src/index.ts', import.meta.url)),
      },
    ],
  },
  test: {
    name: 'cli-bench',
    include: ['bench/**/*.bench.ts'],
    testTimeout: 600_000,
    hookTimeout: 600_000,
  },
});
