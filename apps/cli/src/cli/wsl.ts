import { lazyCommand } from '../lazy-command.js';
import { type CommandDeps, defineCommand } from './command.js';

/** `mesh wsl ...`: the WSL2 side of a PC. */
export function wslCommand({ out, enter }: CommandDeps) {
  return defineCommand({
    command: 'wsl',
    describe: 'The WSL2 side of this machine: sshd on 2222 and the Windows keys',
    builder: (y) => {
      enter('wsl');
      return y
        .command(
          'setup-ssh',
          "Inside WSL2: sshd on 2222 (checked with sshd -t, restarted), the Windows user's public keys copied in",
          (c) =>
            c
              .option('port', {
                alias: 'p',
                type: 'number',
                default: 2222,
                describe: 'The sshd port; only 2222, which every part of mesh uses',
              })
              .option('copy-keys', {
                type: 'boolean',
                default: true,
                describe:
                  'Copy authorized_keys and id_*.pub of C:\\Users\\<you>\\.ssh (--no-copy-keys: sshd only)',
              })
              .example(
                'sudo $0 wsl setup-ssh',
                'Root edits sshd_config; the keys go to the sudo user',
              )
              .example('sudo $0 wsl setup-ssh --no-copy-keys', 'sshd only'),
          lazyCommand(out, () => import('../commands/wsl.js'), 'wslSetupSsh'),
        )
        .demandCommand(1, 'Name a wsl command: setup-ssh');
    },
  });
}
