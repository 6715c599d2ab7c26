import { lazyCommand } from '../lazy-command.js';
import { type CommandDeps, defineCommand } from './command.js';
import { keyOptions } from './options.js';

/** `mesh client ...`: this machine in the mesh. */
export function clientCommand({ out, enter }: CommandDeps) {
  const load = () => import('../commands/client.js');
  return defineCommand({
    command: 'client',
    describe: 'Join this machine to the mesh',
    builder: (y) => {
      enter('client');
      return y
        .command(
          'setup',
          'Save the server URL, install what is missing, join, configure Syncthing and pair',
          (c) =>
            keyOptions(c)
              .option('server', {
                alias: 's',
                type: 'string',
                describe:
                  'Headscale URL, e.g. http://10.0.0.1:8080 (default: the one saved by an earlier setup)',
              })
              // No default: yargs counts a default `false` as given and trips `conflicts`.
              .option('discover', {
                type: 'boolean',
                conflicts: 'server',
                describe:
                  'Find the server announcing itself on this LAN (mDNS, 5 s; mesh server setup --advertise)',
              })
              .option('peer', {
                type: 'boolean',
                default: true,
                describe: 'Run mesh peer at the end',
              })
              .option('from-server', {
                type: 'boolean',
                describe:
                  'Install Tailscale and Syncthing from the packages the server keeps (http://<server host>:8091/, checksums verified) instead of MESH_TAILSCALE_PACKAGES_URL and MESH_SYNCTHING_RELEASES_URL: for machines without internet access',
              })
              .example('$0 client setup --discover --key-file key.txt', 'A server on the same LAN')
              .example(
                '$0 client setup --server http://10.0.0.1:8080 --key-file key.txt',
                'Key from a file',
              )
              .example(
                'ssh server \'cat "$(mesh server keygen --json | jq -r .keyFile)"\' | $0 client setup --server http://10.0.0.1:8080',
                'Key on stdin',
              )
              .example(
                'MESH_AUTH_KEY=... $0 client setup --server http://10.0.0.1:8080',
                'Key from the environment',
              )
              .example(
                '$0 client setup --server http://10.0.0.1:8080 --from-server --key-file key.txt',
                'Tailscale from the server, not the internet',
              )
              .example('$0 client setup', 'Again on a joined machine: repairs, no key needed'),
          lazyCommand(out, load, 'clientSetup'),
        )
        .command(
          'join',
          "Join (again) with the saved server URL; without a key, bring a joined node and Mesh's daemons back",
          (c) =>
            keyOptions(c)
              .option('print-command', {
                type: 'boolean',
                describe:
                  'Print the equivalent `tailscale up` command (every flag it needs) and change nothing',
              })
              .example('$0 client join', 'Start what is stopped (tailscaled, Syncthing, the agent)')
              .example(
                '$0 client join --key-file key.txt',
                'Rejoin after a key expired or the node was removed',
              )
              .example(
                '$0 client join --print-command',
                'The tailscale up command that does the same',
              ),
          lazyCommand(out, load, 'clientJoin'),
        )
        .command(
          'leave',
          'Log out of the tailnet and stop Mesh on this machine (the shared folder and its files stay)',
          (c) => c,
          lazyCommand(out, load, 'clientLeave'),
        )
        .demandCommand(1, 'Name a client command: setup, join, leave');
    },
  });
}
