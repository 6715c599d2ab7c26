import { hideBin } from 'yargs/helpers';
import { reportError } from './boundary.js';
import { buildCli } from './cli.js';
import { Output } from './output/output.js';

// The error boundary: every failure ends here and becomes one documented exit code.
const argv = hideBin(process.argv);
const json = argv.includes('--json');
const debug = argv.includes('--debug');
const out = new Output({ json });

try {
  await buildCli(argv, out).parseAsync();
} catch (error) {
  process.exitCode = reportError(out, error, debug);
}
