import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer } from 'node:http';
import { type AddressInfo, createServer, type Server } from 'node:net';
import path from 'node:path';
import type { SocketHolder } from '@mesh/platform';
import { afterEach, describe, expect, it } from 'vitest';
import { type FakeMachine, fakeMachine, httpServer, meshFailure } from '../../test/fake-machine.js';
import type { MeshContext } from '../context.js';
import { clientSetup } from './client.js';
import { setupServer } from './server.js';
import {
  checkSyncthingPorts,
  firstBlocker,
  type Holding,
  type OwnSyncthingAnswer,
  type OwnSyncthingFacts,
  portInUseError,
  type SyncthingPort,
  startedWithHome,
  syncthingPorts,
} from './syncthing-ports.js';

const HOME = '/root/.local/state/syncthing';
const GUI: SyncthingPort = {
  port: 8385,
  protocol: 'tcp',
  bindAddress: '127.0.0.1',
  what: 'Syncthing GUI',
};
const SYNC: SyncthingPort = {
  port: 22001,
  protocol: 'tcp',
  bindAddress: '0.0.0.0',
  what: 'Syncthing sync',
};
const SYNC_UDP: SyncthingPort = { ...SYNC, protocol: 'udp', what: 'Syncthing sync, UDP' };

const holder = (pid: number, name: string, commandLine: string[] = [name]): SocketHolder => ({
  pid,
  name,
  commandLine,
});
const ours = holder(700, 'syncthing', ['/usr/bin/syncthing', 'serve', `--home=${HOME}`]);
const squatter = holder(900, 'node', ['node', '-e', 'listen(22001)']);
const stranger = holder(950, 'syncthing', ['syncthing', 'serve', '--home=/home/bob/st']);

function facts(o: Partial<OwnSyncthingFacts> & { answers?: OwnSyncthingAnswer } = {}) {
  const asked: number[] = [];
  const f: OwnSyncthingFacts = {
    homes: [HOME],
    guiHoldings: [],
    answer: async () => {
      asked.push(1);
      return o.answers;
    },
    ...o,
  };
  return { facts: f, asked };
}

describe('startedWithHome', () => {
  it.each([
    [['syncthing', 'serve', `--home=${HOME}`], true],
    [['syncthing', 'serve', `--home=${HOME}/`], true],
    [['syncthing', 'serve', '--home', HOME], true],
    [['syncthing', `-home=${HOME}`], true],
    [['syncthing', 'serve', '--home=/home/bob/.local/state/syncthing'], false],
    [['syncthing', 'serve'], false],
    [['node', '-e', `"--home=${HOME}"`], false],
    [['syncthing', '--home'], false],
  ])('%j: %s', (argv, expected) => {
    expect(startedWithHome(argv, [HOME])).toBe(expected);
  });
});

describe('firstBlocker', () => {
  it('nothing in the way: nothing asked', async () => {
    const { facts: f, asked } = facts();
    expect(await firstBlocker(SYNC, [], f)).toBeUndefined();
    expect(asked).toEqual([]);
  });

  it("mesh's own Syncthing (its home on the command line): fine, without asking it", async () => {
    const { facts: f, asked } = facts();
    expect(await firstBlocker(SYNC, [{ holders: [ours] }], f)).toBeUndefined();
    expect(asked).toEqual([]);
  });

  it('another program: named, even when our Syncthing answers on the GUI port', async () => {
    const { facts: f } = facts({ answers: { listeners: {} }, guiHoldings: [{ holders: [ours] }] });
    expect(await firstBlocker(SYNC, [{ holders: [squatter] }], f)).toEqual({ holder: squatter });
    expect(await firstBlocker(GUI, [{ holders: [stranger] }], facts().facts)).toEqual({
      holder: stranger,
    });
  });

  it('a Syncthing started without --home that answers the GUI port with our key: ours', async () => {
    const plain = holder(710, 'syncthing', ['syncthing', 'serve', '--no-browser']);
    const guiHoldings: Holding[] = [{ holders: [plain] }];
    const answering = facts({ answers: { listeners: {} }, guiHoldings }).facts;
    expect(await firstBlocker(GUI, guiHoldings, answering)).toBeUndefined();
    expect(await firstBlocker(SYNC, [{ holders: [plain] }], answering)).toBeUndefined();
    // Nothing answers with our key: the same process is someone else's.
    expect(await firstBlocker(SYNC, [{ holders: [plain] }], facts({ guiHoldings }).facts)).toEqual({
      holder: plain,
    });
  });

  it('who holds it cannot be seen: ours only if our Syncthing answers and its listener works', async () => {
    const unseen: Holding[] = [{ holders: [] }];
    const listening = (error?: string) =>
      facts({
        answers: {
          listeners: {
            'tcp://0.0.0.0:22001': error ? { error } : { error: null },
            'quic://0.0.0.0:22001': { error: 'listen udp 0.0.0.0:22001: bind: in use' },
          },
        },
      }).facts;
    expect(await firstBlocker(GUI, unseen, listening())).toBeUndefined();
    expect(await firstBlocker(SYNC, unseen, listening())).toBeUndefined();
    expect(await firstBlocker(SYNC_UDP, unseen, listening())).toEqual({});
    expect(await firstBlocker(SYNC, unseen, listening('address already in use'))).toEqual({});
    expect(await firstBlocker(GUI, unseen, facts().facts)).toEqual({});
    expect(await firstBlocker({ ...SYNC, port: 22002 }, unseen, listening())).toEqual({});
    const dualStack = facts({ answers: { listeners: { 'tcp6://[::]:22001': {} } } }).facts;
    expect(await firstBlocker(SYNC, unseen, dualStack)).toBeUndefined();
  });
});

describe('portInUseError', () => {
  it('names the program and its pid: exit 4, nothing changed', () => {
    const e = portInUseError(SYNC, { holder: squatter }, HOME);
    expect(e.message).toBe('Port 22001 (Syncthing sync) is in use by node (pid 900)');
    expect(e.kind).toBe('badInput');
    expect(e.exitCode).toBe(4);
    expect(e.hint).toBe(
      'stop that program, or free port 22001, then run the command again; nothing was changed',
    );
  });

  it('another Syncthing: says it is not the one mesh set up', () => {
    const e = portInUseError(GUI, { holder: stranger }, HOME);
    expect(e.message).toBe('Port 8385 (Syncthing GUI) is in use by syncthing (pid 950)');
    expect(e.hint).toBe(
      `it is a Syncthing that mesh did not set up (not --home=${HOME}): stop it, or free port 8385, then run the command again; nothing was changed`,
    );
  });

  it('who holds it unseen: "another program", and how to see it', () => {
    const e = portInUseError(SYNC_UDP, {}, HOME);
    expect(e.message).toBe('Port 22001 (Syncthing sync, UDP) is in use by another program');
    expect(e.hint).toContain("sudo ss -lunp 'sport = :22001'");
  });
});

describe('checkSyncthingPorts on this machine', () => {
  let machine: FakeMachine | undefined;
  const open: Array<{ close(): unknown }> = [];
  afterEach(async () => {
    for (const s of open.splice(0)) s.close();
    await machine?.remove();
    machine = undefined;
  });

  async function listen(host: string): Promise<number> {
    const server: Server = createServer();
    await new Promise<void>((resolve) => server.listen(0, host, resolve));
    open.push(server);
    return (server.address() as AddressInfo).port;
  }

  // A free port for the ones a test does not hold: listened on once, then let go.
  async function freePort(): Promise<number> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    return port;
  }

  async function context(
    ports: { gui?: number; sync?: number },
    role = 'unknown',
  ): Promise<MeshContext> {
    machine = await fakeMachine(role, role === 'server' ? 'hub' : 'pc');
    const ctx = await machine.context();
    return {
      ...ctx,
      ports: {
        ...ctx.ports,
        syncthingGui: ports.gui ?? (await freePort()),
        syncthingSync: ports.sync ?? (await freePort()),
      },
    };
  }

  it.runIf(process.platform === 'linux')(
    'a GUI port this test process holds on 127.0.0.1: named with its pid, exit 4',
    async () => {
      const gui = await listen('127.0.0.1');
      const ctx = await context({ gui });
      const comm = (await readFile('/proc/self/comm', 'utf8')).trim();
      const e = await meshFailure(checkSyncthingPorts(ctx), 'badInput');
      expect(e.message).toBe(
        `Port ${gui} (Syncthing GUI) is in use by ${comm} (pid ${process.pid})`,
      );
      expect(e.exitCode).toBe(4);
    },
  );

  it('free ports: passes', async () => {
    await expect(checkSyncthingPorts(await context({}))).resolves.toBeUndefined();
  });

  it.runIf(process.platform === 'linux')(
    "a holder that answers the GUI port with mesh's API key is mesh's own Syncthing",
    async () => {
      const sync = await listen('0.0.0.0');
      const ctx = await context({ sync });
      const key = 'meshkeymeshkeymeshkeymeshkey1234';
      // Stands in for Syncthing: this process holds the sync port and answers on the GUI port.
      const gui = createHttpServer((req, res) => {
        const good = req.headers['x-api-key'] === key;
        res.writeHead(good ? 200 : 403, { 'content-type': 'application/json' });
        if (!good) res.end('{}');
        else if (req.url === '/rest/system/ping') res.end('{"ping":"pong"}');
        else res.end('{"myID":"X","uptime":1,"connectionServiceStatus":{}}');
      });
      await new Promise<void>((resolve) =>
        gui.listen(ctx.ports.syncthingGui, '127.0.0.1', resolve),
      );
      open.push(gui);
      const home = ctx.paths.syncthingHome;
      await mkdir(home, { recursive: true });
      const config = (apiKey: string) =>
        writeFile(
          path.join(home, 'config.xml'),
          `<configuration version="37"><gui><address>127.0.0.1:${ctx.ports.syncthingGui}</address><apikey>${apiKey}</apikey></gui></configuration>`,
        );
      await config(key);
      await expect(checkSyncthingPorts(ctx)).resolves.toBeUndefined();
      // Another key: the same process is another program.
      await config('otherkeyotherkeyotherkeyotherkey');
      const e = await meshFailure(checkSyncthingPorts(ctx), 'badInput');
      expect(e.message).toMatch(
        new RegExp(
          `^Port ${ctx.ports.syncthingGui} \\(Syncthing GUI\\) is in use by .+ \\(pid ${process.pid}\\)$`,
        ),
      );
    },
  );

  it.runIf(process.platform === 'linux')(
    'mesh client setup with the sync port taken: exit 4 before the server is asked, nothing written',
    async () => {
      const sync = await listen('0.0.0.0');
      const ctx = await context({ sync });
      const s = await httpServer({ '/health': { status: 200, body: '{"status":"pass"}' } });
      open.push({ close: () => s.close() });
      const before = await machine?.tree();
      const e = await meshFailure(
        clientSetup(ctx, { serverUrl: s.url, authKey: 'hskey-auth-abcdefghijklmnopqrstuvwxyz' }),
        'badInput',
      );
      expect(e.message).toBe(
        `Port ${sync} (Syncthing sync) is in use by ${(await readFile('/proc/self/comm', 'utf8')).trim()} (pid ${process.pid})`,
      );
      expect(s.seen).toEqual([]);
      expect(machine?.calls).toEqual([]);
      expect(await machine?.tree()).toEqual(before);
    },
  );

  it.runIf(process.platform === 'linux')(
    'mesh server setup with the GUI port taken: exit 4, Headscale untouched',
    async () => {
      const gui = await listen('127.0.0.1');
      const ctx = await context({ gui }, 'server');
      const before = await machine?.tree();
      const e = await meshFailure(setupServer(ctx, { listen: '127.0.0.1:8080' }), 'badInput');
      expect(e.message).toContain(`Port ${gui} (Syncthing GUI) is in use by`);
      expect(machine?.calls).toEqual([]);
      expect(await machine?.tree()).toEqual(before);
    },
  );
});

describe('syncthingPorts', () => {
  it("the role's GUI port on loopback, its sync port over TCP and UDP on every address", () => {
    expect(
      syncthingPorts({
        ports: {
          syncthingGui: 8385,
          syncthingSync: 22001,
          ssh: 2222,
          headscale: 8080,
          derpStun: 3478,
          wireguard: 41641,
          packages: 8091,
          vouch: 874,
        },
      }),
    ).toEqual([GUI, SYNC, SYNC_UDP]);
  });
});
