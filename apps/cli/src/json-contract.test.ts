import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  type AgentState,
  createMeshContext,
  type DoctorReport,
  errorDocumentSchema,
  type JsonCommand,
  jsonSchemas,
  type MachineStepResult,
  type MeshContext,
  MeshError,
  type MeshStatus,
  type NodeSummary,
  type PairPeersResult,
} from '@mesh/core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { reportError } from './boundary.js';
import { agentLogsCommand, agentStatusCommand } from './commands/agent.js';
import { clientJoin, clientLeave, clientSetup } from './commands/client.js';
import { conflicts, conflictsResolve } from './commands/conflicts.js';
import { doctorCommand } from './commands/doctor.js';
import { harden } from './commands/harden.js';
import { hostAdd, hostList, hostRemove, hostShow } from './commands/host.js';
import { init } from './commands/init.js';
import { nodesExpire, nodesList, nodesRemove, nodesRename } from './commands/nodes.js';
import { peer } from './commands/peer.js';
import { ports } from './commands/ports.js';
import { remoteProvision, remoteProvisionAll, remoteStatusCommand } from './commands/remote.js';
import { serverKeygen, serverSetup, serverStatus } from './commands/server.js';
import { sshAddKey, sshCopyKeys, sshStatusCommand } from './commands/ssh.js';
import { status } from './commands/status.js';
import { windowsScript } from './commands/windows.js';
import { wslSetupSsh } from './commands/wsl.js';
import { capturedOutput } from './output/capture.js';
import type { Output } from './output/output.js';

// Each command module runs against core's result types, faked, and prints its one `--json`
// document; the document must be exactly what @mesh/core's schema for that command says (no key
// missing, none it does not name). Conflicts, init, ports and the Windows script run for real.

const FAKED = vi.hoisted(
  () =>
    [
      'addDevice',
      'addHost',
      'addSshKey',
      'agentLogs',
      'agentStatus',
      'changeNode',
      'checkManualDevice',
      'clientSetup',
      'copySshKeys',
      'createJoinKey',
      'doctor',
      'effectiveSettings',
      'hardenClient',
      'hardenServer',
      'hostStatus',
      'joinCommand',
      'joinMesh',
      'leaveMesh',
      'listHosts',
      'listNodes',
      'meshStatus',
      'pairPeers',
      'provisionAll',
      'provisionHost',
      'pruneUntrusted',
      'remoteStatus',
      'removeHost',
      'saveJoinKey',
      'serverStatus',
      'setupServer',
      'sshStatus',
      'stopMeshDaemons',
      'wslSetupSsh',
    ] as const satisfies ReadonlyArray<keyof typeof import('@mesh/core')>,
);
type Core = typeof import('@mesh/core');
type Faked = (typeof FAKED)[number];
type Result<K extends Faked> = Core[K] extends (...args: never[]) => infer R ? Awaited<R> : never;

/** What each faked core function returns, set by the test that runs its command. */
const fakes = vi.hoisted(() => new Map<string, unknown>());
vi.mock('@mesh/core', async (original) => {
  const fake = (name: string) => () => {
    if (!fakes.has(name)) throw new Error(`no fake result for ${name}`);
    return fakes.get(name);
  };
  return {
    ...(await original<typeof import('@mesh/core')>()),
    ...Object.fromEntries(FAKED.map((name) => [name, fake(name)])),
  };
});
vi.mock('@mesh/platform', async (original) => ({
  ...(await original<typeof import('@mesh/platform')>()),
  runElevatedScript: async () => ({ exitCode: 0, log: 'step 1\r\nstep 2\r\n' }),
}));
const machine = vi.hoisted(() => ({ role: 'wsl2' }));
vi.mock('./context.js', () => ({
  context: async (reporter: unknown) => ({
    reporter,
    hostname: 'pc',
    role: machine.role,
    env: {},
    paths: { sharedFolder: '/opt/shared' },
    settings: { sharedFolderWindows: 'C:\\shared' },
    platform: { wsl: { distro: 'Ubuntu', interop: true } },
  }),
}));

function give<K extends Faked>(name: K, value: Result<K>): void {
  fakes.set(name, value);
}

const checked = new Set<JsonCommand>();

/** Runs a command in JSON mode; its stdout is one document. */
async function json(run: (out: Output) => Promise<number>) {
  const { out, text } = capturedOutput({ json: true });
  const code = await run(out);
  return { code, doc: JSON.parse(text()) as unknown };
}

/** The document is exactly what the schema says: parsing drops any key the schema does not name. */
function expectDocument(command: JsonCommand, doc: unknown): void {
  const parsed = jsonSchemas[command].safeParse(doc);
  expect(parsed.error?.issues ?? [], command).toEqual([]);
  expect(parsed.data, command).toEqual(doc);
  checked.add(command);
}

const SELF = 'SELF000-SELF000-SELF000-SELF000-SELF000-SELF000-SELF000-SELF000';
const SRV = 'SRV0000-SRV0000-SRV0000-SRV0000-SRV0000-SRV0000-SRV0000-SRV0000';
const SERVER = 'http://10.0.0.1:8080';
const AT = '2024-05-01T10:00:00.000Z';

const node: NodeSummary = {
  id: '2',
  name: 'wsl',
  hostname: 'pc',
  ips: ['100.64.0.2', 'fd7a:115c:a1e0::2'],
  online: true,
  lastSeen: AT,
  expiry: undefined,
  user: 'mesh',
  tags: [],
};

const agentState: AgentState = {
  version: 1,
  pid: 4242,
  startedAt: AT,
  updatedAt: AT,
  rssMiB: 41.5,
  vouchingOn: '100.64.0.2:874',
  lastPairing: {
    at: AT,
    peers: 2,
    added: 1,
    refused: 0,
    unvouched: [{ hostname: 'laptop', reason: 'no agent answered' }],
  },
  lastScan: null,
  forgotten: [{ at: AT, name: 'old', deviceId: SRV }],
  revived: [{ at: AT, names: ['mesh-syncthing'] }],
  tailnet: { at: AT, ok: true, state: 'Running', message: 'in the tailnet' },
  peersAnswer: null,
  controlServer: { at: AT, url: SERVER, reachable: true },
  errors: [{ at: AT, message: 'a hiccup' }],
};

const paired: PairPeersResult = {
  deviceId: SELF,
  changed: true,
  added: [{ deviceId: SRV, name: 'server', address: 'tcp://100.64.0.1:22000' }],
  updated: [],
  shared: [SRV],
  sharedWith: [{ deviceId: SRV, name: 'server' }],
  accepted: [],
  refused: [{ deviceId: SELF, name: 'x', address: 'tcp://10.1.1.1:22000', reason: 'not vouched' }],
  unvouched: [{ hostname: 'laptop', ip: '100.64.0.4', reason: 'no agent' }],
  passive: [],
  peers: 2,
};

const steps: MachineStepResult[] = [
  {
    id: 'wsl-sshd',
    status: 'changed',
    changes: ['sshd listens on 2222'],
    files: [{ path: '/etc/ssh/sshd_config', backupPath: '/etc/ssh/sshd_config.mesh-bak' }],
  },
  { id: 'wsl-systemd', status: 'manual', changes: [], manual: ['wsl --shutdown from Windows'] },
  { id: 'install', status: 'ok', changes: [] },
];

/** A healthy server, everything a verbose run shows. */
const serverStatusReport: MeshStatus = {
  healthy: true,
  issues: 0,
  environment: {
    hostname: 'server',
    osType: 'ubuntu',
    osName: 'Debian GNU/Linux 12 (bookworm)',
    distro: { id: 'debian', versionId: '12', prettyName: undefined },
    role: 'server',
    syncthingHome: '/home/me/.local/state/syncthing',
    sharedFolder: '/opt/shared',
  },
  tailscale: {
    running: true,
    backendState: 'Running',
    ip: '100.64.0.1',
    peers: [
      { hostname: 'pc', ip: '100.64.0.2', online: true, path: 'direct', latencyMs: 1.2 },
      { hostname: 'laptop', ip: undefined, online: false, path: 'none' },
    ],
  },
  syncthing: {
    running: true,
    port: 8384,
    deviceId: SRV,
    connected: [
      { deviceId: SELF, name: 'pc', connected: true, address: 'tcp://100.64.0.2:22001' },
      { deviceId: SELF, name: '', connected: false },
    ],
    folder: { id: 'opt-shared', state: 'idle', needFiles: 0, needBytes: 0 },
  },
  trust: {
    agent: true,
    agentState,
    vouched: [{ deviceId: SELF, name: 'pc' }],
    manual: [],
    untrusted: [],
  },
  headscale: {
    service: 'running',
    serverUrl: SERVER,
    healthy: true,
    configProblem: undefined,
    version: '0.26.1',
    nodes: [node],
    online: 1,
    offline: 0,
    keys: 2,
  },
  serverUrl: SERVER,
  conflicts: ['notes.sync-conflict-20240101-120000-ABCDEFG.txt'],
  checks: [{ section: 'headscale', name: 'service', level: 'ok', message: 'Headscale runs' }],
};

/** A machine never set up: most things unknown. */
const bareStatus: MeshStatus = {
  healthy: false,
  issues: 1,
  environment: {
    hostname: 'box',
    osType: 'windows',
    osName: 'Windows',
    distro: undefined,
    role: 'unknown',
    syncthingHome: 'C:\\Users\\me\\AppData\\Local\\Syncthing',
    sharedFolder: 'C:\\shared',
  },
  tailscale: { running: false, backendState: undefined, ip: undefined, peers: [] },
  syncthing: { running: false, port: 8384, deviceId: undefined, connected: [], folder: undefined },
  trust: { agent: false, vouched: [], manual: [], untrusted: [] },
  serverUrl: undefined,
  conflicts: [],
  checks: [
    {
      section: 'tailscale',
      name: 'daemon',
      level: 'fail',
      message: 'tailscaled is not running',
      fix: 'mesh client setup --server URL --key-file FILE',
    },
  ],
};

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'mesh-json-'));
  fakes.clear();
  machine.role = 'wsl2';
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('every --json document matches its schema in @mesh/core', () => {
  it('mesh status, healthy and verbose on a server, and on a machine never set up', async () => {
    give('effectiveSettings', [
      { name: 'MESH_SERVER_URL', value: SERVER, source: '/home/me/.env' },
      { name: 'MESH_DEFAULT_USER', value: null, source: 'default' },
    ]);
    give('meshStatus', serverStatusReport);
    const healthy = await json((out) => status({ json: true, verbose: true }, out));
    expect(healthy.code).toBe(0);
    expectDocument('status', healthy.doc);
    expect(healthy.doc).toMatchObject({ ok: true, headscale: { configProblem: null } });

    give('meshStatus', bareStatus);
    const bare = await json((out) => status({ json: true, verbose: false }, out));
    expect(bare.code).toBe(3);
    expectDocument('status', bare.doc);
    expect(bare.doc).toMatchObject({ ok: false, serverUrl: null, syncthing: { folder: null } });
  });

  it('mesh doctor --fix', async () => {
    const report: DoctorReport = {
      before: bareStatus.checks,
      fixes: [
        { check: 'tailscale/daemon', action: 'started tailscaled', ok: true },
        { check: 'syncthing/running', action: 'started Syncthing', ok: false, error: 'no unit' },
      ],
      after: bareStatus,
      leftForYou: bareStatus.checks,
      healthy: false,
    };
    give('doctor', report);
    const r = await json((out) => doctorCommand({ json: true, fix: true }, out));
    expect(r.code).toBe(3);
    expectDocument('doctor', r.doc);
  });

  it('mesh server setup, status (up and down), keygen, nodes', async () => {
    give('setupServer', {
      changed: true,
      changes: ['wrote /etc/headscale/config.yaml'],
      serverUrl: SERVER,
      configPath: '/etc/headscale/config.yaml',
      database: 'sqlite',
      service: 'supervised',
      tailnetIp: undefined,
      deviceId: SRV,
      folderPath: '/opt/shared',
    });
    expectDocument('serverSetup', (await json((out) => serverSetup({ json: true }, out))).doc);

    const up: Result<'serverStatus'> = {
      service: 'running',
      serverUrl: SERVER,
      healthy: true,
      configProblem: undefined,
      version: '0.26.1',
      nodes: [node],
      online: 1,
      offline: 0,
      keys: [
        {
          id: '1',
          reusable: true,
          ephemeral: false,
          used: true,
          expiration: undefined,
          expired: false,
        },
      ],
    };
    give('serverStatus', up);
    const running = await json((out) => serverStatus({ json: true }, out));
    expect(running.code).toBe(0);
    expectDocument('serverStatus', running.doc);
    give('serverStatus', { ...up, service: 'stopped', healthy: false, nodes: [], keys: [] });
    const down = await json((out) => serverStatus({ json: true }, out));
    expect(down.code).toBe(3);
    expectDocument('serverStatus', down.doc);
    expect(down.doc).toMatchObject({ ok: false, nodes: null, keys: null, online: null });

    const secret = 'hskey-auth-0123456789abcdef0123456789abcdef0123456789abcdef';
    give('createJoinKey', {
      key: secret,
      id: '7',
      reusable: true,
      ephemeral: false,
      expiration: AT,
      tags: ['tag:mesh'],
      serverUrl: SERVER,
    });
    give('saveJoinKey', '/home/me/.local/state/mesh/keys/preauth-7.key');
    const keygen = await json((out) =>
      serverKeygen({ json: true, reusable: true, ephemeral: false, expiration: '24h' }, out),
    );
    expectDocument('serverKeygen', keygen.doc);
    expect(JSON.stringify(keygen.doc)).not.toContain(secret);

    give('listNodes', [node, { ...node, id: '3', name: 'laptop', lastSeen: undefined }]);
    expectDocument('nodesList', (await json((out) => nodesList({ json: true }, out))).doc);
    for (const [action, run] of [
      ['rename', (out: Output) => nodesRename({ json: true, node: '2', name: 'pc' }, out)],
      ['expire', (out: Output) => nodesExpire({ json: true, node: '2' }, out)],
      ['remove', (out: Output) => nodesRemove({ json: true, node: '2', yes: true }, out)],
    ] as const) {
      give('changeNode', { action, changed: action !== 'expire', node });
      expectDocument('nodesAction', (await json(run)).doc);
    }
  });

  it('mesh client setup (with and without pairing), join, join --print-command, leave', async () => {
    const setup: Result<'clientSetup'> = {
      changed: true,
      changes: ['joined the tailnet'],
      serverUrl: SERVER,
      tailnetIp: '100.64.0.2',
      deviceId: SELF,
      folderPath: '/opt/shared',
      steps: [
        { id: 'join', title: 'Join the tailnet', mode: 'auto', ms: 2104 },
        { id: 'windows-script', title: 'The Windows side', mode: 'manual', ms: 3 },
      ],
      machine: steps,
      manual: ['wsl --shutdown from Windows'],
      peer: paired,
    };
    const args = { json: true, server: SERVER, key: 'k', peer: true };
    give('clientSetup', setup);
    expectDocument('clientSetup', (await json((out) => clientSetup(args, out))).doc);
    const { peer: _, ...withoutPeer } = setup;
    give('clientSetup', { ...withoutPeer, tailnetIp: undefined });
    expectDocument('clientSetup', (await json((out) => clientSetup(args, out))).doc);

    give('joinMesh', {
      serverUrl: SERVER,
      changed: false,
      started: ['mesh-syncthing'],
      tailnetIp: '100.64.0.2',
      tailnetIpv6: undefined,
      hostname: 'pc',
      nodeId: undefined,
    });
    expectDocument(
      'clientJoin',
      (await json((out) => clientJoin({ json: true, key: 'k' }, out))).doc,
    );
    give('joinCommand', ['tailscale', 'up', `--login-server=${SERVER}`, '--auth-key=file:/k']);
    const printed = await json((out) =>
      clientJoin({ json: true, printCommand: true, keyFile: '/k' }, out),
    );
    expectDocument('clientJoinCommand', printed.doc);

    give('leaveMesh', { changed: true });
    give('stopMeshDaemons', { stopped: ['mesh-agent', 'mesh-syncthing'] });
    expectDocument('clientLeave', (await json((out) => clientLeave({ json: true }, out))).doc);
  });

  it('mesh peer, --prune, --device-id --yes, --watch', async () => {
    give('pairPeers', paired);
    expectDocument('peer', (await json((out) => peer({ json: true }, out))).doc);
    give('pruneUntrusted', {
      changed: true,
      removed: [{ deviceId: SRV, name: 'rogue', addresses: ['tcp://100.64.0.1:22002'] }],
      paired,
    });
    expectDocument('peerPrune', (await json((out) => peer({ json: true, prune: true }, out))).doc);
    give('checkManualDevice', SRV);
    for (const address of [undefined, 'tcp://10.0.0.9:22000']) {
      give('addDevice', { deviceId: SRV, changed: true, name: 'nas', address });
      const added = await json((out) =>
        peer({ json: true, deviceId: SRV, yes: true, ...(address ? { address } : {}) }, out),
      );
      expectDocument('peerAdd', added.doc);
    }
    give('agentStatus', { running: true, fresh: true, state: agentState });
    expectDocument('peerWatch', (await json((out) => peer({ json: true, watch: true }, out))).doc);
  });

  it('mesh agent status (running, and never run) and agent logs', async () => {
    give('agentStatus', { running: true, fresh: true, state: agentState });
    expectDocument(
      'agentStatus',
      (await json((out) => agentStatusCommand({ json: true }, out))).doc,
    );
    give('agentStatus', { running: false, fresh: false, state: undefined });
    const never = await json((out) => agentStatusCommand({ json: true }, out));
    expect(never.code).toBe(3);
    expectDocument('agentStatus', never.doc);
    give('agentLogs', ['line one', 'line two']);
    expectDocument(
      'agentLogs',
      (await json((out) => agentLogsCommand({ json: true, lines: 2 }, out))).doc,
    );
  });

  it('mesh conflicts and conflicts resolve (run for real on a folder)', async () => {
    const folder = path.join(dir, 'shared');
    await mkdir(folder);
    const copy = 'notes.sync-conflict-20240101-120000-ABCDEFG.txt';
    await writeFile(path.join(folder, 'notes.txt'), 'mine');
    await writeFile(path.join(folder, copy), 'theirs');
    await writeFile(path.join(folder, 'gone.sync-conflict-20240102-120000-ABCDEFG.txt'), 'x');
    const ctx = await createMeshContext({
      env: { HOME: dir, MESH_ROOT: dir, MESH_ROLE: 'wsl2', MESH_SHARED_FOLDER_LINUX: folder },
    });
    const deviceNames = async () => new Map([['ABCDEFG', 'laptop']]);
    const listed = await json((out) => conflicts({ json: true, ctx, deviceNames }, out));
    expectDocument('conflicts', listed.doc);
    const common = { json: true, ctx, deviceNames, all: true } as const;
    for (const keep of ['both', 'theirs'] as const) {
      const dry = await json((out) => conflictsResolve({ ...common, keep, dryRun: true }, out));
      expectDocument('conflictsResolve', dry.doc);
    }
    const done = await json((out) =>
      conflictsResolve({ ...common, keep: 'theirs', dryRun: false }, out),
    );
    expectDocument('conflictsResolve', done.doc);
    expect(done.doc).toMatchObject({ changed: true });
    const again = await json((out) =>
      conflictsResolve({ ...common, keep: 'theirs', dryRun: false }, out),
    );
    expectDocument('conflictsResolve', again.doc);
    expect(again.doc).toMatchObject({ changed: false, archive: null });
  });

  it('mesh ports, for a role named and for a machine of unknown role', async () => {
    expectDocument('ports', (await json((out) => ports({ json: true, role: 'wsl2' }, out))).doc);
    machine.role = 'unknown';
    const unknown = await json((out) => ports({ json: true }, out));
    expectDocument('ports', unknown.doc);
    expect(unknown.doc).toMatchObject({ role: 'unknown', detected: true });
  });

  it('mesh host add, remove, list, status', async () => {
    const entry = { name: 'nas', ip: '10.0.0.5', port: 22, user: null };
    give('addHost', { host: entry, changed: true, changes: ['added nas to hosts.yaml'] });
    const add = { json: true, name: 'nas', ip: '10.0.0.5', ssh: true };
    expectDocument('hostAdd', (await json((out) => hostAdd(add, out))).doc);
    give('removeHost', { host: { ...entry, user: 'me' }, changed: false, changes: [] });
    const remove = { json: true, name: 'nas', keepSsh: false };
    expectDocument('hostRemove', (await json((out) => hostRemove(remove, out))).doc);
    const report = { ...entry, sshUser: 'me', sshConfig: true, inMesh: false, tailnetIp: null };
    give('listHosts', [report, { ...report, name: 'pc', inMesh: true, tailnetIp: '100.64.0.2' }]);
    expectDocument('hostList', (await json((out) => hostList({ json: true }, out))).doc);
    give('hostStatus', { ...report, sshWorks: false, sshError: 'Permission denied (publickey)' });
    const show = await json((out) => hostShow({ json: true, name: 'nas' }, out));
    expect(show.code).toBe(3);
    expectDocument('hostStatus', show.doc);
  });

  it('mesh remote provision, provision-all, status', async () => {
    const done: Result<'provisionHost'> = {
      name: 'nas',
      outcome: 'provisioned',
      changes: ['installed mesh'],
      message: null,
      exitCode: 0,
    };
    give('provisionHost', done);
    const one = { json: true, host: 'nas', force: false, binary: '/tmp/mesh' };
    expectDocument('remoteProvision', (await json((out) => remoteProvision(one, out))).doc);
    give('provisionAll', {
      results: [
        { ...done, changes: [] },
        { name: 'win', outcome: 'windows', changes: [], message: 'run the script', exitCode: 0 },
        {
          name: 'old',
          outcome: 'failed',
          changes: [],
          message: 'no answer (try ssh)',
          exitCode: 8,
        },
      ],
      exitCode: 8,
    });
    const all = await json((out) =>
      remoteProvisionAll({ json: true, force: false, binary: 'm' }, out),
    );
    expect(all.code).toBe(8);
    expectDocument('remoteProvisionAll', all.doc);
    give('remoteStatus', {
      name: 'nas',
      os: 'Linux',
      status: { ok: true, healthy: true, issues: 0 },
      exitCode: 0,
    });
    expectDocument(
      'remoteStatus',
      (await json((out) => remoteStatusCommand({ json: true, host: 'nas' }, out))).doc,
    );
    give('remoteStatus', { name: 'nas', os: 'Linux', status: null, exitCode: null });
    expectDocument(
      'remoteStatus',
      (await json((out) => remoteStatusCommand({ json: true, host: 'nas' }, out))).doc,
    );
  });

  it('mesh harden server and client', async () => {
    const ctx = {} as MeshContext;
    give('hardenServer', {
      side: 'server',
      dryRun: true,
      changed: false,
      changes: ['would write the ACL policy'],
      notes: ['logtail is off already'],
      backups: [],
      policy: { path: '/etc/headscale/acl.hujson', tags: ['tag:mesh'] },
    });
    const server = { json: true, role: 'server', dryRun: true, ctx } as const;
    expectDocument('harden', (await json((out) => harden(server, out))).doc);
    give('hardenClient', {
      side: 'client',
      dryRun: false,
      changed: true,
      changes: ['GUI on 127.0.0.1'],
      notes: [],
      backups: ['/x/config.xml.mesh-bak'],
    });
    const client = { json: true, role: 'client', dryRun: false, ctx } as const;
    expectDocument('harden', (await json((out) => harden(client, out))).doc);
  });

  it('mesh init (run for real: a new file, then a replacement with a backup)', async () => {
    const file = path.join(dir, 'mesh.env');
    const noTerminal = {
      interactive: false,
      questioner: () => {
        throw new Error('asked without a terminal');
      },
    };
    const args = { json: true, file, 'server-url': SERVER };
    expectDocument('init', (await json((out) => init(args, out, noTerminal))).doc);
    const again = await json((out) =>
      init({ ...args, 'server-url': 'http://10.0.0.2:8080', force: true }, out, noTerminal),
    );
    expectDocument('init', again.doc);
    expect((again.doc as { backup: string | null }).backup).toEqual(expect.any(String));
  });

  it('mesh ssh add-key, copy-keys, status; mesh wsl setup-ssh', async () => {
    const ctx = {} as MeshContext;
    const key = { type: 'ssh-ed25519', fingerprint: 'SHA256:abc', comment: 'me@pc' };
    give('addSshKey', {
      changed: true,
      changes: ['added ssh-ed25519 SHA256:abc (me@pc)'],
      file: '/home/me/.ssh/authorized_keys',
      key,
    });
    const added = await json((out) =>
      sshAddKey({ json: true, ctx, key: ['ssh-ed25519', 'AAAA'] }, out),
    );
    expectDocument('sshAddKey', added.doc);
    expect(JSON.stringify(added.doc)).not.toContain('AAAA');
    give('copySshKeys', {
      changed: true,
      changes: [],
      host: 'nas',
      mode: 'replace',
      file: '/home/me/.ssh/authorized_keys',
      added: [key],
      removed: [],
      present: 1,
      invalid: 0,
      backupPath: null,
    });
    expectDocument(
      'sshCopyKeys',
      (await json((out) => sshCopyKeys({ json: true, ctx, from: 'nas', replace: true }, out))).doc,
    );
    give('sshStatus', {
      sshd: {
        installed: true,
        configFile: '/etc/ssh/sshd_config',
        ports: [2222],
        listening: [],
        passwordAuthentication: null,
      },
      authorizedKeys: { file: '/home/me/.ssh/authorized_keys', keys: 0, invalid: 0, mode: null },
      hosts: [{ name: 'nas', sshConfig: true }],
      problems: ['nothing listens on 2222'],
      healthy: false,
    });
    const st = await json((out) => sshStatusCommand({ json: true, ctx }, out));
    expect(st.code).toBe(3);
    expectDocument('sshStatus', st.doc);

    const sshd = steps[0] as MachineStepResult;
    give('wslSetupSsh', {
      changed: true,
      changes: ['sshd listens on 2222'],
      manual: [],
      port: 2222,
      sshd,
      windowsKeys: {
        source: 'C:\\Users\\me\\.ssh',
        reason: null,
        file: null,
        added: [key],
        present: 0,
      },
    });
    const wsl = { json: true, ctx, copyKeys: true };
    expectDocument('wslSetupSsh', (await json((out) => wslSetupSsh(wsl, out))).doc);
    give('wslSetupSsh', {
      changed: false,
      changes: [],
      manual: [],
      port: 2222,
      sshd,
      windowsKeys: null,
    });
    expectDocument(
      'wslSetupSsh',
      (await json((out) => wslSetupSsh({ ...wsl, copyKeys: false }, out))).doc,
    );
  });

  it('mesh windows script: the script, --out, --elevate (run for real; elevation faked)', async () => {
    const base = { json: true, server: SERVER } as const;
    const script = await json((out) =>
      windowsScript({ ...base, agent: 'C:\\Tools\\mesh.exe' }, out),
    );
    expectDocument('windowsScript', script.doc);
    expect(script.doc).toMatchObject({ distro: 'Ubuntu', script: expect.any(String) });
    const file = path.join(dir, 'setup-mesh.ps1');
    const written = await json((out) => windowsScript({ ...base, out: file }, out));
    expectDocument('windowsScript', written.doc);
    expect(written.doc).toMatchObject({ file, agent: null });
    const elevated = await json((out) => windowsScript({ ...base, elevate: true }, out));
    expectDocument('windowsScript', elevated.doc);
    expect(elevated.doc).toMatchObject({ ok: true, exitCode: 0 });
  });

  it('the error document, from a MeshError and from any other error', async () => {
    for (const error of [
      new MeshError('node 9 not found', { kind: 'badInput', hint: 'see mesh server nodes list' }),
      new Error('something broke'),
    ]) {
      const { out, text } = capturedOutput({ json: true });
      reportError(out, error, false);
      const doc = JSON.parse(text()) as unknown;
      const parsed = errorDocumentSchema.safeParse(doc);
      expect(parsed.error?.issues ?? []).toEqual([]);
      expect(parsed.data).toEqual(doc);
    }
  });

  it('checked the schema of every command (the tests above run first, in order)', () => {
    expect([...checked].sort()).toEqual(Object.keys(jsonSchemas).sort());
  });
});
