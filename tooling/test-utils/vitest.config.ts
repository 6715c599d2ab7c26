import { meshProject } from '../vitest.shared.ts';

export default meshProject('test-utils');
