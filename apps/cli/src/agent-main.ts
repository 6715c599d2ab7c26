import { reportError } from './boundary.js';
import { agent } from './commands/agent.js';
import { Output } from './output/output.js';

// The agent service's own entry: only what `mesh agent run` needs, in one minified file, so the
// process that runs all day holds less code than the whole CLI (see agentCommand).
const out = new Output({ json: false });
try {
  process.exitCode = await agent({ json: false }, out);
} catch (error) {
  process.exitCode = reportError(out, error, process.argv.includes('--debug'));
}
process.exit(process.exitCode ?? 0);
