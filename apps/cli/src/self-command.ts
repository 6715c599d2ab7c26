import { existsSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * True in the single-file binary, where `argv[1]` is the binary as it was typed rather than a
 * script. (`node:sea` would say so too, but bundlers drop its `node:` prefix, without which it
 * does not load.)
 */
export function standaloneBinary(argv: readonly string[] = process.argv): boolean {
  const script = argv[1];
  return script === undefined || !/\.[cm]?js$/.test(script);
}

/**
 * The command that runs this very `mesh` again, for the agent's service: Node and this bundle
 * by absolute path, or the single-file binary alone.
 */
export function selfCommand(
  argv: readonly string[] = process.argv,
  standalone: boolean = standaloneBinary(argv),
): string[] {
  const script = argv[1];
  return standalone || script === undefined
    ? [process.execPath]
    : [process.execPath, realpathSync(script)];
}

/**
 * V8 told to favour memory over speed for the agent, which waits on the network nearly all the
 * time: no optimising compilers (their code and working memory outweigh what they speed up
 * here), WebAssembly (undici's HTTP parser) in its baseline tier only, a small young generation,
 * no helper threads for V8's background work (each costs memory of its own), and `gc()` for
 * the agent's own collection between bursts of work (see agent-main.ts).
 * Measured in the lab on the agent-only bundle: about 105 MiB resident without them, 65 with them.
 */
export const AGENT_NODE_FLAGS = [
  '--optimize-for-size',
  '--max-semi-space-size=1',
  '--no-opt',
  '--no-sparkplug',
  '--liftoff-only',
  '--single-threaded',
  '--expose-gc',
] as const;

/**
 * The command the agent's service runs. From a bundle: Node with {@link AGENT_NODE_FLAGS} and
 * `mesh-agent.js`, built beside this bundle's own files (the agent alone, not the whole CLI),
 * when it is there; otherwise `mesh agent run`.
 */
export function agentCommand(
  argv: readonly string[] = process.argv,
  o: { standalone?: boolean; exists?: (file: string) => boolean; agentBundle?: string } = {},
): string[] {
  const [node, script] = selfCommand(argv, o.standalone ?? standaloneBinary(argv));
  const exists = o.exists ?? existsSync;
  const agentBundle = o.agentBundle ?? fileURLToPath(new URL('./mesh-agent.js', import.meta.url));
  if (script === undefined) return [node as string, 'agent', 'run'];
  return exists(agentBundle)
    ? [node as string, ...AGENT_NODE_FLAGS, agentBundle]
    : [node as string, ...AGENT_NODE_FLAGS, script, 'agent', 'run'];
}
