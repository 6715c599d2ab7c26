import { mergeConfig } from 'vitest/config';
import { meshProject } from '../../tooling/vitest.shared.ts';

// Benchmarks print numbers and assert nothing about time; they run only with `pnpm bench`.
export default mergeConfig(meshProject('cli-bench', { testTimeout: 600_000 }), {
  test: { include: ['bench/**/*.bench.ts'] },
});
