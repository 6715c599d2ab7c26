import { describe, expect, it } from 'vitest';
import { MACHINE_CLI_DIR } from './machine.js';
import { machineBinds, machineHostEnv, meshLauncher } from './machine-host.js';

describe('machineHostEnv', () => {
  const roleLists = {
    MESH_SERVER_HOSTNAMES: 'server',
    MESH_WSL2_HOSTNAMES: 'wsl',
    MESH_WINDOWS_HOSTNAMES: 'windows',
  };

  it('lets mesh detect WSL2 on the wsl host instead of forcing the role', () => {
    expect(machineHostEnv('wsl')).toEqual({ ...roleLists, WSL_DISTRO_NAME: 'Debian' });
  });

  it('forces the role of the other conventional hosts, and of no other', () => {
    expect(machineHostEnv('server')).toEqual({ ...roleLists, MESH_ROLE: 'server' });
    expect(machineHostEnv('windows')).toEqual({ ...roleLists, MESH_ROLE: 'windows' });
    expect(machineHostEnv('alpha')).toEqual(roleLists);
  });
});

it('launches the bound bundle with the bound node', () => {
  expect(meshLauncher('/repo/apps/cli/dist/mesh.cjs')).toBe(
    `#!/bin/sh\nexec /usr/local/bin/node ${MACHINE_CLI_DIR}/mesh.cjs "$@"\n`,
  );
});

it('binds node, the CLI directory and the four programs into /usr/local/bin', () => {
  expect(machineBinds('/repo/apps/cli/dist/mesh.cjs', (p) => `/real/${p}`)).toEqual([
    { from: process.execPath, to: '/usr/local/bin/node' },
    { from: '/repo/apps/cli/dist', to: MACHINE_CLI_DIR },
    { from: '/real/headscale', to: '/usr/local/bin/headscale' },
    { from: '/real/tailscale', to: '/usr/local/bin/tailscale' },
    { from: '/real/tailscaled', to: '/usr/local/bin/tailscaled' },
    { from: '/real/syncthing', to: '/usr/local/bin/syncthing' },
  ]);
});

it('binds a single-file mesh alone as /usr/local/bin/mesh: no Node on the machine', () => {
  expect(machineBinds('/repo/apps/cli/dist-bin/mesh', (p) => `/real/${p}`, [])).toEqual([
    { from: '/repo/apps/cli/dist-bin/mesh', to: '/usr/local/bin/mesh' },
  ]);
});
