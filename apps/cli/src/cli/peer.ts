import { lazyCommand } from '../lazy-command.js';
import { type CommandDeps, defineCommand } from './command.js';

/** `mesh peer`: Syncthing paired with the members the agents vouch for, or one device by hand. */
export function peerCommand({ out }: CommandDeps) {
  return defineCommand({
    command: 'peer',
    describe:
      'Pair Syncthing with every mesh member whose agent vouches for it (or trust one device by ID)',
    builder: (y) =>
      y
        .option('device-id', { type: 'string', describe: 'Manual mode: add this device ID' })
        .option('address', {
          type: 'string',
          describe: 'Manual mode: the device address, tcp://IP:PORT',
          implies: 'device-id',
        })
        .option('name', { type: 'string', describe: 'Manual mode: the device name' })
        .option('yes', {
          alias: 'y',
          type: 'boolean',
          describe: 'Manual mode: trust the device without a prompt (no mesh node vouches for it)',
          implies: 'device-id',
        })
        .option('prune', {
          type: 'boolean',
          describe: 'Remove Syncthing devices no mesh node vouches for (files are kept)',
          conflicts: ['device-id', 'watch'],
        })
        .option('watch', {
          type: 'boolean',
          describe:
            'The mesh agent in the foreground (mesh agent run), unless its service already runs here',
          conflicts: 'device-id',
        })
        .example('$0 peer', 'Pair with every online tailnet peer (run it on each machine)')
        .example('$0 peer --watch', 'On the server: let CI jobs and new machines in as they join')
        .example('$0 peer --prune', 'Drop devices paired without a vouch (e.g. by an older mesh)')
        .example(
          '$0 peer --device-id P56IOI7-... --address tcp://100.64.0.2:22001 --yes',
          'Trust one device by hand',
        ),
    handler: lazyCommand(out, () => import('../commands/peer.js'), 'peer'),
  });
}
