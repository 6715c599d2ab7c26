import { fileURLToPath } from 'node:url';
import { defineProject } from 'vitest/config';

const packagesDir = fileURLToPath(new URL('../packages/', import.meta.url));
const labEntry = fileURLToPath(new URL('./lab/src/index.ts', import.meta.url));
const errorsEntry = fileURLToPath(new URL('./errors/src/contract.ts', import.meta.url));

/**
 * One vitest project per workspace folder. `@mesh/*` resolves to source, so tests need no build.
 */
export function meshProject(name: string, overrides: { testTimeout?: number } = {}) {
  return defineProject({
    resolve: {
      alias: [
        {
          find: /^@mesh\/(headscale|tailscale|syncthing-client|platform|core)$/,
          replacement: `${packagesDir}$1/src/index.ts`,
        },
        // The lab is used by the libraries' own lab tests, which a package dependency would
        // make circular (the lab depends on them).
        { find: /^@mesh\/lab$/, replacement: labEntry },
        { find: /^@mesh\/errors$/, replacement: errorsEntry },
      ],
    },
    test: {
      name,
      include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
      clearMocks: true,
      restoreMocks: true,
      testTimeout: overrides.testTimeout ?? 20_000,
      hookTimeout: overrides.testTimeout ?? 20_000,
    },
  });
}
