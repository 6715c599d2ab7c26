import { describe, expect, it } from 'vitest';
import { resolveLabBinary } from './binaries.js';
import { labBinary, planStart } from './lab-options.js';

describe('planStart', () => {
  it('starts headscale and a joined tailnet by default, syncthing only when asked', () => {
    expect(planStart({})).toEqual({
      headscale: true,
      tailscale: true,
      syncthing: false,
      programs: ['socat', 'headscale', 'tailscale', 'tailscaled'],
    });
    expect(planStart({ syncthing: true }).programs).toEqual([
      'socat',
      'headscale',
      'tailscale',
      'tailscaled',
      'syncthing',
    ]);
  });

  it('keeps headscale when the tailnet needs it, and drops it otherwise', () => {
    expect(planStart({ headscale: false })).toMatchObject({ headscale: true, tailscale: true });
    expect(planStart({ tailscale: false })).toMatchObject({
      headscale: true,
      tailscale: false,
      programs: ['socat', 'headscale'],
    });
    expect(planStart({ headscale: false, tailscale: false }).programs).toEqual(['socat']);
  });

  it('refuses daemons of its own on systemd hosts, and needs every program there', () => {
    expect(() => planStart({ machines: 'systemd' })).toThrow(
      'systemd hosts start no daemon of the lab',
    );
    expect(() =>
      planStart({ machines: 'systemd', headscale: false, tailscale: false, syncthing: true }),
    ).toThrow('systemd hosts start no daemon of the lab');
    expect(
      planStart({ machines: 'systemd', headscale: false, tailscale: false, syncthing: false }),
    ).toEqual({
      headscale: false,
      tailscale: false,
      syncthing: false,
      programs: ['socat', 'headscale', 'tailscale', 'tailscaled', 'syncthing'],
    });
  });
});

describe('labBinary', () => {
  it("uses each program's own option", () => {
    const o = {
      headscaleBinary: '/opt/hs',
      tailscaleBinary: '/opt/ts',
      tailscaledBinary: '/opt/tsd',
      syncthingBinary: '/opt/st',
    };
    expect(labBinary(o, 'headscale')).toBe('/opt/hs');
    expect(labBinary(o, 'tailscale')).toBe('/opt/ts');
    expect(labBinary(o, 'tailscaled')).toBe('/opt/tsd');
    expect(labBinary(o, 'syncthing')).toBe('/opt/st');
  });

  it('resolves the rest as resolveLabBinary does (socat has no option)', () => {
    expect(labBinary({ headscaleBinary: '/opt/hs' }, 'socat')).toBe(resolveLabBinary('socat'));
    expect(labBinary({}, 'tailscaled')).toBe(resolveLabBinary('tailscaled'));
  });
});
