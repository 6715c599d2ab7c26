import type { Status } from '@mesh/tailscale';
import { describe, expect, it } from 'vitest';
import { newlyOnline, onlinePeers } from './joining-peers.js';

const peer = (
  ip: string,
  o: { Online?: boolean; Expired?: boolean; Relay?: string; CurAddr?: string },
) => ({
  TailscaleIPs: [ip, 'fd7a:115c:a1e0::9'],
  ...o,
});

describe('onlinePeers', () => {
  it('lists online peers by IPv4, with or without an address to send to, not expired ones', () => {
    const s = {
      BackendState: 'Running',
      Peer: {
        a: peer('100.64.0.1', { Online: true, Relay: '999' }),
        b: peer('100.64.0.2', { Online: true, CurAddr: '10.99.0.2:41641' }),
        c: peer('100.64.0.3', { Online: true, Relay: '' }),
        d: peer('100.64.0.4', { Online: false, Relay: '999' }),
        // Logged out a moment ago: still listed online, its key expired.
        e: peer('100.64.0.5', { Online: true, Expired: true, Relay: '999' }),
      },
    } as unknown as Status;
    expect([...(onlinePeers(s) ?? [])]).toEqual(['100.64.0.1', '100.64.0.2', '100.64.0.3']);
    expect(onlinePeers({ ...s, BackendState: 'Stopped' })).toBeUndefined();
  });
});

describe('newlyOnline', () => {
  const set = (...ips: string[]) => new Set(ips);
  it('names peers that were not online at the last look', () => {
    expect(newlyOnline(set('100.64.0.1'), set('100.64.0.1', '100.64.0.5'))).toEqual(['100.64.0.5']);
    expect(newlyOnline(set(), set('100.64.0.5'))).toEqual(['100.64.0.5']);
  });
  it('names none at the first look, or the first after this node was not Running', () => {
    expect(newlyOnline(undefined, set('100.64.0.1'))).toEqual([]);
    expect(newlyOnline(set('100.64.0.1'), undefined)).toEqual([]);
  });
});
