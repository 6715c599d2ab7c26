// Entry of the main step (bundled to dist/main.js). All logic is in run-main.ts.
import { loadCore } from './core.js';
import { ActionProtocol } from './protocol.js';
import { runMain } from './run-main.js';

const proto = new ActionProtocol();
const code = await runMain(proto, () => loadCore(), { onHang: () => process.exit(1) }).catch(
  (error: unknown) => {
    // The one place an unexpected bug surfaces: still one redacted ::error:: line.
    proto.error(
      `mesh: unexpected failure: ${error instanceof Error ? error.message : String(error)}`,
    );
    return 1;
  },
);
// Exit explicitly: daemons are detached, and no handle left open by a library may hold the
// step open. stdout is a pipe or file here, both written synchronously on Linux.
process.exit(code);
