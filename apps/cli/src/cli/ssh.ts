import { lazyCommand } from '../lazy-command.js';
import { type CommandDeps, defineCommand } from './command.js';

/** `mesh ssh ...`: who may log in to this machine over SSH. */
export function sshCommand({ out, enter }: CommandDeps) {
  const load = () => import('../commands/ssh.js');
  return defineCommand({
    command: 'ssh',
    describe: 'SSH into this machine: authorized keys, and whether sshd lets anyone in',
    builder: (y) => {
      enter('ssh');
      return y
        .command(
          'add-key <key..>',
          "Add one public key to this user's ~/.ssh/authorized_keys (checked first; once, whatever its comment)",
          (c) =>
            c
              .positional('key', {
                type: 'string',
                array: true,
                demandOption: true,
                describe: 'The key line (ssh-ed25519 AAAA... you@pc) or a file holding one (.pub)',
              })
              .option('comment', {
                alias: 'c',
                type: 'string',
                describe: 'Store the key with this comment instead of its own',
              })
              .example('$0 ssh add-key ~/laptop.pub', 'The public key of a .pub file')
              .example("$0 ssh add-key 'ssh-ed25519 AAAA... me@laptop' -c laptop", 'A pasted line'),
          lazyCommand(out, load, 'sshAddKey'),
        )
        .command(
          'copy-keys',
          "Copy a registered host's authorized keys into this user's (a block of their own)",
          (c) =>
            c
              .option('from', {
                alias: 'f',
                type: 'string',
                demandOption: true,
                describe: 'A registered host (mesh host list)',
              })
              // No defaults: yargs counts a default `false` as given and trips `conflicts`.
              .option('merge', {
                type: 'boolean',
                describe: 'Only add the keys this file lacks (the default)',
              })
              .option('replace', {
                type: 'boolean',
                describe:
                  'Make the keys copied from HOST exactly its keys now (a backup first); keys added by hand are never touched',
              })
              .conflicts('merge', 'replace')
              .example('$0 ssh copy-keys --from hub', 'Let in whoever hub lets in')
              .example('$0 ssh copy-keys --from hub --replace', 'Also drop keys hub no longer has'),
          lazyCommand(out, load, 'sshCopyKeys'),
        )
        .command(
          'status',
          "sshd's ports and whether it listens, password login, the keys, hosts with ssh blocks (exit 3 on a problem)",
          (c) => c.example('$0 ssh status --json', 'The same for scripts'),
          lazyCommand(out, load, 'sshStatusCommand'),
        )
        .demandCommand(1, 'Name an ssh command: add-key, copy-keys, status');
    },
  });
}
