import { lazyCommand } from '../lazy-command.js';
import { type CommandDeps, defineCommand } from './command.js';

/** `mesh windows ...`: the Windows side of a PC that runs WSL2. */
export function windowsCommand({ out, enter }: CommandDeps) {
  return defineCommand({
    command: 'windows',
    describe: 'The Windows side of this mesh (Syncthing, firewall, logon tasks, Tailscale)',
    builder: (y) => {
      enter('windows');
      return y
        .command(
          'script',
          'Print the reviewable, idempotent PowerShell script for Windows: installs, firewall, Syncthing and the shared folder (MESH_SHARED_FOLDER_WINDOWS), logon tasks, Tailscale (never holds a key)',
          (c) =>
            c
              .option('out', {
                alias: 'o',
                type: 'string',
                describe: 'Write the script to this file instead of stdout',
              })
              .option('server', {
                alias: 's',
                type: 'string',
                describe: 'Headscale URL (default: the saved one)',
              })
              .option('distro', {
                type: 'string',
                describe: 'WSL distro the Start WSL2 task starts (default: WSL_DISTRO_NAME)',
              })
              .option('agent', {
                type: 'string',
                describe:
                  'Windows path of mesh.exe or mesh.js: add the Mesh Agent task that runs `mesh agent run` at logon',
              })
              .option('node', {
                type: 'string',
                describe:
                  'node.exe for a mesh.js --agent (default: C:\\Program Files\\nodejs\\node.exe)',
              })
              // No default: yargs counts a default `false` as given and trips `conflicts`.
              .option('elevate', {
                type: 'boolean',
                conflicts: 'out',
                describe: 'From WSL2: run it now through a UAC prompt on the Windows desktop',
              })
              .example(
                '$0 windows script --out setup-mesh.ps1',
                'Write it, review it, run it elevated',
              )
              .example(
                'powershell -ExecutionPolicy Bypass -File setup-mesh.ps1 -AuthKey KEY',
                'On Windows, elevated: the key is a parameter, never in the file',
              )
              .example('$0 windows script --elevate', 'From WSL2: run it now (UAC prompt)')
              .example(
                "$0 windows script --agent 'C:\\Tools\\mesh.exe' --out setup-mesh.ps1",
                'Also run the mesh agent on Windows, started at logon',
              ),
          lazyCommand(out, () => import('../commands/windows.js'), 'windowsScript'),
        )
        .demandCommand(1, 'Name a windows command: script');
    },
  });
}
