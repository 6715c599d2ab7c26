import { realpathSync } from 'node:fs';

/**
 * The command that runs this very `mesh` again, for the agent's service: Node and this bundle
 * by absolute path, or the single-file binary alone (there `argv[1]` is the first argument).
 */
export function selfCommand(argv: readonly string[] = process.argv): string[] {
  const script = argv[1];
  const standalone = script === undefined || !/\.[cm]?js$/.test(script);
  return standalone ? [process.execPath] : [process.execPath, realpathSync(script)];
}
