import { lazyCommand } from '../lazy-command.js';
import { type CommandDeps, defineCommand } from './command.js';
import { binaryOption, requiredString } from './options.js';

/** `mesh remote ...`: registered machines taken into the mesh and checked over SSH. */
export function remoteCommand({ out, enter }: CommandDeps) {
  const load = () => import('../commands/remote.js');
  return defineCommand({
    command: 'remote',
    describe: 'Provision and check registered machines over SSH (from the server)',
    builder: (y) => {
      enter('remote');
      return y
        .command(
          'provision <host>',
          'Take a registered machine into the mesh over SSH: mesh put there, a one-use key on stdin, client setup run there',
          (c) =>
            c
              .positional('host', requiredString)
              .option('force', {
                type: 'boolean',
                default: false,
                describe: 'Provision it even when a node of its name is in the mesh',
              })
              .option('binary', binaryOption)
              .example('$0 remote provision wsl', 'After mesh host add wsl --ip IP'),
          lazyCommand(out, load, 'remoteProvision'),
        )
        .command(
          'provision-all',
          'Provision every registered machine; one failure does not stop the rest',
          (c) =>
            c
              .option('force', {
                type: 'boolean',
                default: false,
                describe: 'Provision members too',
              })
              .option('binary', binaryOption),
          lazyCommand(out, load, 'remoteProvisionAll'),
        )
        .command(
          'status <host>',
          "A machine's own mesh status, over SSH (exit 3 unless healthy)",
          (c) => c.positional('host', requiredString),
          lazyCommand(out, load, 'remoteStatusCommand'),
        )
        .command(
          'prepare <host>',
          'Once, with the sudo password typed there: let provisioning run mesh as root (sudoers, checked by visudo)',
          (c) => c.positional('host', requiredString),
          lazyCommand(out, load, 'remotePrepare'),
        )
        .demandCommand(1, 'Name a remote command: provision, provision-all, status, prepare');
    },
  });
}
