import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import type { Output } from '../output/output.js';

/** Options every command receives. */
export interface GlobalArgs {
  json: boolean;
  debug: boolean;
}

/** What a command's declaration needs from {@link buildCli}. */
export interface CommandDeps {
  /** Where its handler prints. */
  out: Output;
  /** Records a command group yargs entered (its builder ran), for usage errors. */
  enter: (group: string) => void;
}

/** A command as this folder declares it: yargs' command module, its options typed by its builder. */
export interface MeshCommand<U> {
  /** The name and positionals, as yargs reads them: `rename <node> <name>`. */
  command: string;
  /** The line `--help` shows for it. */
  describe: string;
  builder: (y: Argv<GlobalArgs>) => Argv<U>;
  /** None for a group that only holds commands. */
  handler?: (args: ArgumentsCamelCase<U>) => void | Promise<void>;
}

/**
 * A command module for `.command()`, with its handler checked against the options its builder
 * declares (yargs' own `CommandModule` takes them as a type argument instead).
 */
export function defineCommand<U>(command: MeshCommand<U>): CommandModule<GlobalArgs, U> {
  // yargs gives a command without a handler this same no-op.
  return { handler: () => {}, ...command };
}
