import { hideBin } from 'yargs/helpers';
import { reportError } from './boundary.js';
import { buildCli } from './cli.js';
import { Output } from './output/output.js';

/**
 * Runs one `mesh` command and exits. The error boundary: every failure ends here and becomes
 * one documented exit code. A function, not top-level await, so the single-file binary's
 * CommonJS bundle can hold it too.
 */
export async function main(argv: string[] = hideBin(process.argv)): Promise<never> {
  const json = argv.includes('--json');
  const debug = argv.includes('--debug');
  const out = new Output({ json });

  try {
    await buildCli(argv, out).parseAsync();
  } catch (error) {
    process.exitCode = reportError(out, error, debug);
  }

  // Exit explicitly once output is flushed: daemons Mesh starts are detached, but HTTP keep-alive
  // pools and IPN-bus watchers of the libraries must not keep a finished command waiting.
  const flush = (stream: NodeJS.WriteStream) =>
    new Promise<void>((resolve) => stream.write('', () => resolve()));
  await Promise.all([flush(process.stdout), flush(process.stderr)]);
  process.exit(process.exitCode ?? 0);
}
