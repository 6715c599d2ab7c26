import { meshProject } from '../tooling/vitest.shared.ts';

export default meshProject('tests', { testTimeout: 300_000 });
