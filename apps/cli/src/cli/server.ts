import { lazyCommand } from '../lazy-command.js';
import { type CommandDeps, defineCommand } from './command.js';
import { requiredString } from './options.js';

/** `mesh server ...`: the Headscale coordination server and its nodes. */
export function serverCommand(deps: CommandDeps) {
  const { out, enter } = deps;
  const load = () => import('../commands/server.js');
  return defineCommand({
    command: 'server',
    describe: 'Run the Headscale coordination server (on the server only)',
    builder: (y) => {
      enter('server');
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
          lazyCommand(out, load, 'serverSetup'),
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
              .option('tags', {
                type: 'string',
                describe: 'Comma-separated ACL tags (tag:ci,tag:lab)',
              })
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
          lazyCommand(out, load, 'serverKeygen'),
        )
        .command(
          'status',
          'Headscale service, URL, nodes online/offline and keys',
          (c) => c.example('$0 server status', 'Show the server state'),
          lazyCommand(out, load, 'serverStatus'),
        )
        .command(nodesCommand(deps))
        .demandCommand(1, 'Name a server command: setup, keygen, status, nodes');
    },
  });
}

/** `mesh server nodes ...`: the nodes Headscale knows. */
function nodesCommand({ out, enter }: CommandDeps) {
  const load = () => import('../commands/nodes.js');
  return defineCommand({
    command: 'nodes',
    describe: 'List, rename, expire or remove nodes',
    builder: (y) => {
      enter('nodes');
      return y
        .command(
          'list',
          'List nodes',
          (c) => c.example('$0 server nodes list --json', 'Nodes as JSON'),
          lazyCommand(out, load, 'nodesList'),
        )
        .command(
          'rename <node> <name>',
          'Rename a node (ID or current name)',
          (c) =>
            c
              .positional('node', requiredString)
              .positional('name', requiredString)
              .example('$0 server nodes rename 3 laptop', 'Give node 3 the name laptop'),
          lazyCommand(out, load, 'nodesRename'),
        )
        .command(
          'expire <node>',
          "Expire a node's key (it must log in again)",
          (c) => c.positional('node', requiredString),
          lazyCommand(out, load, 'nodesExpire'),
        )
        .command(
          'remove <node>',
          'Remove a node from the mesh (asks first on a terminal)',
          (c) =>
            c
              .positional('node', requiredString)
              .option('yes', {
                alias: 'y',
                type: 'boolean',
                describe: 'Remove without asking (needed without a terminal)',
              })
              .example('$0 server nodes remove old-laptop --yes', 'In a script'),
          lazyCommand(out, load, 'nodesRemove'),
        )
        .demandCommand(1, 'Name a nodes command: list, rename, expire, remove');
    },
  });
}
