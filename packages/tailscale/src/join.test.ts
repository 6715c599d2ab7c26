import { until } from '@mesh/test-utils';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeLocalApi } from '../test/helpers/fake-local-api.js';
import {
  TailscaleAuthKeyError,
  TailscaleControlUnreachableError,
  TailscaleTimeoutError,
} from './errors.js';
import { classifyAuthKeyMessage, join, waitForPeerRoutes } from './join.js';
import type { Status } from './schemas/status.js';

const KEY =
  'hskey-auth-Abc123Def456-0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123';
const URL_ = 'http://10.99.0.1:8080';

let fake: FakeLocalApi;
let state: string;
let ips: string[];
let health: string[];
let haveNodeKey: boolean;
let peers: Record<string, unknown>;
/** A restarted daemon that is stopped: `PATCH prefs` with WantRunning brings it up. */
let stoppedAfterRestart: boolean;

beforeEach(async () => {
  stoppedAfterRestart = false;
  state = 'NeedsLogin';
  ips = [];
  health = [];
  haveNodeKey = false;
  peers = {};
  fake = await FakeLocalApi.start({
    'GET status': () => ({
      json: {
        BackendState: state,
        HaveNodeKey: haveNodeKey,
        Peer: peers,
        TailscaleIPs: ips,
        Health: health,
        Self: { HostName: 'wsl', DNSName: 'wsl.mesh.internal.' },
      },
    }),
    'GET prefs': () => ({
      json: { ControlURL: state === 'Running' ? URL_ : '', WantRunning: false, NetfilterMode: 2 },
    }),
    // The second start (no key) brings a registered node up.
    'POST start': (req) => {
      if (!JSON.parse(req.body).AuthKey) {
        setTimeout(() => {
          state = 'Running';
          ips = ['100.64.0.5', 'fd7a:115c:a1e0::5'];
          fake.push({ State: 5 });
          fake.push({ State: 6 });
        }, 10);
      }
      return { status: 204 };
    },
    'POST logout': () => ({ status: 204 }),
    'PATCH prefs': (req) => {
      if (stoppedAfterRestart && JSON.parse(req.body).WantRunning === true) {
        state = 'Running';
        ips = ['100.64.0.5'];
      }
      return { json: {} };
    },
  });
});
afterEach(async () => {
  await fake.close();
});

/** Waits for the bus, then plays the given notifications. */
async function play(...notes: unknown[]): Promise<void> {
  await until(
    'the bus and the login',
    () => (fake.buses.size > 0 && fake.seen('POST login-interactive').length > 0) || undefined,
    5_000,
    { intervalMs: 5 },
  );
  for (const n of notes) fake.push(n);
}

function opts(extra: Partial<Parameters<typeof join>[0]> = {}) {
  return {
    controlUrl: URL_,
    authKey: KEY,
    hostname: 'wsl',
    acceptDns: false,
    socketPath: fake.socketPath,
    timeout: 3_000,
    ...extra,
  };
}

/** A login that control accepts: announced, then the node key saved a little later. */
function acceptLogin(): void {
  fake.on('POST login-interactive', () => {
    setTimeout(() => fake.push({ LoginFinished: {} }), 10);
    setTimeout(() => {
      haveNodeKey = true;
      state = 'Stopped';
      fake.push({ State: 4 });
    }, 40);
    return { status: 204 };
  });
}

/** Once join's first start is in: the backend goes through NoState and stops again. */
async function startedThenStopped(): Promise<void> {
  await until('the first start', () => fake.seen('POST start').length > 0 || undefined, 5_000);
  fake.push({ State: 0 });
  fake.push({ State: 4 });
}

describe('join', () => {
  it('registers with the key while stopped, starts without it, and returns once Running', async () => {
    acceptLogin();
    const r = await join(opts());
    expect(r).toEqual({
      changed: true,
      backendState: 'Running',
      ips: ['100.64.0.5', 'fd7a:115c:a1e0::5'],
      ipv4: '100.64.0.5',
      ipv6: 'fd7a:115c:a1e0::5',
      hostname: 'wsl',
      dnsName: 'wsl.mesh.internal',
      controlUrl: URL_,
    });
    const [body, second, ...more] = fake.seen('POST start').map((r) => JSON.parse(r.body));
    expect(more).toEqual([]);
    expect(body.AuthKey).toBe(KEY);
    expect(second.AuthKey).toBeUndefined();
    expect(second.UpdatePrefs).toEqual({ ...body.UpdatePrefs, WantRunning: true });
    expect(body.UpdatePrefs).toMatchObject({
      ControlURL: URL_,
      WantRunning: false,
      LoggedOut: false,
      Hostname: 'wsl',
      RouteAll: false,
      CorpDNS: false,
      NetfilterMode: 2, // kept from the daemon's current prefs
    });
    expect(fake.seen('GET watch-ipn-bus')[0]?.query.get('mask')).toBe(String(2 | 128));
  });

  it('with restartDaemon: restarts the registered node stopped, then sets it running; no second start', async () => {
    acceptLogin();
    let restarts = 0;
    let patchesBeforeRestart = -1;
    const r = await join(
      opts({
        restartDaemon: async () => {
          restarts++;
          patchesBeforeRestart = fake.seen('PATCH prefs').length;
          // The daemon goes away (its bus ends) and comes back stopped with its saved key.
          for (const bus of fake.buses) bus.end();
          state = 'Stopped';
          stoppedAfterRestart = true;
        },
      }),
    );
    expect(r).toMatchObject({ changed: true, ipv4: '100.64.0.5' });
    expect(restarts).toBe(1);
    expect(patchesBeforeRestart).toBe(0);
    expect(fake.seen('POST start').map((x) => JSON.parse(x.body).AuthKey)).toEqual([KEY]);
    expect(fake.seen('PATCH prefs').map((x) => JSON.parse(x.body))).toEqual([
      expect.objectContaining({ WantRunning: true, WantRunningSet: true }),
    ]);
  });

  it('returns once every online peer has a DERP home, or a second after Running', async () => {
    acceptLogin();
    peers = { k1: { Online: true, Relay: '' }, k2: { Online: false } };
    const t0 = Date.now();
    const first = join(opts());
    await until('Running', () => (state === 'Running' ? true : undefined), 5_000);
    setTimeout(() => {
      peers = { k1: { Online: true, Relay: 'mesh' }, k2: { Online: false } };
    }, 300);
    expect((await first).changed).toBe(true);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(300);
  });

  it('a node whose key control rejected waits for the login itself, not for Stopped', async () => {
    haveNodeKey = true;
    const p = join(opts());
    await startedThenStopped();
    await new Promise((r) => setTimeout(r, 50));
    expect(fake.seen('POST start')).toHaveLength(1);
    fake.push({ LoginFinished: {} });
    expect((await p).changed).toBe(true);
    expect(fake.seen('POST login-interactive')).toHaveLength(0);
    expect(fake.seen('POST start')).toHaveLength(2);
  });

  it('a stopped node with a good node key starts without the key once Stopped again', async () => {
    state = 'Stopped';
    haveNodeKey = true;
    fake.initial = () => ({ State: 4 });
    const p = join(opts());
    await startedThenStopped();
    expect((await p).changed).toBe(true);
    const [first, second] = fake.seen('POST start').map((r) => JSON.parse(r.body));
    expect(first.AuthKey).toBe(KEY);
    expect(second.AuthKey).toBeUndefined();
  });

  it('a node started by someone else before its login was seen still ends without the key', async () => {
    fake.on('POST login-interactive', () => ({ status: 204 }));
    const p = join(opts());
    await until(
      'the login',
      () => fake.seen('POST login-interactive').length > 0 || undefined,
      5_000,
    );
    haveNodeKey = true;
    state = 'Running';
    ips = ['100.64.0.5'];
    fake.push({ State: 6 });
    expect((await p).changed).toBe(true);
    const [first, second] = fake.seen('POST start').map((r) => JSON.parse(r.body));
    expect(first.AuthKey).toBe(KEY);
    expect(second.AuthKey).toBeUndefined();
  });

  it('is a no-op when already Running against the same control URL', async () => {
    state = 'Running';
    ips = ['100.64.0.5'];
    const r = await join(opts({ controlUrl: `${URL_}/` }));
    expect(r.changed).toBe(false);
    expect(r.ips).toEqual(['100.64.0.5']);
    expect(fake.seen('POST start')).toHaveLength(0);
  });

  it.each([
    ['invalid pre auth key', 'invalid'],
    ['authkey expired', 'expired'],
    ['authkey already used', 'used'],
  ] as const)('classifies ErrMessage "%s" as %s without leaking the key', async (msg, reason) => {
    fake.on('POST login-interactive', () => ({ status: 204 }));
    const p = join(opts()).catch((e: unknown) => e);
    await play({ State: 2 }, { ErrMessage: msg });
    const err = await p;
    expect(err).toBeInstanceOf(TailscaleAuthKeyError);
    expect((err as TailscaleAuthKeyError).reason).toBe(reason);
    expect(JSON.stringify({ ...(err as object), m: (err as Error).message })).not.toContain(KEY);
  });

  it('ignores a login error left by an earlier attempt', async () => {
    const stale = {
      Health: {
        Warnings: {
          'login-state': { Text: 'You are logged out. The last login error was: authkey expired' },
        },
      },
    };
    fake.on('POST login-interactive', () => ({ status: 204 }));
    fake.initial = () => ({ State: 2, ...stale });
    const p = join(opts({ timeout: 500 })).catch((e: unknown) => e);
    await play(stale);
    expect(await p).toBeInstanceOf(TailscaleTimeoutError);
  });

  it('reports an unreachable control server after the timeout', async () => {
    health = [
      `You are logged out. The last login error was: fetch control key: Get "${URL_}/key?v=138": dial tcp 10.99.0.1:8080: connect: connection refused`,
    ];
    fake.on('POST login-interactive', () => ({ status: 204 }));
    const p = join(opts({ timeout: 300 })).catch((e: unknown) => e);
    await play({ State: 2 });
    const err = await p;
    expect(err).toBeInstanceOf(TailscaleControlUnreachableError);
    expect((err as Error).message).toContain('connection refused');
    // Stopped for the registration, tailscaled shows no login error: wanted running to read it.
    expect(fake.seen('PATCH prefs').map((r) => JSON.parse(r.body))).toEqual([
      { WantRunning: true, WantRunningSet: true },
      { WantRunning: false, WantRunningSet: true },
    ]);
  });

  it('times out with state and health in the message otherwise', async () => {
    health = ['Tailscale is starting. Please wait.'];
    fake.on('POST login-interactive', () => ({ status: 204 }));
    const p = join(opts({ timeout: 300 })).catch((e: unknown) => e);
    await play({ State: 5 });
    const err = await p;
    expect(err).toBeInstanceOf(TailscaleTimeoutError);
    expect((err as Error).message).toMatch(/state NeedsLogin; health: Tailscale is starting/);
  });
});

describe('classifyAuthKeyMessage', () => {
  it('reads headscale 0.29 and Tailscale wordings', () => {
    expect(classifyAuthKeyMessage('invalid pre auth key')).toBe('invalid');
    expect(classifyAuthKeyMessage('authkey expired')).toBe('expired');
    expect(classifyAuthKeyMessage('auth-key expired')).toBe('expired');
    expect(classifyAuthKeyMessage('authkey already used')).toBe('used');
    expect(classifyAuthKeyMessage('auth-key has already been used')).toBe('used');
    expect(
      classifyAuthKeyMessage(
        'handling register with auth key: failed to parse auth-key: key too short',
      ),
    ).toBe('invalid');
    expect(classifyAuthKeyMessage('invalid key: API key does not exist')).toBeUndefined();
    expect(
      classifyAuthKeyMessage('fetch control key: dial tcp: connection refused'),
    ).toBeUndefined();
  });
});

describe('waitForPeerRoutes', () => {
  const node = (peer: Record<string, unknown>) => ({ Peer: { p: peer } }) as unknown as Status;

  it('reads until every online peer has a DERP home or a direct address', async () => {
    const answers = [
      node({ Online: true }),
      node({ Online: true, Relay: '' }),
      node({ Online: true, Relay: '999' }),
    ];
    let reads = 0;
    const last = await waitForPeerRoutes(
      async () => answers[reads++] as Status,
      (s) => s,
    );
    expect(reads).toBe(3);
    expect(last).toBe(answers[2]);
  });

  it('does not wait for offline peers, and gives up after PEER_ROUTES_WAIT_MS', async () => {
    expect(
      await waitForPeerRoutes(
        async () => node({ Online: false }),
        (s) => s,
      ),
    ).toBeDefined();
    let reads = 0;
    await waitForPeerRoutes(
      async () => {
        reads++;
        return node({ Online: true });
      },
      (s) => s,
    );
    // Read every 20 ms for PEER_ROUTES_WAIT_MS, then returned with the route still unknown.
    expect(reads).toBeGreaterThan(1);
  });
});
