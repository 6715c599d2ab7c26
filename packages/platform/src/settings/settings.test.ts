import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PlatformConfigError } from '../errors.js';
import { meshDirs, readSavedServerUrl, resolveServerUrl, writeSavedServerUrl } from './dirs.js';
import { loadSettings, parseSettings } from './settings.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'mesh-settings-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('settings', () => {
  it('defaults', () => {
    expect(parseSettings({})).toEqual({
      serverHostnames: [],
      wsl2Hostnames: [],
      windowsHostnames: [],
      defaultUser: 'user',
      sharedFolderLinux: '/opt/shared',
      sharedFolderWindows: 'C:\\shared',
      agentForgetAfterS: 600,
      agentRecheckAfterS: 60,
    });
    expect(parseSettings({ USER: 'alice' }).defaultUser).toBe('alice');
    expect(parseSettings({ MESH_AGENT_FORGET_AFTER: '30' }).agentForgetAfterS).toBe(30);
    expect(() => parseSettings({ MESH_AGENT_FORGET_AFTER: '10m' })).toThrow(
      /MESH_AGENT_FORGET_AFTER/,
    );
  });

  it('reads .env from the directory or its parent; the environment wins', async () => {
    await writeFile(
      path.join(dir, '.env'),
      '# settings\nMESH_SERVER_HOSTNAMES=Hub, hub2\nMESH_DEFAULT_USER=mesh\nMESH_SHARED_FOLDER_LINUX="/srv/shared"\nMESH_SERVER_URL=http://10.99.0.1:8080/\n',
    );
    await mkdir(path.join(dir, 'sub'));
    const s = await loadSettings({ dir: path.join(dir, 'sub'), env: { MESH_DEFAULT_USER: 'bob' } });
    expect(s).toMatchObject({
      serverHostnames: ['hub', 'hub2'],
      defaultUser: 'bob',
      sharedFolderLinux: '/srv/shared',
      serverUrl: 'http://10.99.0.1:8080',
      envFile: path.join(dir, '.env'),
    });
  });

  it('names the bad variable', async () => {
    const bad = (vars: Record<string, string>) => {
      try {
        parseSettings(vars);
      } catch (e) {
        return e;
      }
      throw new Error('no error');
    };
    const e = bad({ MESH_SHARED_FOLDER_LINUX: 'relative/dir' });
    expect(e).toBeInstanceOf(PlatformConfigError);
    expect(e).toMatchObject({ variable: 'MESH_SHARED_FOLDER_LINUX', name: 'PlatformConfigError' });
    expect(String((e as Error).message)).toMatch(
      /^MESH_SHARED_FOLDER_LINUX: expected an absolute POSIX path/,
    );
    expect(bad({ MESH_SERVER_URL: 'hs.local:8080' })).toMatchObject({
      variable: 'MESH_SERVER_URL',
    });
    expect(bad({ MESH_SHARED_FOLDER_WINDOWS: '/opt' })).toMatchObject({
      variable: 'MESH_SHARED_FOLDER_WINDOWS',
    });
    expect(bad({ MESH_WSL2_HOSTNAMES: 'pc;rm' })).toMatchObject({
      variable: 'MESH_WSL2_HOSTNAMES',
    });
  });
});

describe('dirs and the saved server URL', () => {
  it('config/state dirs per OS', () => {
    expect(meshDirs({ platform: 'linux', env: {}, home: '/home/u' })).toEqual({
      config: '/home/u/.config/mesh',
      state: '/home/u/.local/state/mesh',
    });
    expect(
      meshDirs({
        platform: 'linux',
        env: { XDG_CONFIG_HOME: '/x/c', XDG_STATE_HOME: 'rel' },
        home: '/h',
      }),
    ).toEqual({
      config: '/x/c/mesh',
      state: '/h/.local/state/mesh',
    });
    expect(
      meshDirs({
        platform: 'win32',
        env: {
          APPDATA: 'C:\\Users\\u\\AppData\\Roaming',
          LOCALAPPDATA: 'C:\\Users\\u\\AppData\\Local',
        },
      }),
    ).toEqual({
      config: 'C:\\Users\\u\\AppData\\Roaming\\mesh',
      state: 'C:\\Users\\u\\AppData\\Local\\mesh',
    });
    expect(meshDirs({ platform: 'darwin', env: {}, home: '/Users/u' })).toEqual({
      config: '/Users/u/Library/Preferences/mesh',
      state: '/Users/u/Library/Application Support/mesh',
    });
  });

  it('writes ~/.config/mesh/headscale-server atomically and reads it back', async () => {
    const o = { root: dir, platform: 'linux' as const, env: {}, home: '/home/u' };
    expect(await readSavedServerUrl(o)).toBeUndefined();
    const w = await writeSavedServerUrl('http://10.99.0.1:8080/', o);
    expect(w).toEqual({
      changed: true,
      path: path.join(dir, 'home/u/.config/mesh/headscale-server'),
    });
    expect(await readFile(w.path, 'utf8')).toBe('http://10.99.0.1:8080\n');
    expect((await stat(w.path)).mode & 0o777).toBe(0o644);
    expect((await writeSavedServerUrl('http://10.99.0.1:8080', o)).changed).toBe(false);
    expect(await readSavedServerUrl(o)).toBe('http://10.99.0.1:8080');
    expect(await resolveServerUrl({ ...o })).toEqual({
      url: 'http://10.99.0.1:8080',
      source: 'saved',
    });
    expect(await resolveServerUrl({ ...o, settings: { serverUrl: 'http://a:1' } })).toEqual({
      url: 'http://a:1',
      source: 'MESH_SERVER_URL',
    });
    expect(await resolveServerUrl({ ...o, option: 'http://b:2/' })).toEqual({
      url: 'http://b:2',
      source: 'option',
    });
  });

  it('macOS falls back to the ~/.config/mesh file of older installs', async () => {
    const o = { root: dir, platform: 'darwin' as const, env: {}, home: '/Users/u' };
    await mkdir(path.join(dir, 'Users/u/.config/mesh'), { recursive: true });
    await writeFile(
      path.join(dir, 'Users/u/.config/mesh/headscale-server'),
      'https://hs.example.test\n',
    );
    expect(await readSavedServerUrl(o)).toBe('https://hs.example.test');
  });
});
