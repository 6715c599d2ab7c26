import {
  type PeerStatus,
  type Status,
  TailscaleDaemonUnreachableError,
  TailscaleLocalApiError,
  TailscaleSchemaError,
  TailscaleTimeoutError,
  toTailnetStatus,
} from '@mesh/tailscale';
import { describe, expect, it } from 'vitest';
import { nodeStanding } from '../standing.js';
import {
  ipv4Of,
  latencyMsOf,
  offlinePeersCheck,
  peerReports,
  pingFailureCheck,
  reachCheck,
  standingCheck,
  tailscaledDownCheck,
} from './tailscale-checks.js';

const NOW = Date.parse('2026-11-29T12:00:00Z');
const SETUP = 'mesh client setup --server URL --key-file FILE';
const SOCKET = '/var/run/mesh/tailscaled.sock';

const peer = (HostName: string, ip: string, o: Partial<PeerStatus> = {}): PeerStatus => ({
  HostName,
  DNSName: `${HostName}.mesh.internal.`,
  TailscaleIPs: [ip, 'fd7a:115c:a1e0::3'],
  Online: true,
  ...o,
});

const status = (BackendState: string, o: Partial<Status> = {}): Status => ({
  BackendState,
  TailscaleIPs: ['100.64.0.2', 'fd7a:115c:a1e0::2'],
  Self: { HostName: 'hub', KeyExpiry: '2027-01-01T00:00:00Z' },
  Peer: {
    'nodekey:1': peer('laptop', '100.64.0.3', { CurAddr: '192.168.1.20:41641' }),
    'nodekey:2': peer('wsl', '100.64.0.4', { Relay: 'fra' }),
    'nodekey:3': peer('nas', '100.64.0.5', { Online: false }),
  },
  ...o,
});

describe('tailscaledDownCheck', () => {
  it('on a joined machine, doctor starts tailscaled again without a key', () => {
    expect(tailscaledDownCheck(SOCKET, true, SETUP)).toEqual({
      section: 'tailscale',
      name: 'daemon',
      level: 'fail',
      message: `tailscaled is not running (${SOCKET})`,
      fix: 'mesh doctor --fix starts it (no key needed)',
    });
  });

  it('on a machine never joined, the fix is setup', () => {
    expect(tailscaledDownCheck(SOCKET, false, SETUP).fix).toBe(SETUP);
  });

  it('no daemon on the socket is "not running"', () => {
    const gone = new TailscaleDaemonUnreachableError(SOCKET);
    expect(tailscaledDownCheck(SOCKET, true, SETUP, gone).message).toBe(
      `tailscaled is not running (${SOCKET})`,
    );
  });

  it('a daemon that answers wrongly is named as such, with its reason and hint', () => {
    const refused = new TailscaleLocalApiError('GET', '/localapi/v0/status', 403, 'access denied');
    const check = tailscaledDownCheck(SOCKET, true, SETUP, refused);
    expect(check).toMatchObject({ section: 'tailscale', name: 'daemon', level: 'fail' });
    expect(check.message).toBe(
      `tailscaled is on ${SOCKET}, but its status could not be read: GET /localapi/v0/status failed: HTTP 403: access denied`,
    );
    expect(check.fix).toMatch(/\S/);
  });
});

describe('standingCheck', () => {
  const check = (s: Status) => {
    const ts = toTailnetStatus(s);
    return standingCheck(nodeStanding(ts, NOW), ipv4Of(ts.ips));
  };

  it('is ok when the node runs in the tailnet, with its IPv4 address', () => {
    expect(check(status('Running'))).toEqual({
      section: 'tailscale',
      name: 'connected',
      level: 'ok',
      message: 'Tailscale is connected, IP: 100.64.0.2',
    });
    expect(standingCheck(nodeStanding(toTailnetStatus(status('Running')), NOW), undefined)).toEqual(
      expect.objectContaining({ message: 'Tailscale is connected, IP: ?' }),
    );
  });

  it('fails a stopped tailnet under its own name', () => {
    expect(check(status('Stopped'))).toEqual({
      section: 'tailscale',
      name: 'stopped',
      level: 'fail',
      message: 'Tailscale is stopped on this node (tailscale down)',
      fix: 'mesh doctor --fix brings it up again (no key needed)',
    });
  });

  it('fails a node whose key expired: it needs a new login', () => {
    expect(
      check(status('Running', { Self: { HostName: 'hub', KeyExpiry: '2026-11-29T11:00:00Z' } })),
    ).toEqual({
      section: 'tailscale',
      name: 'connected',
      level: 'fail',
      message: "This node's key expired at 2026-11-29T11:00:00Z: it needs a new login",
      fix: 'mesh client join --key-file FILE (a new key from mesh server keygen on the server)',
    });
  });

  it('fails a node that needs a login (logged out, or unknown to the server)', () => {
    expect(check(status('NeedsLogin'))).toEqual({
      section: 'tailscale',
      name: 'connected',
      level: 'fail',
      message:
        'This node needs a new login (logged out, its key expired, or the control server removed it)',
      fix: 'mesh client join --key-file FILE (a new key from mesh server keygen on the server)',
    });
  });

  it('fails a node waiting for approval, and one still starting', () => {
    expect(check(status('NeedsMachineAuth'))).toMatchObject({
      name: 'connected',
      level: 'fail',
      message: 'This node waits for approval at the control server',
    });
    expect(check(status('Starting'))).toMatchObject({
      name: 'connected',
      level: 'fail',
      message: 'Tailscale is still starting (state Starting)',
    });
  });
});

describe('peerReports', () => {
  it('lists every peer with its IPv4 address, whether it is online, and its path', () => {
    expect(peerReports(toTailnetStatus(status('Running')))).toEqual([
      { hostname: 'laptop', ip: '100.64.0.3', online: true, path: 'direct' },
      { hostname: 'nas', ip: '100.64.0.5', online: false, path: 'none' },
      { hostname: 'wsl', ip: '100.64.0.4', online: true, path: 'relay' },
    ]);
  });
});

describe('latencyMsOf', () => {
  it('turns seconds into ms with one decimal, and a pong without latency into none', () => {
    expect(latencyMsOf({ IP: '100.64.0.3', LatencySeconds: 0.012_345 })).toBe(12.3);
    expect(latencyMsOf({ IP: '100.64.0.3', Err: 'timeout' })).toBeUndefined();
  });
});

describe('pingFailureCheck', () => {
  it('a peer that does not answer in time is only shown without latency', () => {
    expect(
      pingFailureCheck(new TailscaleTimeoutError('POST /localapi/v0/ping?ip=100.64.0.3', 3000)),
    ).toBeUndefined();
  });

  it('a ping tailscaled refuses is a warning naming why, with its fix', () => {
    const denied = new TailscaleLocalApiError(
      'POST',
      '/localapi/v0/ping?ip=100.64.0.3&type=disco',
      403,
      'ping access denied',
    );
    expect(pingFailureCheck(denied)).toEqual({
      section: 'tailscale',
      name: 'latency',
      level: 'warn',
      message:
        'Peer latency could not be measured: POST /localapi/v0/ping?ip=100.64.0.3&type=disco failed: HTTP 403: ping access denied',
      fix: 'the LocalAPI denied access: run as root or as the tailscaled operator user',
    });
    expect(pingFailureCheck(new TailscaleDaemonUnreachableError(SOCKET))).toMatchObject({
      level: 'warn',
      message: `Peer latency could not be measured: cannot reach tailscaled at ${SOCKET}`,
    });
    expect(
      pingFailureCheck(new TailscaleSchemaError('ping: unexpected answer: LatencySeconds')),
    ).toMatchObject({
      level: 'warn',
      message: 'Peer latency could not be measured: ping: unexpected answer: LatencySeconds',
    });
  });
});

describe('reachCheck', () => {
  it('has nothing to say when a peer answers, or when none is online to ask', () => {
    expect(reachCheck({ asked: 2, answered: true })).toBeUndefined();
    expect(reachCheck({ asked: 0, answered: false })).toBeUndefined();
  });

  it('fails a node no online peer answers: cut off, or removed by the control server', () => {
    expect(reachCheck({ asked: 2, answered: false })).toEqual({
      section: 'tailscale',
      name: 'reach',
      level: 'fail',
      message:
        'This node reaches none of its 2 online peer(s) over the tailnet: its network is cut, or the control server removed this node',
      fix: "check this machine's network; if the server no longer lists this node, join again: mesh server keygen on the server, then mesh client join --key-file FILE",
    });
  });
});

describe('offlinePeersCheck', () => {
  it('warns of offline peers by name, and is silent when all are online', () => {
    const peers = peerReports(toTailnetStatus(status('Running')));
    expect(offlinePeersCheck(peers)).toEqual({
      section: 'tailscale',
      name: 'peers',
      level: 'warn',
      message: '1 peer(s) offline: nas',
    });
    expect(offlinePeersCheck(peers.filter((p) => p.online))).toBeUndefined();
  });
});
