import { ExitCode, isMeshError, MeshError, toMeshError } from '@mesh/core';
import type { Output } from './output/output.js';

/** A command-line mistake found after yargs parsed (e.g. two key sources). Exit code 2. */
export function usageError(message: string, hint = 'see mesh <command> --help'): MeshError {
  return new MeshError(message, { kind: 'usage', hint });
}

/** The exit code for anything a command threw (see README "Exit codes"). */
export function exitCodeFor(error: unknown): number {
  if (isMeshError(error)) return error.exitCode;
  return toMeshError(error).exitCode;
}

/**
 * The one place errors become output: one `ERROR:` line plus a hint on stderr, and in JSON
 * mode a `{ ok: false, error }` document on stdout. Stack traces only with --debug.
 */
export function reportError(out: Output, error: unknown, debug: boolean): number {
  const mesh = toMeshError(error);
  out.error(mesh.message, mesh.hint || undefined);
  if (out.json) out.result({ ok: false, error: mesh.toJSON() });
  if (debug) {
    let e: unknown = error;
    while (e instanceof Error) {
      process.stderr.write(`${e.stack ?? e.message}\n`);
      e = e.cause;
      if (e) process.stderr.write('Caused by: ');
    }
    if (e !== undefined && !(e instanceof Error)) process.stderr.write(`${JSON.stringify(e)}\n`);
  }
  return mesh.exitCode;
}

export { ExitCode };
