import { until } from '@mesh/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeLocalApi } from '../test/helpers/fake-local-api.js';
import { TailscaleTimeoutError } from './errors.js';
import { LocalApiClient } from './local-api.js';
import { StatusSchema } from './schemas/status.js';
import { findPeer, toTailnetStatus, waitForState } from './status-model.js';

const RAW = StatusSchema.parse({
  Version: '1.98.10-mesh',
  BackendState: 'Running',
  TailscaleIPs: ['100.64.0.1', 'fd7a:115c:a1e0::1'],
  Self: {
    ID: 'nS',
    HostName: 'server',
    DNSName: 'server.mesh.internal.',
    OS: 'linux',
    Online: true,
  },
  Health: [],
  MagicDNSSuffix: 'mesh.internal',
  Peer: {
    'nodekey:bb': {
      ID: 'nB',
      HostName: 'wsl',
      DNSName: 'wsl.mesh.internal.',
      OS: 'linux',
      TailscaleIPs: ['100.64.0.2', 'fd7a:115c:a1e0::2'],
      CurAddr: '10.99.0.2:41641',
      Relay: 'mesh',
      Online: true,
      LastHandshake: '2026-11-26T13:00:00Z',
    },
    'nodekey:cc': {
      ID: 'nC',
      HostName: 'windows',
      DNSName: 'windows.mesh.internal.',
      OS: 'windows',
      TailscaleIPs: ['100.64.0.3'],
      CurAddr: '',
      Relay: 'mesh',
      Online: false,
      LastHandshake: '0001-01-01T00:00:00Z',
    },
  },
});

describe('toTailnetStatus', () => {
  it('flattens self and peers, telling direct from relayed', () => {
    const s = toTailnetStatus(RAW);
    expect(s.backendState).toBe('Running');
    expect(s.self?.dnsName).toBe('server.mesh.internal');
    expect(s.peers.map((p) => [p.hostname, p.path, p.online, p.currentAddress])).toEqual([
      ['windows', 'relay', false, null],
      ['wsl', 'direct', true, '10.99.0.2:41641'],
    ]);
    expect(s.peers[1]?.lastHandshake?.toISOString()).toBe('2026-11-26T13:00:00.000Z');
    expect(s.peers[0]?.lastHandshake).toBeNull();
  });

  it('counts a peer whose key expired as offline, though tailscaled still lists it online', () => {
    // What a node that has just logged out looks like to its peers for some seconds.
    const left = StatusSchema.parse({
      ...RAW,
      Peer: {
        'nodekey:dd': {
          ID: 'nD',
          HostName: 'laptop',
          TailscaleIPs: ['100.64.0.4'],
          Online: true,
          Expired: true,
          KeyExpiry: '2026-12-02T14:34:33Z',
        },
      },
    });
    expect(toTailnetStatus(left).peers.map((p) => [p.hostname, p.online])).toEqual([
      ['laptop', false],
    ]);
  });

  it('finds peers by IP, MagicDNS name, short name, hostname and ID', () => {
    const s = toTailnetStatus(RAW);
    expect(findPeer(s, '100.64.0.3')?.hostname).toBe('windows');
    expect(findPeer(s, 'fd7a:115c:a1e0::2')?.hostname).toBe('wsl');
    expect(findPeer(s, 'wsl.mesh.internal.')?.hostname).toBe('wsl');
    expect(findPeer(s, 'WINDOWS')?.hostname).toBe('windows');
    expect(findPeer(s, 'nB')?.hostname).toBe('wsl');
    expect(findPeer(s, 'nope')).toBeUndefined();
  });
});

describe('waitForState', () => {
  let fake: FakeLocalApi | undefined;
  afterEach(async () => {
    await fake?.close();
  });

  it('resolves when the bus reports the state, and times out otherwise', async () => {
    fake = await FakeLocalApi.start();
    const client = new LocalApiClient({ socketPath: fake.socketPath });
    const p = waitForState(client, 'Running', { timeout: 5_000 });
    const buses = fake.buses;
    await until('the bus stream open', () => buses.size > 0 || undefined, 5_000, {
      intervalMs: 5,
    });
    fake.push({ State: 5 });
    fake.push({ State: 6 });
    await expect(p).resolves.toBeUndefined();
    await expect(waitForState(client, 'Stopped', { timeout: 200 })).rejects.toBeInstanceOf(
      TailscaleTimeoutError,
    );
    await client.close();
  });
});
