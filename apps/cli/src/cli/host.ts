import { lazyCommand } from '../lazy-command.js';
import { type CommandDeps, defineCommand } from './command.js';
import { requiredString } from './options.js';

/** `mesh host ...`: the registry of machines reached over SSH. */
export function hostCommand({ out, enter }: CommandDeps) {
  const load = () => import('../commands/host.js');
  return defineCommand({
    command: 'host',
    describe: 'The machines this one manages over SSH (a registry and ~/.ssh/config)',
    builder: (y) => {
      enter('host');
      return y
        .command(
          'add <name>',
          'Register a machine, and write its `ssh NAME` block in ~/.ssh/config',
          (c) =>
            c
              .positional('name', {
                type: 'string',
                demandOption: true,
                describe: 'Its name (as in the tailnet)',
              })
              .option('ip', {
                type: 'string',
                describe: 'Its address (default: the tailnet IPv4 of the member of that name)',
              })
              .option('port', {
                type: 'number',
                describe: 'Its SSH port (default: 2222 for a name in MESH_WSL2_HOSTNAMES, else 22)',
              })
              .option('user', {
                type: 'string',
                describe: 'The SSH user (default: MESH_DEFAULT_USER)',
              })
              .option('ssh', {
                type: 'boolean',
                default: true,
                describe: 'Write the ~/.ssh/config block (--no-ssh: the registry only)',
              })
              .example('$0 host add wsl', 'The tailnet member wsl, its address from the tailnet')
              .example(
                '$0 host add nas --ip 192.168.1.5 --user admin',
                'A machine outside the mesh',
              ),
          lazyCommand(out, load, 'hostAdd'),
        )
        .command(
          'remove <name>',
          'Forget a machine and its ssh block (its mesh node stays)',
          (c) =>
            c.positional('name', requiredString).option('keep-ssh', {
              type: 'boolean',
              default: false,
              describe: 'Keep its ~/.ssh/config block',
            }),
          lazyCommand(out, load, 'hostRemove'),
        )
        .command(
          'list',
          'The registered machines: NAME, IP, PORT, USER, STATUS (MESH, SSH or registered)',
          (c) => c,
          lazyCommand(out, load, 'hostList'),
        )
        .command(
          'status <name>',
          'One machine: its entry, its ssh block, whether SSH logs in (exit 3 if not), its tailnet IP',
          (c) => c.positional('name', requiredString),
          lazyCommand(out, load, 'hostShow'),
        )
        .demandCommand(1, 'Name a host command: add, remove, list, status');
    },
  });
}
