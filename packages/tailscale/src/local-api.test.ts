import { until } from '@mesh/test-utils';
import { describe, expect, it, vi } from 'vitest';
import { type FakeLocalApi, fakeLocalApiPerTest } from '../test/helpers/fake-local-api.js';
import {
  TailscaleAbortError,
  TailscaleDaemonUnreachableError,
  TailscaleLocalApiError,
  TailscaleSchemaError,
  TailscaleTimeoutError,
} from './errors.js';
import { LocalApiClient } from './local-api.js';
import { backendStateName, type Notify } from './schemas/notify.js';

/** Polls for the in-process fake, which answers at once. */
const FAST = { intervalMs: 10 };

const STATUS = {
  Version: '1.98.10',
  BackendState: 'Running',
  TailscaleIPs: ['100.64.0.2', 'fd7a:115c:a1e0::2'],
  Self: { ID: 'n1', HostName: 'a', DNSName: 'a.mesh.internal.', TailscaleIPs: ['100.64.0.2'] },
  Health: null,
  Peer: null,
  SomethingNew: { x: 1 },
};

let fake: FakeLocalApi;
let client: LocalApiClient;
fakeLocalApiPerTest((f, c) => {
  fake = f;
  client = c;
});

describe('LocalApiClient', () => {
  it('reads status with the LocalAPI Host header and no Origin, keeping unknown fields', async () => {
    fake.on('GET status', () => ({ json: STATUS }));
    const s = await client.status();
    expect(s.BackendState).toBe('Running');
    expect(s.TailscaleIPs).toEqual(['100.64.0.2', 'fd7a:115c:a1e0::2']);
    expect((s as Record<string, unknown>)['SomethingNew']).toEqual({ x: 1 });
    const [req] = fake.seen('GET status');
    expect(req?.headers.host).toBe('local-tailscaled.sock');
    expect(req?.headers.origin).toBeUndefined();
    expect(req?.headers.referer).toBeUndefined();
  });

  it('asks for status without peers', async () => {
    fake.on('GET status', () => ({ json: STATUS }));
    await client.status({ peers: false });
    expect(fake.seen('GET status')[0]?.query.get('peers')).toBe('false');
  });

  it('patches prefs with a MaskedPrefs body', async () => {
    fake.on('PATCH prefs', (r) => ({ json: { ...JSON.parse(r.body), ControlURL: 'http://c' } }));
    const p = await client.patchPrefs({ Hostname: 'wsl', RouteAll: false });
    expect(JSON.parse(fake.seen('PATCH prefs')[0]?.body ?? '')).toEqual({
      Hostname: 'wsl',
      HostnameSet: true,
      RouteAll: false,
      RouteAllSet: true,
    });
    expect(p.Hostname).toBe('wsl');
  });

  it('starts with UpdatePrefs and AuthKey in the body', async () => {
    fake.on('POST start', () => ({ status: 204 }));
    await client.start({ UpdatePrefs: { ControlURL: 'http://c' }, AuthKey: 'hskey-auth-x' });
    expect(JSON.parse(fake.seen('POST start')[0]?.body ?? '')).toEqual({
      UpdatePrefs: { ControlURL: 'http://c' },
      AuthKey: 'hskey-auth-x',
    });
  });

  it('pings with ip and type in the query', async () => {
    fake.on('POST ping', () => ({
      json: { IP: '100.64.0.1', Endpoint: '10.99.0.3:41641', LatencySeconds: 0.001 },
    }));
    const r = await client.ping('100.64.0.1', { type: 'TSMP' });
    expect(r.Endpoint).toBe('10.99.0.3:41641');
    const q = fake.seen('POST ping')[0]?.query;
    expect(q?.get('ip')).toBe('100.64.0.1');
    expect(q?.get('type')).toBe('TSMP');
  });

  it('whois and logout reach their endpoints', async () => {
    fake.on('GET whois', () => ({
      json: { Node: { Name: 'b.mesh.internal.' }, UserProfile: { LoginName: 'lab' } },
    }));
    fake.on('POST logout', () => ({ status: 204 }));
    expect((await client.whois('100.64.0.1')).Node?.Name).toBe('b.mesh.internal.');
    await client.logout();
    expect(fake.seen('GET whois')[0]?.query.get('addr')).toBe('100.64.0.1');
    expect(fake.seen('POST logout')).toHaveLength(1);
  });

  it('turns HTTP errors into TailscaleLocalApiError with status', async () => {
    fake.on('GET prefs', () => ({ status: 403, text: 'prefs access denied' }));
    const err = await client.getPrefs().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TailscaleLocalApiError);
    expect((err as TailscaleLocalApiError).status).toBe(403);
    expect((err as Error).message).toMatch(/GET \/localapi\/v0\/prefs failed: HTTP 403/);
  });

  it('rejects answers of the wrong shape with TailscaleSchemaError', async () => {
    fake.on('GET status', () => ({ json: { BackendState: 42 } }));
    await expect(client.status()).rejects.toBeInstanceOf(TailscaleSchemaError);
    fake.on('GET status', () => ({ text: 'not json' }));
    await expect(client.status()).rejects.toBeInstanceOf(TailscaleSchemaError);
  });

  it('reports a missing daemon as TailscaleDaemonUnreachableError', async () => {
    const gone = new LocalApiClient({ socketPath: `${fake.socketPath}.nope` });
    await expect(gone.status()).rejects.toBeInstanceOf(TailscaleDaemonUnreachableError);
    await gone.close();
  });

  it('separates timeout from caller abort', async () => {
    fake.on('GET status', () => new Promise(() => undefined));
    await expect(client.status({ timeout: 100 })).rejects.toBeInstanceOf(TailscaleTimeoutError);
    const ac = new AbortController();
    const p = client.status({ signal: ac.signal, timeout: 5_000 });
    setTimeout(() => ac.abort(), 50);
    await expect(p).rejects.toBeInstanceOf(TailscaleAbortError);
  });

  it('streams the IPN bus as typed notifications until aborted', async () => {
    const ac = new AbortController();
    const got: Notify[] = [];
    const done = (async () => {
      for await (const n of client.watchIpnBus({ signal: ac.signal, mask: 2 })) {
        got.push(n);
        if (n.State === 6) ac.abort();
      }
    })();
    await until('the bus stream open', () => fake.buses.size > 0 || undefined, 5_000, FAST);
    fake.push({ Health: { Warnings: {} }, Unknown: true });
    fake.push({ State: 6 });
    await done;
    expect(got.map((n) => n.State ?? null)).toEqual([2, null, 6]);
    expect(got.map((n) => (n.State == null ? null : backendStateName(n.State)))).toEqual([
      'NeedsLogin',
      null,
      'Running',
    ]);
    expect(fake.seen('GET watch-ipn-bus')[0]?.query.get('mask')).toBe('2');
  });

  it('closes the bus stream when the consumer breaks out', async () => {
    const it = client.watchIpnBus();
    const first = it.next();
    await until('the bus stream open', () => fake.buses.size > 0 || undefined, 5_000, FAST);
    expect((await first).value).toMatchObject({ State: 2 }); // the initial state
    await it.return(undefined);
    await vi.waitFor(() => expect(fake.buses.size).toBe(0), { timeout: 1_000, interval: 10 });
  });
});
