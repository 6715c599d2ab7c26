import { hideBin } from 'yargs/helpers';
import { buildCli } from './cli.js';

/** Exit codes are documented in the CLI README. */
export const EXIT_USAGE = 2;

const argv = hideBin(process.argv);
try {
  await buildCli(argv)
    .fail((message, error, y) => {
      if (error) throw error;
      process.stderr.write(`ERROR: ${message}\n`);
      process.stderr.write('Run mesh --help to see the commands and their options.\n');
      void y;
      process.exit(EXIT_USAGE);
    })
    .parseAsync();
} catch (error) {
  const debug = argv.includes('--debug');
  process.stderr.write(`ERROR: ${error instanceof Error ? error.message : String(error)}\n`);
  if (debug && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
  process.exitCode = 1;
}
