import { isMeshError } from '@mesh/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { buildCli } from './cli.js';
import { capturedOutput } from './output/capture.js';

// Every command body answers with exit code 3 and records what it was given.
const called = vi.hoisted(() => {
  const calls: Array<{ command: string; options: Record<string, unknown> }> = [];
  const body = (command: string) => async (options: Record<string, unknown>) => {
    calls.push({ command, options });
    return 3;
  };
  return { calls, body };
});
vi.mock('./commands/agent.js', () => ({
  agent: called.body('agent'),
  agentStatusCommand: called.body('agentStatusCommand'),
  agentLogsCommand: called.body('agentLogsCommand'),
}));
vi.mock('./commands/client.js', () => ({
  clientSetup: called.body('clientSetup'),
  clientJoin: called.body('clientJoin'),
  clientLeave: called.body('clientLeave'),
}));
vi.mock('./commands/conflicts.js', () => ({
  conflicts: called.body('conflicts'),
  conflictsResolve: called.body('conflictsResolve'),
}));
vi.mock('./commands/doctor.js', () => ({ doctorCommand: called.body('doctorCommand') }));
vi.mock('./commands/nodes.js', () => ({
  nodesList: called.body('nodesList'),
  nodesRename: called.body('nodesRename'),
  nodesExpire: called.body('nodesExpire'),
  nodesRemove: called.body('nodesRemove'),
}));
vi.mock('./commands/peer.js', () => ({ peer: called.body('peer') }));
vi.mock('./commands/ports.js', () => ({ ports: called.body('ports') }));
vi.mock('./commands/server.js', () => ({
  serverSetup: called.body('serverSetup'),
  serverKeygen: called.body('serverKeygen'),
  serverStatus: called.body('serverStatus'),
}));
vi.mock('./commands/status.js', () => ({ status: called.body('status') }));
vi.mock('./commands/windows.js', () => ({ windowsScript: called.body('windowsScript') }));

/** The usage error yargs' parse of `argv` ends in (message, hint, exit code). */
async function usageFailure(argv: string[]) {
  let error: unknown;
  try {
    // yargs throws some failures before parseAsync returns its promise: await inside the try.
    await buildCli(argv, capturedOutput().out).parseAsync();
  } catch (e) {
    error = e;
  }
  if (!isMeshError(error)) throw new Error(`expected a usage error, got ${String(error)}`);
  return { message: error.message, hint: error.hint, exitCode: error.exitCode };
}

describe('usage errors', () => {
  it('name an unknown command with the suggestion', async () => {
    expect(await usageFailure(['hots', 'list'])).toEqual({
      message: 'Unknown command: hots',
      hint: 'did you mean `mesh host`? see mesh --help',
      exitCode: 2,
    });
  });

  it('name an unknown command without a suggestion', async () => {
    expect(await usageFailure(['frobnicate'])).toMatchObject({
      message: 'Unknown command: frobnicate',
      exitCode: 2,
    });
  });

  it('name an unknown subcommand with its group', async () => {
    expect(await usageFailure(['server', 'staus'])).toEqual({
      message: 'Unknown command: server staus',
      hint: 'did you mean `mesh server status`? see mesh server --help',
      exitCode: 2,
    });
    expect(await usageFailure(['server', 'nodes', 'lst'])).toMatchObject({
      message: 'Unknown command: server nodes lst',
      hint: 'did you mean `mesh server nodes list`? see mesh server nodes --help',
    });
  });

  it('print an invalid choice in full on one line', async () => {
    expect(await usageFailure(['ports', 'unknown'])).toEqual({
      message: 'Invalid value for role: "unknown" (choose server, wsl2, windows)',
      hint: 'see mesh ports --help',
      exitCode: 2,
    });
  });

  it('conflicts resolve: PATH or --all, and a --keep among the choices', async () => {
    expect(await usageFailure(['conflicts', 'resolve', '--keep', 'newest'])).toEqual({
      message: 'Name a PATH, or give --all',
      hint: 'see mesh conflicts resolve --help',
      exitCode: 2,
    });
    expect(
      await usageFailure(['conflicts', 'resolve', 'a.txt', '--all', '--keep', 'newest']),
    ).toMatchObject({ message: 'Give PATH or --all, not both', exitCode: 2 });
    expect(await usageFailure(['conflicts', 'resolve', 'a.txt', '--keep', 'latest'])).toEqual({
      message: 'Invalid value for keep: "latest" (choose mine, theirs, newest, both)',
      hint: 'see mesh conflicts resolve --help',
      exitCode: 2,
    });
    expect(await usageFailure(['conflicts', 'reslove'])).toMatchObject({
      message: 'Unknown command: conflicts reslove',
      exitCode: 2,
    });
  });

  it('point an unknown flag at its command help', async () => {
    expect(await usageFailure(['status', '--no-such-flag'])).toEqual({
      message: 'Unknown argument: such-flag',
      hint: 'see mesh status --help',
      exitCode: 2,
    });
  });
});

describe('each command line reaches its command', () => {
  afterEach(() => {
    called.calls.length = 0;
    process.exitCode = undefined;
  });

  it.each([
    [['peer'], 'peer', { json: false }],
    [
      [
        'peer',
        '--device-id',
        'P56IOI7',
        '--address',
        'tcp://100.64.0.2:22001',
        '--name',
        'n',
        '-y',
      ],
      'peer',
      { deviceId: 'P56IOI7', address: 'tcp://100.64.0.2:22001', name: 'n', yes: true },
    ],
    [['peer', '--prune', '--json'], 'peer', { json: true, prune: true }],
    [['peer', '--watch'], 'peer', { watch: true }],
    [['agent', 'run'], 'agent', { json: false }],
    [['agent', 'status', '--json'], 'agentStatusCommand', { json: true }],
    [['agent', 'logs'], 'agentLogsCommand', { lines: 50 }],
    [['agent', 'logs', '-n', '200'], 'agentLogsCommand', { lines: 200 }],
    [['doctor'], 'doctorCommand', { fix: false }],
    [['doctor', '--fix'], 'doctorCommand', { fix: true }],
    [['status', '-v'], 'status', { json: false, verbose: true }],
    [['conflicts', '--json'], 'conflicts', { json: true }],
    [
      ['conflicts', 'resolve', 'a.txt', '--keep', 'theirs', '--dry-run'],
      'conflictsResolve',
      { path: 'a.txt', keep: 'theirs', dryRun: true },
    ],
    [['conflicts', 'resolve', '--all', '--keep', 'newest'], 'conflictsResolve', { all: true }],
    [['ports'], 'ports', { role: undefined }],
    [['ports', 'wsl2'], 'ports', { role: 'wsl2' }],
    [
      [
        'server',
        'setup',
        '--postgres',
        'postgres://hs@db/hs',
        '--listen',
        'l:1',
        '--server-url',
        'u',
      ],
      'serverSetup',
      { postgres: 'postgres://hs@db/hs', listen: 'l:1', serverUrl: 'u' },
    ],
    [
      ['server', 'keygen'],
      'serverKeygen',
      { reusable: true, ephemeral: false, expiration: '24h', tags: undefined, save: undefined },
    ],
    [
      ['server', 'keygen', '--no-reusable', '--ephemeral', '--expiration', '1h', '--tags', 't'],
      'serverKeygen',
      { reusable: false, ephemeral: true, expiration: '1h', tags: 't' },
    ],
    [['server', 'status'], 'serverStatus', { json: false }],
    [['server', 'nodes', 'list'], 'nodesList', { json: false }],
    [['server', 'nodes', 'rename', '3', 'laptop'], 'nodesRename', { node: '3', name: 'laptop' }],
    [['server', 'nodes', 'expire', '3'], 'nodesExpire', { node: '3' }],
    [['server', 'nodes', 'remove', 'old', '--yes'], 'nodesRemove', { node: 'old', yes: true }],
    [['windows', 'script'], 'windowsScript', { out: undefined, elevate: undefined }],
    [
      [
        'windows',
        'script',
        '-o',
        'f.ps1',
        '-s',
        'u',
        '--distro',
        'd',
        '--agent',
        'a',
        '--node',
        'n',
      ],
      'windowsScript',
      { out: 'f.ps1', server: 'u', distro: 'd', agent: 'a', node: 'n' },
    ],
    [['windows', 'script', '--elevate'], 'windowsScript', { elevate: true }],
    [['client', 'setup'], 'clientSetup', { peer: true, server: undefined, keyFile: undefined }],
    [
      ['client', 'setup', '-s', 'u', '--key-file', 'k.txt', '--no-peer'],
      'clientSetup',
      { server: 'u', keyFile: 'k.txt', peer: false },
    ],
    [['client', 'setup', '-k', 'KEY'], 'clientSetup', { key: 'KEY' }],
    [
      ['client', 'join', '--key-file', 'k.txt', '--print-command'],
      'clientJoin',
      { keyFile: 'k.txt', printCommand: true },
    ],
    [['client', 'leave', '--json'], 'clientLeave', { json: true }],
  ])('mesh %j runs %s', async (argv, command, options) => {
    await buildCli(argv, capturedOutput().out).parseAsync();
    expect(called.calls.map((c) => c.command)).toEqual([command]);
    // Only the options the command reads; absent ones are undefined (yargs adds `_`, aliases...).
    const given = called.calls[0]?.options ?? {};
    expect(Object.fromEntries(Object.keys(options).map((k) => [k, given[k]]))).toEqual(options);
    expect(process.exitCode).toBe(3);
  });
});
