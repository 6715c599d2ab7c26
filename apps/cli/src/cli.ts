import yargs, { type Argv } from 'yargs';
import { VERSION } from './version.js';

/** Declares the command tree. Handlers are loaded lazily so `--help` stays fast. */
export function buildCli(argv: readonly string[]): Argv {
  return yargs([...argv])
    .scriptName('mesh')
    .usage(
      '$0 <command> [options]\n\nA self-hosted private network (Headscale + Tailscale) with a shared Syncthing folder.',
    )
    .version(VERSION)
    .option('json', { type: 'boolean', default: false, describe: 'Print machine-readable JSON' })
    .option('debug', {
      type: 'boolean',
      default: false,
      describe: 'Show stack traces and debug logs',
    })
    .command(
      'ports [role]',
      'Show the port plan of a role',
      (y) =>
        y.positional('role', {
          choices: ['server', 'wsl2', 'windows'] as const,
          default: 'server' as const,
        }),
      async (args) => {
        const { ports } = await import('./commands/ports.js');
        await ports({ role: args.role, json: args.json });
      },
    )
    .example('$0 ports wsl2', 'Show which ports a WSL2 machine uses')
    .demandCommand(1, 'Name a command; see mesh --help')
    .strict()
    .help()
    .alias('h', 'help')
    .alias('V', 'version');
}
