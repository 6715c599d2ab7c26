import yargs, { type Argv } from 'yargs';
import { usageError } from './boundary.js';
import { agentCommand } from './cli/agent.js';
import { clientCommand } from './cli/client.js';
import type { CommandDeps } from './cli/command.js';
import { completionCommand } from './cli/completion.js';
import { conflictsCommand } from './cli/conflicts.js';
import { hostCommand } from './cli/host.js';
import { initCommand } from './cli/init.js';
import { doctorCommand, hardenCommand, portsCommand, statusCommand } from './cli/machine.js';
import { peerCommand } from './cli/peer.js';
import { remoteCommand } from './cli/remote.js';
import { serverCommand } from './cli/server.js';
import { sshCommand } from './cli/ssh.js';
import { windowsCommand } from './cli/windows.js';
import { wslCommand } from './cli/wsl.js';
import type { Output } from './output/output.js';
import { describeUsageFailure } from './usage.js';
import { VERSION } from './version.js';

export type { GlobalArgs } from './cli/command.js';

/**
 * Declares the command tree: the global options, and each command from `cli/` with its options
 * and the function in `commands/` that runs it with them (see `lazyCommand`). Those are
 * imported lazily so `--help` and completion stay fast; they only parse and print — the work is
 * in `@mesh/core`.
 */
export function buildCli(argv: readonly string[], out: Output): Argv {
  // yargs reports a failure with a message only; which group it was in comes from here.
  const groups: string[] = [];
  const deps: CommandDeps = { out, enter: (group) => groups.push(group) };
  // English whatever the locale: describeUsageFailure reads yargs' messages (help is English too).
  const cli = yargs([...argv]).locale('en');
  return (
    cli
      .scriptName('mesh')
      .usage(
        '$0 <command> [options]\n\nMesh network setup tools (Headscale + Tailscale + Syncthing): a self-hosted private network with a shared folder.',
      )
      .version(VERSION)
      .option('json', {
        type: 'boolean',
        default: false,
        global: true,
        describe: 'Print one machine-readable JSON document (never contains secrets)',
      })
      .option('debug', {
        type: 'boolean',
        default: false,
        global: true,
        describe: 'Show stack traces on errors',
      })
      // The order of `mesh --help`.
      .command(initCommand(deps))
      .command(serverCommand(deps))
      .command(clientCommand(deps))
      .command(windowsCommand(deps))
      .command(peerCommand(deps))
      .command(agentCommand(deps))
      .command(hostCommand(deps))
      .command(remoteCommand(deps))
      .command(sshCommand(deps))
      .command(wslCommand(deps))
      .command(doctorCommand(deps))
      .command(hardenCommand(deps))
      .command(statusCommand(deps))
      .command(conflictsCommand(deps))
      .command(portsCommand(deps))
      .command(completionCommand(cli))
      .example(
        '$0 server setup',
        'On the server: install and start Headscale, Tailscale, Syncthing',
      )
      .example('$0 server keygen', 'On the server: create a key and print the client command')
      .example(
        '$0 client setup --server http://10.0.0.1:8080 --key-file key.txt',
        'On a client: join',
      )
      .example('$0 peer', 'On every machine: pair the shared folder with the other members')
      .example('$0 status', 'Anywhere: health check')
      .epilogue(
        'Exit codes: 0 ok, 1 failure, 2 usage, 3 unhealthy, 4 bad input/config, 5 server unreachable, 6 key rejected, 7 local service down.\n' +
          'Settings: the environment, then ./.env, then ../.env, then ~/.config/mesh/.env, first found per variable (MESH_ENV_FILE names one file instead); see Environment in the README, and mesh status --verbose for where each came from.',
      )
      .demandCommand(1, 'Name a command; see mesh --help')
      .recommendCommands()
      .strict()
      .help()
      .alias('h', 'help')
      .alias('V', 'version')
      .wrap(Math.min(100, process.stdout.columns ?? 100))
      .fail((message, error) => {
        if (error) throw error;
        const positionals = cli.parsed ? cli.parsed.argv._.map(String) : [];
        const failure = describeUsageFailure(message ?? 'invalid command line', {
          positionals,
          groups,
        });
        throw usageError(failure.message, failure.hint);
      })
  );
}
