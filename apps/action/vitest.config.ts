import { meshProject } from '../../tooling/vitest.shared.ts';

// Lab tests run the built action against real daemons; a join with Syncthing takes minutes.
export default meshProject('action', { testTimeout: 180_000 });
