import { describe, expect, it } from 'vitest';
import { ExitCode, isMeshError, MeshError, redactSecrets } from './errors.js';
import { toMeshError } from './map-error.js';
import { resolveMeshPaths } from './paths.js';

describe('MeshError', () => {
  it('is one line, redacted, with kind-based exit codes', () => {
    const e = new MeshError('join failed with hskey-auth-AbC_123-xyz\nsecond line', {
      kind: 'authRejected',
      hint: 'x',
    });
    expect(e.message).toBe('join failed with hskey-auth-[REDACTED]');
    expect(e.exitCode).toBe(ExitCode.authRejected);
    expect(isMeshError(e)).toBe(true);
    expect(isMeshError(new Error('x'))).toBe(false);
    expect(e.toJSON()).toMatchObject({ name: 'MeshError', kind: 'authRejected', exitCode: 6 });
  });

  it('has exactly the exit codes the CLI README documents, 0 to 8', () => {
    expect(Object.values(ExitCode)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('redacts keys in argv-like text', () => {
    expect(redactSecrets('tailscale up --auth-key=abc --x')).toBe(
      'tailscale up --auth-key=[REDACTED] --x',
    );
    expect(redactSecrets(`key ${'a'.repeat(48)}`)).toBe('key [REDACTED]');
  });

  it('always has a hint: that of its kind when none is given', () => {
    expect(new MeshError('x').hint).toBe('run again with --debug for details');
    expect(new MeshError('x', { kind: 'authRejected', hint: ' ' }).hint).toMatch(/keygen/);
    expect(new MeshError('x', { kind: 'badInput', hint: 'fix it' }).hint).toBe('fix it');
  });

  it('maps library errors by name and keeps their hint', () => {
    const lib = Object.assign(new Error('refused'), {
      name: 'HeadscaleConnectionError',
      hint: 'start it',
    });
    const m = toMeshError(lib, 'checking the server');
    expect(m.message).toBe('checking the server: refused');
    expect(m.hint).toBe('start it');
    expect(m.exitCode).toBe(5);
    expect(m.cause).toBe(lib);
    expect(toMeshError(Object.assign(new Error('x'), { code: 'ECONNREFUSED' })).exitCode).toBe(5);
  });
});

describe('resolveMeshPaths', () => {
  it('puts system paths under MESH_ROOT and user paths under HOME/XDG', () => {
    const p = resolveMeshPaths({
      env: {
        MESH_ROOT: '/lab/h1',
        HOME: '/lab/h1/home',
        XDG_STATE_HOME: '/lab/h1/state',
        MESH_TAILSCALED_BIN: '/bin/tsd',
      },
    });
    expect(p.headscale.configPath).toBe('/lab/h1/etc/headscale/config.yaml');
    expect(p.tailscale.socketPath).toBe('/lab/h1/var/run/tailscale/tailscaled.sock');
    expect(p.sharedFolder).toBe('/lab/h1/opt/shared');
    expect(p.serverUrlFile).toBe('/lab/h1/home/.config/mesh/headscale-server');
    expect(p.apiKeyFile).toBe('/lab/h1/state/mesh/headscale-api-key');
    expect(p.syncthingHome).toBe('/lab/h1/home/.config/syncthing');
    expect(p.binaries).toEqual({ tailscaled: '/bin/tsd' });
  });

  it('honours explicit socket, Syncthing home and shared folder overrides', () => {
    const p = resolveMeshPaths({
      env: {
        HOME: '/h',
        MESH_TAILSCALE_SOCKET: '/s.sock',
        MESH_SYNCTHING_HOME: '/st',
        MESH_SHARED_FOLDER_LINUX: '/data',
      },
    });
    expect(p.root).toBe('/');
    expect(p.headscale.stateDir).toBe('/var/lib/headscale');
    expect(p.tailscale.socketPath).toBe('/s.sock');
    expect(p.syncthingHome).toBe('/st');
    expect(p.sharedFolder).toBe('/data');
  });
});
