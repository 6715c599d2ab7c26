import { describe, expect, it } from 'vitest';
import { resolvePeerHost } from './wait-peers.js';

const peer = (hostname: string, dnsName: string, ips: string[]) =>
  ({ hostname, dnsName, ips }) as never;
const status = {
  peers: [peer('build-server', 'build-server.mesh.internal', ['100.64.0.1', 'fd7a:115c:a1e0::1'])],
};

describe('resolvePeerHost', () => {
  it('keeps IP literals', () => {
    expect(resolvePeerHost(status, '100.64.0.9')).toBe('100.64.0.9');
    expect(resolvePeerHost(status, 'fd7a:115c:a1e0::9')).toBe('fd7a:115c:a1e0::9');
  });
  it('resolves hostnames and MagicDNS names to the IPv4', () => {
    expect(resolvePeerHost(status, 'Build-Server')).toBe('100.64.0.1');
    expect(resolvePeerHost(status, 'build-server.mesh.internal.')).toBe('100.64.0.1');
  });
  it('is undefined for a peer not (yet) in the tailnet', () => {
    expect(resolvePeerHost(status, 'other')).toBeUndefined();
  });
});
