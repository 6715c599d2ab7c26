import { lazyCommand } from '../lazy-command.js';
import { type CommandDeps, defineCommand } from './command.js';

/** `mesh init`: the settings file, asked for or given as flags. */
export function initCommand({ out }: CommandDeps) {
  return defineCommand({
    command: 'init',
    describe:
      'Write the settings file (../.env): asks each setting on a terminal, else takes the flags',
    builder: (y) =>
      y
        .option('file', { type: 'string', describe: 'Write this file instead of ../.env' })
        .option('dry-run', {
          type: 'boolean',
          default: false,
          describe: 'Print the file and write nothing',
        })
        .option('force', {
          type: 'boolean',
          default: false,
          describe:
            'Change an existing file without asking (needed without a terminal; a backup is kept)',
        })
        .option('server-hostnames', {
          type: 'string',
          describe: 'MESH_SERVER_HOSTNAMES: hostnames with the server role (a,b)',
        })
        .option('wsl2-hostnames', {
          type: 'string',
          describe: 'MESH_WSL2_HOSTNAMES: hostnames of the PC as WSL2',
        })
        .option('windows-hostnames', {
          type: 'string',
          describe: 'MESH_WINDOWS_HOSTNAMES: hostnames of the PC as Windows',
        })
        .option('default-user', {
          type: 'string',
          describe: 'MESH_DEFAULT_USER: runs Syncthing, owns the shared folder, default SSH user',
        })
        .option('shared-folder-linux', {
          type: 'string',
          describe: 'MESH_SHARED_FOLDER_LINUX (default /opt/shared)',
        })
        .option('shared-folder-windows', {
          type: 'string',
          describe: 'MESH_SHARED_FOLDER_WINDOWS (default C:\\shared)',
        })
        .option('server-url', {
          type: 'string',
          describe: 'MESH_SERVER_URL: the Headscale URL to (re)join',
        })
        .option('agent-forget-after', {
          type: 'string',
          describe: 'MESH_AGENT_FORGET_AFTER: seconds (default 600)',
        })
        .option('agent-recheck-after', {
          type: 'string',
          describe: 'MESH_AGENT_RECHECK_AFTER: seconds (default 60)',
        })
        .option('magic-dns', {
          type: 'string',
          describe: 'MESH_MAGIC_DNS: on or off (default on)',
        })
        .option('tailscale-packages-url', {
          type: 'string',
          describe: "MESH_TAILSCALE_PACKAGES_URL: Tailscale's release packages (default upstream)",
        })
        .option('headscale-releases-url', {
          type: 'string',
          describe: "MESH_HEADSCALE_RELEASES_URL: Headscale's release binaries (default upstream)",
        })
        .option('syncthing-releases-url', {
          type: 'string',
          describe: "MESH_SYNCTHING_RELEASES_URL: Syncthing's release archives (default upstream)",
        })
        .group(
          [
            'server-hostnames',
            'wsl2-hostnames',
            'windows-hostnames',
            'default-user',
            'shared-folder-linux',
            'shared-folder-windows',
            'server-url',
            'agent-forget-after',
            'agent-recheck-after',
            'magic-dns',
            'tailscale-packages-url',
            'headscale-releases-url',
            'syncthing-releases-url',
          ],
          "Settings (one not given keeps the file's value; '' leaves it unset):",
        )
        .example('$0 init', 'On a terminal: one question per setting, Enter keeps the value shown')
        .example(
          '$0 init --server-hostnames server --wsl2-hostnames pc --force',
          'In a script: only the flags count; --force replaces an existing ../.env',
        )
        .example('$0 init --dry-run', 'Print the file it would write'),
    handler: lazyCommand(out, () => import('../commands/init.js'), 'init'),
  });
}
