import { describe, expect, it } from 'vitest';
import type { MeshContext } from '../context.js';
import { agentEnv } from './agent.js';

const ctx = (role: string, env: Record<string, string>) =>
  ({ role, env, paths: { home: '/home/me' } }) as unknown as MeshContext;

const malloc = {
  MALLOC_ARENA_MAX: '1',
  MALLOC_TRIM_THRESHOLD_: '131072',
  MALLOC_MMAP_THRESHOLD_: '131072',
};

describe('agentEnv', () => {
  it('passes the settings and the detected role, never the key', () => {
    expect(
      agentEnv(
        ctx('wsl2', {
          MESH_AUTH_KEY: 'hskey-secret',
          MESH_SHARED_FOLDER_LINUX: '/srv/shared',
          MESH_EMPTY: '',
          XDG_STATE_HOME: '/home/me/.state',
          WSL_DISTRO_NAME: 'Debian',
          PATH: '/usr/bin',
        }),
      ),
    ).toEqual({
      HOME: '/home/me',
      ...malloc,
      MESH_SHARED_FOLDER_LINUX: '/srv/shared',
      XDG_STATE_HOME: '/home/me/.state',
      WSL_DISTRO_NAME: 'Debian',
      MESH_ROLE: 'wsl2',
    });
    expect(agentEnv(ctx('unknown', {}))).toEqual({ HOME: '/home/me', ...malloc });
  });
});
