import { expect, it } from 'vitest';
import { bareHostShims } from './bare-host.js';

it('points the shims at the host root, with the binaries its environment names', () => {
  const root = '/tmp/lab/hosts/wsl';
  const env = {
    MESH_TAILSCALE_BIN: '/opt/bin/tailscale',
    MESH_HEADSCALE_BIN: '/opt/bin/headscale',
  };
  expect(bareHostShims(root, env, '/repo/apps/cli/dist/mesh.js')).toEqual([
    ['mesh', [process.execPath, '/repo/apps/cli/dist/mesh.js']],
    ['tailscale', ['/opt/bin/tailscale', `--socket=${root}/var/run/tailscale/tailscaled.sock`]],
    ['headscale', ['/opt/bin/headscale', '-c', `${root}/etc/headscale/config.yaml`]],
  ]);
});

it('falls back to the bare program names', () => {
  const shims = bareHostShims('/r', {}, '/m.js');
  expect(shims.map(([name, argv]) => [name, argv[0]])).toEqual([
    ['mesh', process.execPath],
    ['tailscale', 'tailscale'],
    ['headscale', 'headscale'],
  ]);
});
