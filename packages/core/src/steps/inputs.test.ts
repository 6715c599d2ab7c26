import { describe, expect, it } from 'vitest';
import { parseDuration } from '../duration.js';
import { isMeshError } from '../errors.js';
import { validateAuthKey } from './auth-key.js';
import { clientSetupPlan } from './client-plan.js';
import { parseTags } from './keys.js';
import { parsePostgresUrl, primaryIpv4, validateServerUrl } from './server.js';

function kindOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return isMeshError(e) ? e.kind : 'not a MeshError';
  }
  return undefined;
}

describe('input validation (bad input is exit 4 before anything changes)', () => {
  it('server URLs', () => {
    expect(validateServerUrl('http://10.0.0.1:8080/')).toBe('http://10.0.0.1:8080');
    expect(validateServerUrl('https://hs.example.test')).toBe('https://hs.example.test');
    for (const bad of ['http//x', 'ftp://x:1', '10.0.0.1:8080', 'http://x:8080/path', '']) {
      expect(
        kindOf(() => validateServerUrl(bad)),
        bad,
      ).toBe('badInput');
    }
  });

  it('auth keys', () => {
    expect(validateAuthKey('  hskey-auth-abcdefghijklmnop\n')).toBe('hskey-auth-abcdefghijklmnop');
    expect(kindOf(() => validateAuthKey(''))).toBe('badInput');
    expect(kindOf(() => validateAuthKey('two words here and more'))).toBe('badInput');
    expect(kindOf(() => validateAuthKey('short'))).toBe('badInput');
  });

  it('postgres URLs (password never in the message)', () => {
    expect(parsePostgresUrl('postgres://hs:s3cret@127.0.0.1:5433/headscale')).toEqual({
      type: 'postgres',
      host: '127.0.0.1',
      port: 5433,
      name: 'headscale',
      user: 'hs',
      password: 's3cret',
    });
    expect(parsePostgresUrl('postgresql://hs@db/headscale').port).toBe(5432);
    try {
      parsePostgresUrl('mysql://hs:s3cret@db/x');
    } catch (e) {
      expect(String((e as Error).message)).not.toContain('s3cret');
    }
    expect(kindOf(() => parsePostgresUrl('postgres://db/'))).toBe('badInput');
  });

  it('durations and tags', () => {
    // `mesh server keygen --expiration`: compound forms and days both work.
    expect(parseDuration('24h')).toBe(86_400_000);
    expect(parseDuration('30m')).toBe(1_800_000);
    expect(parseDuration('1m30s')).toBe(90_000);
    expect(parseDuration('7d')).toBe(604_800_000);
    expect(kindOf(() => parseDuration('1 day'))).toBe('badInput');
    expect(kindOf(() => parseDuration('0h'))).toBe('badInput');
    expect(parseTags('ci, tag:lab')).toEqual(['tag:ci', 'tag:lab']);
    expect(kindOf(() => parseTags('bad tag!'))).toBe('badInput');
  });

  it('primaryIpv4 skips loopback and tailnet addresses', () => {
    const nic = (address: string, internal = false) => ({
      address,
      family: 'IPv4' as const,
      internal,
      netmask: '255.255.255.0',
      mac: '00:00:00:00:00:00',
      cidr: null,
    });
    expect(
      primaryIpv4({
        lo: [nic('127.0.0.1', true)],
        tailscale0: [nic('100.64.0.1')],
        eth0: [nic('100.64.0.7'), nic('10.99.0.1')],
      }),
    ).toBe('10.99.0.1');
    expect(primaryIpv4({ lo: [nic('127.0.0.1', true)] })).toBeUndefined();
  });
});

describe('clientSetupPlan', () => {
  const ids = (p: ReturnType<typeof clientSetupPlan>) => p.map((s) => s.id);
  it('plain Linux client', () => {
    expect(
      ids(clientSetupPlan({ osType: 'ubuntu', systemd: true }, 'unknown', { peer: true })),
    ).toEqual([
      'health-check',
      'install',
      'tailscaled',
      'join',
      'save-server-url',
      'syncthing',
      'peer',
    ]);
  });
  it('WSL2 adds systemd and sshd; without systemd that step is manual', () => {
    const plan = clientSetupPlan({ osType: 'wsl2', systemd: false }, 'wsl2', { peer: false });
    expect(ids(plan)).toContain('wsl-sshd');
    expect(plan.find((s) => s.id === 'wsl-systemd')?.mode).toBe('manual');
    expect(ids(plan)).not.toContain('peer');
    // The Windows side is handed to the user (a reviewable script), never elevated silently.
    expect(plan.at(-1)).toMatchObject({ id: 'windows-script', mode: 'manual' });
  });
  it('Windows adds firewall and WSL autostart', () => {
    expect(
      ids(clientSetupPlan({ osType: 'windows', systemd: false }, 'windows', { peer: true })),
    ).toEqual(
      expect.arrayContaining(['windows-firewall', 'windows-wsl-autostart', 'windows-tailscale']),
    );
  });
});
