import { meshProject } from '../../tooling/vitest.shared.ts';

// Lab tests start real daemons in namespaces; a full up/down takes tens of seconds.
export default meshProject('lab', { testTimeout: 180_000 });
