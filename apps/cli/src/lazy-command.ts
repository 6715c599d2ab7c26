import type { Output } from './output/output.js';

/**
 * A command as `commands/` implements it: the parsed options (yargs' camelCase names), the core
 * call and the printing; it returns the exit code.
 */
export type CommandBody<A> = (args: A, out: Output) => Promise<number | undefined>;

/**
 * The yargs handler of the command `name` of a `commands/` module. The module is imported only
 * when the command runs, so `--help` and completion stay fast. A non-zero exit code is left in
 * `process.exitCode` for main to exit with once output is flushed; a throw goes on to main's
 * error boundary.
 */
export function lazyCommand<M extends Record<K, CommandBody<never>>, K extends keyof M>(
  out: Output,
  load: () => Promise<M>,
  name: K,
): (args: Parameters<M[K]>[0]) => Promise<void> {
  return async (args) => {
    const body = (await load())[name];
    const code = await body(args, out);
    if (code !== undefined && code !== 0) process.exitCode = code;
  };
}
