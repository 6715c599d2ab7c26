import { meshProject } from '../../tooling/vitest.shared.ts';

// Benchmarks print numbers and assert nothing about time; they run only with `pnpm bench`.
const project = meshProject('cli-bench', { testTimeout: 600_000 });
export default { ...project, test: { ...project.test, include: ['bench/**/*.bench.ts'] } };
