import { meshProject } from '../../tooling/vitest.shared.ts';

export default meshProject('platform');
