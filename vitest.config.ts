import { defineConfig } from 'vitest/config';

// Every workspace folder with a vitest.config.ts is a project; `vitest run` at the root runs
// them all, and each package's own `test` script runs just its own.
export default defineConfig({
  test: {
    projects: ['packages/*', 'apps/*', 'tooling/*/vitest.config.ts', 'tests'],
    clearMocks: true,
    restoreMocks: true,
  },
});
