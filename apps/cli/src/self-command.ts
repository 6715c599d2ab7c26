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

/**
 * The command the agent's service runs: `mesh agent run`, with V8 told to favour memory over
 * peak speed (the agent waits on the network nearly all the time; measured in the lab bench).
 */
export function agentCommand(argv: readonly string[] = process.argv): string[] {
  const [node, ...rest] = selfCommand(argv);
  const flags = rest.length > 0 ? ['--optimize-for-size', '--max-semi-space-size=1'] : [];
  return [node as string, ...flags, ...rest, 'agent', 'run'];
}
