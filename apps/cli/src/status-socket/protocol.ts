import { homedir } from 'node:os';
import path from 'node:path';

/**
 * `mesh status` asked of the running agent, whose code is loaded and warm, instead of loading
 * the whole CLI for one report: the same checks, run live, with the caller's environment and
 * working directory. This file is what both ends share; it imports nothing heavy, because the
 * asking end runs before the CLI loads.
 *
 * The request is one JSON line; the answer is JSON lines: `{"ack"}` at once, then `{"out"}`/
 * `{"err"}` chunks as they are printed and one `{"exit"}` at the end; or a lone `{"fallback"}`
 * when the caller must run the command itself.
 */
export interface StatusRequest {
  argv: string[];
  env: Record<string, string>;
  cwd: string;
  uid: number | null;
  tty: { stdout: boolean; stderr: boolean };
}

export type StatusFrame =
  | { ack: true }
  | { out: string }
  | { err: string }
  | { exit: number }
  | { fallback: string };

/** The agent's socket: beside its state file, in the state directory of whoever runs it. */
export function statusSocketPath(
  env: NodeJS.ProcessEnv,
  platform: NodeJS.Platform = process.platform,
): string | undefined {
  if (env['MESH_STATUS_LOCAL'] === '1') return undefined;
  // Windows has named pipes rather than sockets in a directory; there the CLI runs itself.
  if (platform === 'win32') return undefined;
  // The same directory the CLI resolves as its state directory (core's resolveMeshPaths).
  const state =
    nonEmpty(env['XDG_STATE_HOME']) ??
    path.join(nonEmpty(env['HOME']) ?? homedir(), '.local', 'state');
  return path.join(state, 'mesh', 'agent.sock');
}

/**
 * The invocations the agent answers: `status` with `--json` and `--verbose`/`-v` at most.
 * Anything else (`--help`, `--debug`, a typo) runs in the CLI, which knows how to explain it.
 */
export function answeredByAgent(argv: readonly string[]): boolean {
  if (argv[0] !== 'status') return false;
  return argv.slice(1).every((a) => a === '--json' || a === '--verbose' || a === '-v');
}

function nonEmpty(v: string | undefined): string | undefined {
  return v === undefined || v === '' ? undefined : v;
}
