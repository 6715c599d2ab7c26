import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { labHostEnv, MESH_CLI, onPath } from './host-env.js';

const binaries = {
  headscale: '/var/cache/mesh/bin/headscale',
  tailscale: '/var/cache/mesh/bin/tailscale',
  tailscaled: '/var/cache/mesh/bin/tailscaled',
  syncthing: '/usr/bin/syncthing',
};

describe('labHostEnv', () => {
  const env = labHostEnv({
    name: 'wsl',
    root: '/tmp/lab/hosts/wsl',
    labId: 'abc123',
    binaries,
    path: '/usr/bin:/bin',
    nodeDir: '/opt/node/bin',
  });

  it('makes the host its own machine for mesh', () => {
    expect(env).toMatchObject({
      HOME: '/tmp/lab/hosts/wsl/home',
      XDG_CONFIG_HOME: '/tmp/lab/hosts/wsl/home/.config',
      XDG_STATE_HOME: '/tmp/lab/hosts/wsl/home/.local/state',
      MESH_ROOT: '/tmp/lab/hosts/wsl',
      MESH_HOSTNAME: 'wsl',
      MESH_SERVER_HOSTNAMES: 'server',
      MESH_WSL2_HOSTNAMES: 'wsl',
      MESH_WINDOWS_HOSTNAMES: 'windows',
      MESH_ROLE: 'wsl2',
      MESH_HEADSCALE_BIN: binaries.headscale,
      MESH_TAILSCALE_BIN: binaries.tailscale,
      MESH_TAILSCALED_BIN: binaries.tailscaled,
      MESH_SYNCTHING_BIN: binaries.syncthing,
      MESH_MAGIC_DNS: 'off',
    });
  });

  it('puts the shims first, then node and the binaries, without duplicates', () => {
    expect(env['PATH']).toBe(
      '/tmp/lab/hosts/wsl/bin:/opt/node/bin:/var/cache/mesh/bin:/usr/bin:/bin',
    );
  });

  it('blanks variables that would point at the real machine', () => {
    expect(env['MESH_AUTH_KEY']).toBe('');
    expect(env['MESH_SERVER_URL']).toBe('');
    expect(env['HEADSCALE_SERVER']).toBe('');
    expect(env['MESH_TAILSCALE_SOCKET']).toBe('');
  });

  it('forces no role for a host outside the three conventional names', () => {
    const other = labHostEnv({ name: 'outside', root: '/r', labId: 'x', binaries });
    expect(other['MESH_ROLE']).toBeUndefined();
    expect(other['MESH_HOSTNAME']).toBe('outside');
  });
});

describe('onPath / MESH_CLI', () => {
  it('resolves a bare name on PATH and leaves paths alone', () => {
    expect(onPath('sh', '/nonexistent:/bin:/usr/bin')).toMatch(/^\/(usr\/)?bin\/sh$/);
    expect(onPath('no-such-program-here', '/bin')).toBe('no-such-program-here');
    expect(onPath('/x/y')).toBe('/x/y');
  });

  it('points at apps/cli/dist/mesh.cjs of this checkout', () => {
    expect(MESH_CLI).toMatch(/\/apps\/cli\/dist\/mesh\.cjs$/);
    expect(existsSync(MESH_CLI.replace(/dist\/mesh\.cjs$/, 'package.json'))).toBe(true);
  });
});
