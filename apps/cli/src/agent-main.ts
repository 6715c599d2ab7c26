import { reportError } from './boundary.js';
import { agent } from './commands/agent.js';
import { Output } from './output/output.js';

// The agent service's own entry: only what `mesh agent run` needs, in one minified file, so the
// process that runs all day holds less code than the whole CLI (see agentCommand).
// Between bursts of work the agent waits, and V8 collects garbage only when it allocates: a
// full collection each half minute (a few milliseconds) hands what the last burst left back to
// the system, so the resident size stays near what the agent holds (run with --expose-gc).
const collect = (globalThis as { gc?: () => void }).gc;
if (collect) setInterval(collect, 30_000).unref();

const out = new Output({ json: false });
try {
  process.exitCode = await agent({ json: false }, out);
} catch (error) {
  process.exitCode = reportError(out, error, process.argv.includes('--debug'));
}
process.exit(process.exitCode ?? 0);
