// Entry of the post step (bundled to dist/post.js). All logic is in run-post.ts.
import { loadCore } from './core.js';
import { ActionProtocol } from './protocol.js';
import { runPost } from './run-post.js';

const proto = new ActionProtocol();
const code = await runPost(proto, () => loadCore()).catch((error: unknown) => {
  proto.warning(`mesh: cleanup failed: ${error instanceof Error ? error.message : String(error)}`);
  return 0;
});
process.exit(code);
