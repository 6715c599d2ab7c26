import yargs, { type Argv } from 'yargs';
import { usageError } from './boundary.js';
import { COMPLETION_SHELLS, completionShell, powershellCompletionScript } from './completion.js';
import { lazyCommand } from './lazy-command.js';
import type { Output } from './output/output.js';
import { describeUsageFailure } from './usage.js';
import { VERSION } from './version.js';

/** Options every command receives. */
export interface GlobalArgs {
  json: boolean;
  debug: boolean;
}

/** Records a command group yargs entered (its builder ran), for usage errors. */
type Enter = (group: string) => void;

/**
 * Declares the command tree: each command's options, and the function in `commands/` that runs
 * it with them (see {@link lazyCommand}). Those are imported lazily so `--help` and completion
 * stay fast; they only parse and print — the work is in `@mesh/core`.
 */
export function buildCli(argv: readonly string[], out: Output): Argv {
  // yargs reports a failure with a message only; which group it was in comes from here.
  const groups: string[] = [];
  const enter: Enter = (group) => groups.push(group);
  // English whatever the locale: describeUsageFailure reads yargs' messages (help is English too).
  const cli = yargs([...argv]).locale('en');
  return cli
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
    .command(
      'init',
      'Write the settings file (../.env): asks each setting on a terminal, else takes the flags',
      (y) =>
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
            ],
            "Settings (one not given keeps the file's value; '' leaves it unset):",
          )
          .example(
            '$0 init',
            'On a terminal: one question per setting, Enter keeps the value shown',
          )
          .example(
            '$0 init --server-hostnames server --wsl2-hostnames pc --force',
            'In a script: only the flags count; --force replaces an existing ../.env',
          )
          .example('$0 init --dry-run', 'Print the file it would write'),
      lazyCommand(out, () => import('./commands/init.js'), 'init'),
    )
    .command('server', 'Run the Headscale coordination server (on the server only)', (y) => {
      enter('server');
      return serverCommands(y, out, enter);
    })
    .command('client', 'Join this machine to the mesh', (y) => {
      enter('client');
      return clientCommands(y, out);
    })
    .command(
      'windows',
      'The Windows side of this mesh (Syncthing, firewall, logon tasks, Tailscale)',
      (y) => {
        enter('windows');
        return windowsCommands(y, out);
      },
    )
    .command(
      'peer',
      'Pair Syncthing with every mesh member whose agent vouches for it (or trust one device by ID)',
      (y) =>
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
            describe:
              'Manual mode: trust the device without a prompt (no mesh node vouches for it)',
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
      lazyCommand(out, () => import('./commands/peer.js'), 'peer'),
    )
    .command('agent', 'The mesh agent (setup installs and starts it as a service)', (y) => {
      enter('agent');
      return y
        .command(
          'run',
          'Run the agent in the foreground (what the mesh-agent service runs)',
          (c) =>
            c.example('$0 agent run', 'Vouch for this node, pair, rescan changes, until stopped'),
          lazyCommand(out, () => import('./commands/agent.js'), 'agent'),
        )
        .command(
          'status',
          'Whether the agent runs, and what it last saw (exit 3 when it is not running)',
          (c) => c.example('$0 agent status --json', 'Its published state, for scripts'),
          lazyCommand(out, () => import('./commands/agent.js'), 'agentStatusCommand'),
        )
        .command(
          'logs',
          "The agent's recent log lines (journald under systemd, else its log file)",
          (c) =>
            c
              .option('lines', {
                alias: 'n',
                type: 'number',
                default: 50,
                describe: 'How many lines',
              })
              .example('$0 agent logs -n 200', 'The last 200 lines'),
          lazyCommand(out, () => import('./commands/agent.js'), 'agentLogsCommand'),
        )
        .demandCommand(1, 'Name an agent command: run, status, logs');
    })
    .command(
      'host',
      'The machines this one manages over SSH (a registry and ~/.ssh/config)',
      (y) => {
        enter('host');
        return hostCommands(y, out);
      },
    )
    .command(
      'remote',
      'Provision and check registered machines over SSH (from the server)',
      (y) => {
        enter('remote');
        return remoteCommands(y, out);
      },
    )
    .command(
      'ssh',
      'SSH into this machine: authorized keys, and whether sshd lets anyone in',
      (y) => {
        enter('ssh');
        return sshCommands(y, out);
      },
    )
    .command('wsl', 'The WSL2 side of this machine: sshd on 2222 and the Windows keys', (y) => {
      enter('wsl');
      return wslCommands(y, out);
    })
    .command(
      'doctor',
      'Run every check with its evidence; --fix applies the safe repairs and checks again',
      (y) =>
        y
          .option('fix', {
            type: 'boolean',
            default: false,
            describe: 'Start, restart, resume and pair what is broken (never deletes anything)',
          })
          .example('$0 doctor', 'What is wrong, and why')
          .example('$0 doctor --fix', 'Repair what is safe to repair, then say what is left'),
      lazyCommand(out, () => import('./commands/doctor.js'), 'doctorCommand'),
    )
    .command(
      'harden <role>',
      'Harden this machine: the ACL policy and Headscale settings (server), no log upload and a loopback-only Syncthing GUI (client)',
      (y) =>
        y
          .positional('role', {
            choices: ['server', 'client'] as const,
            demandOption: true,
            describe:
              'server: Headscale (on the server only); client: tailscaled and Syncthing (any machine)',
          })
          .option('dry-run', {
            type: 'boolean',
            default: false,
            describe: 'Print what would change and change nothing',
          })
          .option('tags', {
            type: 'string',
            describe:
              'server: more ACL tags whose nodes belong to the mesh (tag:ci,tag:lab); tags in use are kept',
          })
          .example('$0 harden server --dry-run', 'What hardening would change on the server')
          .example('$0 harden server --tags ci', 'Also let in nodes joined with keygen --tags ci')
          .example('$0 harden client', 'No log upload to Tailscale, Syncthing GUI on loopback'),
      lazyCommand(out, () => import('./commands/harden.js'), 'harden'),
    )
    .command(
      'status',
      'Check the health of this machine (exit 0 only when healthy)',
      (y) =>
        y
          .option('verbose', {
            alias: 'v',
            type: 'boolean',
            default: false,
            describe: 'Show peers and details',
          })
          .example('$0 status', 'Quick health check')
          .example('$0 status --json | jq .healthy', 'Health as JSON for scripts'),
      lazyCommand(out, () => import('./commands/status.js'), 'status'),
    )
    .command(
      'conflicts',
      'List Syncthing conflict copies in the shared folder (who made them, when, sizes), or resolve them',
      (y) => {
        enter('conflicts');
        return conflictsCommands(y, out);
      },
      lazyCommand(out, () => import('./commands/conflicts.js'), 'conflicts'),
    )
    .command(
      'ports [role]',
      'Show the ports of this machine, or of a role',
      (y) =>
        y
          .positional('role', {
            choices: ['server', 'wsl2', 'windows'] as const,
            describe: "The role whose ports to show (default: this machine's role)",
          })
          .example('$0 ports', "This machine's ports, by its detected role")
          .example('$0 ports wsl2', 'Show which ports a WSL2 machine uses'),
      lazyCommand(out, () => import('./commands/ports.js'), 'ports'),
    )
    .command(
      'completion [shell]',
      'Print a shell completion script (bash/zsh, PowerShell): mesh completion >> ~/.bashrc',
      (y) =>
        y
          .positional('shell', {
            choices: COMPLETION_SHELLS,
            describe:
              'The PowerShell script (the default on Windows); else bash or zsh, as SHELL says',
          })
          .example('$0 completion >> ~/.bashrc', 'Complete mesh commands in bash')
          .example('$0 completion >> ~/.zshrc', 'The same in zsh (SHELL decides the script)')
          .example('$0 completion powershell >> $PROFILE', 'The same in PowerShell'),
      (a) => {
        if (completionShell(a.shell) === 'powershell') {
          process.stdout.write(powershellCompletionScript());
          return;
        }
        // Not yargs' .completion(): it prints the script before it looks at --help. The
        // script's `--get-yargs-completions` calls are answered without it.
        cli.showCompletionScript();
      },
    )
    .example('$0 server setup', 'On the server: install and start Headscale, Tailscale, Syncthing')
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
    });
}

function serverCommands(y: Argv<GlobalArgs>, out: Output, enter: Enter): Argv {
  return y
    .command(
      'setup',
      'Install, configure and start Headscale, join this machine and set up its Syncthing',
      (c) =>
        c
          .option('postgres', {
            type: 'string',
            describe: 'Use PostgreSQL (postgres://user:pass@host:port/db) instead of SQLite',
          })
          .option('listen', {
            type: 'string',
            describe: "Headscale listen address IP:PORT (default: this host's address:8080)",
          })
          .option('server-url', {
            type: 'string',
            describe:
              'URL clients use (default: MESH_SERVER_URL, HEADSCALE_SERVER, the saved URL, else http://<listen>)',
          })
          .option('advertise', {
            type: 'boolean',
            describe:
              'Announce the server on the LAN over mDNS (_mesh-headscale._tcp), so clients can use --discover; --no-advertise stops it (remembered)',
          })
          .example(
            '$0 server setup',
            "Embedded SQLite, listening on this host's address, port 8080",
          )
          .example(
            '$0 server setup --postgres postgres://hs@127.0.0.1:5432/headscale',
            'Use PostgreSQL',
          ),
      lazyCommand(out, () => import('./commands/server.js'), 'serverSetup'),
    )
    .command(
      'keygen',
      'Create a pre-auth key and print the client command',
      (c) =>
        c
          .option('reusable', {
            type: 'boolean',
            default: true,
            describe: 'The key can join many machines',
          })
          .option('ephemeral', {
            type: 'boolean',
            default: false,
            describe: 'Nodes are removed when they go offline',
          })
          .option('expiration', {
            type: 'string',
            default: '24h',
            describe: 'Key lifetime (e.g. 30m, 24h, 7d)',
          })
          .option('tags', { type: 'string', describe: 'Comma-separated ACL tags (tag:ci,tag:lab)' })
          .option('save', {
            type: 'string',
            describe: 'Also write the key to this file (mode 0600); --json always saves it',
          })
          .example('$0 server keygen', 'Reusable key, valid 24h')
          .example('$0 server keygen --no-reusable --expiration 1h', 'Single-use key, valid 1h')
          .example(
            '$0 server keygen --json | jq -r .keyFile',
            'Path of the 0600 key file, for scripts',
          ),
      lazyCommand(out, () => import('./commands/server.js'), 'serverKeygen'),
    )
    .command(
      'status',
      'Headscale service, URL, nodes online/offline and keys',
      (c) => c.example('$0 server status', 'Show the server state'),
      lazyCommand(out, () => import('./commands/server.js'), 'serverStatus'),
    )
    .command('nodes', 'List, rename, expire or remove nodes', (n) => {
      enter('nodes');
      return n
        .command(
          'list',
          'List nodes',
          (c) => c.example('$0 server nodes list --json', 'Nodes as JSON'),
          lazyCommand(out, () => import('./commands/nodes.js'), 'nodesList'),
        )
        .command(
          'rename <node> <name>',
          'Rename a node (ID or current name)',
          (c) =>
            c
              .positional('node', { type: 'string', demandOption: true })
              .positional('name', { type: 'string', demandOption: true })
              .example('$0 server nodes rename 3 laptop', 'Give node 3 the name laptop'),
          lazyCommand(out, () => import('./commands/nodes.js'), 'nodesRename'),
        )
        .command(
          'expire <node>',
          "Expire a node's key (it must log in again)",
          (c) => c.positional('node', { type: 'string', demandOption: true }),
          lazyCommand(out, () => import('./commands/nodes.js'), 'nodesExpire'),
        )
        .command(
          'remove <node>',
          'Remove a node from the mesh (asks first on a terminal)',
          (c) =>
            c
              .positional('node', { type: 'string', demandOption: true })
              .option('yes', {
                alias: 'y',
                type: 'boolean',
                describe: 'Remove without asking (needed without a terminal)',
              })
              .example('$0 server nodes remove old-laptop --yes', 'In a script'),
          lazyCommand(out, () => import('./commands/nodes.js'), 'nodesRemove'),
        )
        .demandCommand(1, 'Name a nodes command: list, rename, expire, remove');
    })
    .demandCommand(1, 'Name a server command: setup, keygen, status, nodes');
}

function conflictsCommands(y: Argv<GlobalArgs>, out: Output): Argv<GlobalArgs> {
  return y
    .command(
      'resolve [path]',
      'Keep one version of a conflict (or both); the other moves to .mesh-resolved, never deleted',
      (c) =>
        c
          .positional('path', {
            type: 'string',
            describe: 'A conflict copy or its original, relative to the shared folder or absolute',
          })
          .option('keep', {
            // Spelled out rather than imported: @mesh/core loads only when a command runs.
            choices: ['mine', 'theirs', 'newest', 'both'] as const,
            demandOption: true,
            describe:
              "mine: the original as it is; theirs: the copy's content; newest: the later mtime; both: the copy renamed to a plain name",
          })
          .option('all', {
            type: 'boolean',
            describe: 'Every conflict copy in the shared folder (instead of PATH)',
          })
          .option('dry-run', {
            type: 'boolean',
            default: false,
            describe: 'Print what would happen and change nothing',
          })
          .check((a) => {
            // A MeshError, since .fail rethrows any error a check gives it.
            const help = 'see mesh conflicts resolve --help';
            if (a.all === true && a.path !== undefined) {
              throw usageError('Give PATH or --all, not both', help);
            }
            if (a.all !== true && a.path === undefined) {
              throw usageError('Name a PATH, or give --all', help);
            }
            return true;
          })
          .example(
            '$0 conflicts resolve notes.txt --keep theirs',
            "Take the other device's version",
          )
          .example('$0 conflicts resolve --all --keep newest --dry-run', 'See what newest would do')
          .example(
            '$0 conflicts resolve notes.sync-conflict-20240102-030405-ABCDEFG.txt --keep both',
            'Keep both, the copy renamed "notes (conflict DEVICE 2024-01-02 03-04-05).txt"',
          ),
      lazyCommand(out, () => import('./commands/conflicts.js'), 'conflictsResolve'),
    )
    .example('$0 conflicts', 'Show *.sync-conflict-* files: original, device, time, sizes')
    .example(
      '$0 conflicts --json',
      '{ conflicts: [{ copy, original, madeOn, winner, madeAt, ... }] }',
    );
}

function windowsCommands(y: Argv<GlobalArgs>, out: Output): Argv {
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
          .example('$0 windows script --out setup-mesh.ps1', 'Write it, review it, run it elevated')
          .example(
            'powershell -ExecutionPolicy Bypass -File setup-mesh.ps1 -AuthKey KEY',
            'On Windows, elevated: the key is a parameter, never in the file',
          )
          .example('$0 windows script --elevate', 'From WSL2: run it now (UAC prompt)')
          .example(
            "$0 windows script --agent 'C:\\Tools\\mesh.exe' --out setup-mesh.ps1",
            'Also run the mesh agent on Windows, started at logon',
          ),
      lazyCommand(out, () => import('./commands/windows.js'), 'windowsScript'),
    )
    .demandCommand(1, 'Name a windows command: script');
}

function clientCommands(y: Argv<GlobalArgs>, out: Output): Argv {
  const keyOptions = <T>(c: Argv<T>) =>
    c
      .option('key-file', { type: 'string', describe: 'Read the pre-auth key from this file' })
      .option('key', {
        alias: 'k',
        type: 'string',
        describe:
          'The pre-auth key (visible to other users in the process list: prefer --key-file, stdin or MESH_AUTH_KEY)',
      })
      .conflicts('key', 'key-file');
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
          .option('peer', { type: 'boolean', default: true, describe: 'Run mesh peer at the end' })
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
          .example('$0 client setup', 'Again on a joined machine: repairs, no key needed'),
      lazyCommand(out, () => import('./commands/client.js'), 'clientSetup'),
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
          .example('$0 client join --print-command', 'The tailscale up command that does the same'),
      lazyCommand(out, () => import('./commands/client.js'), 'clientJoin'),
    )
    .command(
      'leave',
      'Log out of the tailnet and stop Mesh on this machine (the shared folder and its files stay)',
      (c) => c,
      lazyCommand(out, () => import('./commands/client.js'), 'clientLeave'),
    )
    .demandCommand(1, 'Name a client command: setup, join, leave');
}

function hostCommands(y: Argv<GlobalArgs>, out: Output): Argv<GlobalArgs> {
  const load = () => import('./commands/host.js');
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
          .option('user', { type: 'string', describe: 'The SSH user (default: MESH_DEFAULT_USER)' })
          .option('ssh', {
            type: 'boolean',
            default: true,
            describe: 'Write the ~/.ssh/config block (--no-ssh: the registry only)',
          })
          .example('$0 host add wsl', 'The tailnet member wsl, its address from the tailnet')
          .example('$0 host add nas --ip 192.168.1.5 --user admin', 'A machine outside the mesh'),
      lazyCommand(out, load, 'hostAdd'),
    )
    .command(
      'remove <name>',
      'Forget a machine and its ssh block (its mesh node stays)',
      (c) =>
        c.positional('name', { type: 'string', demandOption: true }).option('keep-ssh', {
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
      (c) => c.positional('name', { type: 'string', demandOption: true }),
      lazyCommand(out, load, 'hostShow'),
    )
    .demandCommand(1, 'Name a host command: add, remove, list, status');
}

function remoteCommands(y: Argv<GlobalArgs>, out: Output): Argv<GlobalArgs> {
  const load = () => import('./commands/remote.js');
  const binary = {
    type: 'string',
    describe:
      'The single-file mesh to copy to a machine that has none (default: this mesh, when it is one)',
  } as const;
  return y
    .command(
      'provision <host>',
      'Take a registered machine into the mesh over SSH: mesh put there, a one-use key on stdin, client setup run there',
      (c) =>
        c
          .positional('host', { type: 'string', demandOption: true })
          .option('force', {
            type: 'boolean',
            default: false,
            describe: 'Provision it even when a node of its name is in the mesh',
          })
          .option('binary', binary)
          .example('$0 remote provision wsl', 'After mesh host add wsl --ip IP'),
      lazyCommand(out, load, 'remoteProvision'),
    )
    .command(
      'provision-all',
      'Provision every registered machine; one failure does not stop the rest',
      (c) =>
        c
          .option('force', { type: 'boolean', default: false, describe: 'Provision members too' })
          .option('binary', binary),
      lazyCommand(out, load, 'remoteProvisionAll'),
    )
    .command(
      'status <host>',
      "A machine's own mesh status, over SSH (exit 3 unless healthy)",
      (c) => c.positional('host', { type: 'string', demandOption: true }),
      lazyCommand(out, load, 'remoteStatusCommand'),
    )
    .command(
      'prepare <host>',
      'Once, with the sudo password typed there: let provisioning run mesh as root (sudoers, checked by visudo)',
      (c) => c.positional('host', { type: 'string', demandOption: true }),
      lazyCommand(out, load, 'remotePrepare'),
    )
    .demandCommand(1, 'Name a remote command: provision, provision-all, status, prepare');
}

function sshCommands(y: Argv<GlobalArgs>, out: Output): Argv<GlobalArgs> {
  const load = () => import('./commands/ssh.js');
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
}

function wslCommands(y: Argv<GlobalArgs>, out: Output): Argv<GlobalArgs> {
  const load = () => import('./commands/wsl.js');
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
          .example('sudo $0 wsl setup-ssh', 'Root edits sshd_config; the keys go to the sudo user')
          .example('sudo $0 wsl setup-ssh --no-copy-keys', 'sshd only'),
      lazyCommand(out, load, 'wslSetupSsh'),
    )
    .demandCommand(1, 'Name a wsl command: setup-ssh');
}
