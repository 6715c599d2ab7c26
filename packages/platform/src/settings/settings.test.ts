import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PlatformConfigError } from '../errors.js';
import { HEADSCALE_RELEASES_URL, TAILSCALE_PACKAGES_URL } from '../packages/release-sources.js';
import { meshDirs, readSavedServerUrl, resolveServerUrl, writeSavedServerUrl } from './dirs.js';
import { loadSettings, parseSettings } from './settings.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'mesh-settings-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('settings', () => {
  it('refuses a MESH_DEFAULT_USER that names no account, naming the file and line', async () => {
    const alice = { name: 'alice', uid: 1000, gid: 1000, home: '/home/alice' };
    const lookupUser = async (name: string) => (name === 'alice' ? alice : undefined);
    await writeFile(path.join(dir, '.env'), 'OTHER=1\r\nMESH_DEFAULT_USER=alcie\r\n');
    const error = await loadSettings({ dir, env: {}, lookupUser }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PlatformConfigError);
    expect((error as Error).message).toBe(
      `${path.join(dir, '.env')}:2: MESH_DEFAULT_USER: names the user "alcie", who does not exist on this machine`,
    );
    expect((error as PlatformConfigError).hint).toContain('useradd --create-home alcie');
    await expect(
      loadSettings({ dir, env: { MESH_DEFAULT_USER: 'bob' }, lookupUser }),
    ).rejects.toThrow(/^MESH_DEFAULT_USER: names the user "bob", who does not exist/);
    const found = await loadSettings({ dir, env: { MESH_DEFAULT_USER: 'alice' }, lookupUser });
    expect(found.defaultUserAccount).toEqual(alice);
    // Unset, nobody is looked up: Syncthing runs as whoever runs setup.
    await writeFile(path.join(dir, '.env'), 'OTHER=1\n');
    expect((await loadSettings({ dir, env: {}, lookupUser })).defaultUserAccount).toBeUndefined();
  });

  it('defaults', () => {
    expect(parseSettings({})).toMatchObject({
      serverHostnames: [],
      wsl2Hostnames: [],
      windowsHostnames: [],
      defaultUser: 'user',
      sharedFolderLinux: '/opt/shared',
      sharedFolderWindows: 'C:\\shared',
      agentForgetAfterS: 600,
      agentRecheckAfterS: 60,
      envFiles: [],
      variables: {},
    });
    expect(parseSettings({}).sources['MESH_SHARED_FOLDER_LINUX']).toBe('default');
    expect(parseSettings({ MESH_ROLE: 'server' }).sources['MESH_ROLE']).toBe('env');
    expect(parseSettings({ USER: 'alice' }).defaultUser).toBe('alice');
    expect(parseSettings({ MESH_AGENT_FORGET_AFTER: '30' }).agentForgetAfterS).toBe(30);
    expect(() => parseSettings({ MESH_AGENT_FORGET_AFTER: '10m' })).toThrow(
      /MESH_AGENT_FORGET_AFTER/,
    );
    expect(parseSettings({}).magicDns).toBe(true);
    expect(parseSettings({ MESH_MAGIC_DNS: 'off' }).magicDns).toBe(false);
    expect(() => parseSettings({ MESH_MAGIC_DNS: 'no' })).toThrow(
      /^MESH_MAGIC_DNS: expected on or off/,
    );
  });

  it('package sources: the upstream ones by default, else an http(s) URL without query', () => {
    expect(parseSettings({})).toMatchObject({
      tailscalePackagesUrl: TAILSCALE_PACKAGES_URL,
      headscaleReleasesUrl: HEADSCALE_RELEASES_URL,
    });
    const set = parseSettings({
      MESH_TAILSCALE_PACKAGES_URL: 'http://mirror.lan/tailscale/stable/',
      MESH_HEADSCALE_RELEASES_URL: 'https://mirror.lan/headscale',
    });
    expect(set.tailscalePackagesUrl).toBe('http://mirror.lan/tailscale/stable');
    expect(set.headscaleReleasesUrl).toBe('https://mirror.lan/headscale');
    expect(() => parseSettings({ MESH_TAILSCALE_PACKAGES_URL: 'ftp://mirror.lan/ts' })).toThrow(
      /^MESH_TAILSCALE_PACKAGES_URL: expected an http:\/\/ or https:\/\/ URL/,
    );
    expect(() =>
      parseSettings({ MESH_HEADSCALE_RELEASES_URL: 'https://mirror.lan/hs#latest' }),
    ).toThrow(
      'MESH_HEADSCALE_RELEASES_URL: expected an http(s) URL without ?query or #fragment, got "https://mirror.lan/hs#latest"',
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

describe('settings from the environment, ./.env and ../.env', () => {
  /** dir/project/.env is ./.env and dir/.env is ../.env for a run in dir/project. */
  async function nested(here: string | undefined, parent: string | undefined) {
    const cwd = path.join(dir, 'project');
    await mkdir(cwd, { recursive: true });
    if (here !== undefined) await writeFile(path.join(cwd, '.env'), here);
    if (parent !== undefined) await writeFile(path.join(dir, '.env'), parent);
    return { cwd, here: path.join(cwd, '.env'), parent: path.join(dir, '.env') };
  }

  async function fault(p: Promise<unknown>): Promise<PlatformConfigError> {
    const e = await p.then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(e).toBeInstanceOf(PlatformConfigError);
    expect((e as Error).message).not.toContain('\n');
    return e as PlatformConfigError;
  }

  it('first found wins per variable: environment, then ./.env, then ../.env', async () => {
    const f = await nested(
      'MESH_SERVER_HOSTNAMES=hub\nMESH_DEFAULT_USER=filed\nMESH_ROLE=\n',
      'MESH_SERVER_HOSTNAMES=other\nMESH_SHARED_FOLDER_LINUX=/srv/shared\nMESH_ROLE=server\nNODE_ENV=production\n',
    );
    const s = await loadSettings({
      dir: f.cwd,
      env: { MESH_DEFAULT_USER: 'bob', MESH_SERVER_URL: '', MESH_SKIP_LAB: '1' },
    });
    expect(s).toMatchObject({
      serverHostnames: ['hub'],
      defaultUser: 'bob',
      sharedFolderLinux: '/srv/shared',
      envFile: f.here,
      envFiles: [f.here, f.parent],
    });
    expect(s.sources).toMatchObject({
      MESH_SERVER_HOSTNAMES: f.here,
      MESH_DEFAULT_USER: 'env',
      MESH_SHARED_FOLDER_LINUX: f.parent,
      // Empty in ./.env counts as unset, so ../.env gives it.
      MESH_ROLE: f.parent,
      MESH_SERVER_URL: 'default',
    });
    expect(s.variables).toEqual({
      MESH_SERVER_HOSTNAMES: 'hub',
      MESH_DEFAULT_USER: 'bob',
      MESH_SHARED_FOLDER_LINUX: '/srv/shared',
      MESH_ROLE: 'server',
    });
  });

  it('an empty environment variable counts as unset; the file gives the value', async () => {
    const f = await nested('MESH_SHARED_FOLDER_LINUX=/srv/a\n', undefined);
    const s = await loadSettings({ dir: f.cwd, env: { MESH_SHARED_FOLDER_LINUX: '' } });
    expect(s.sharedFolderLinux).toBe('/srv/a');
    expect(s.sources['MESH_SHARED_FOLDER_LINUX']).toBe(f.here);
    expect(s.envFiles).toEqual([f.here]);
  });

  it('envFile replaces the search; fallback files rank last', async () => {
    const f = await nested('MESH_ROLE=wsl2\n', 'MESH_HOSTNAME=pc\n');
    const named = path.join(dir, 'named.env');
    await writeFile(named, 'MESH_SERVER_HOSTNAMES=named\n');
    const s = await loadSettings({ dir: f.cwd, envFile: named, env: {} });
    expect(s.envFiles).toEqual([named]);
    expect(s.serverHostnames).toEqual(['named']);
    expect(s.variables['MESH_ROLE']).toBeUndefined();
    expect(s.sources['MESH_SERVER_HOSTNAMES']).toBe(named);

    const t = await loadSettings({ dir: f.cwd, fallbackEnvFiles: [named], env: {} });
    expect(t.envFiles).toEqual([f.here, f.parent, named]);
    expect(t.variables).toEqual({
      MESH_SERVER_HOSTNAMES: 'named',
      MESH_ROLE: 'wsl2',
      MESH_HOSTNAME: 'pc',
    });
    const missing = await fault(
      loadSettings({ dir: f.cwd, envFile: path.join(dir, 'typo.env'), env: {} }),
    );
    expect(missing.message).toBe(`.env: ${path.join(dir, 'typo.env')} does not exist`);
  });

  it('reads a BOM and CRLF line endings as usual', async () => {
    const f = await nested(
      '\uFEFFMESH_SERVER_HOSTNAMES=hub\r\nMESH_SHARED_FOLDER_LINUX="/srv/q"\r\n# note\r\nMESH_ROLE=server\r\n',
      undefined,
    );
    const s = await loadSettings({ dir: f.cwd, env: {} });
    expect(s.variables).toEqual({
      MESH_SERVER_HOSTNAMES: 'hub',
      MESH_SHARED_FOLDER_LINUX: '/srv/q',
      MESH_ROLE: 'server',
    });
    const bad = await nested(undefined, '\uFEFFA=1\r\nMESH_SHARED_FOLDER_LINUX=rel\r\n');
    expect((await fault(loadSettings({ dir: bad.cwd, env: {} }))).message).toBe(
      `${bad.parent}:2: MESH_SHARED_FOLDER_LINUX: expected an absolute POSIX path such as /opt/shared, got "rel"`,
    );
  });

  it("leaves other programs' keys alone, even odd ones", async () => {
    const f = await nested(
      "NODE_OPTIONS='--max-old-space-size=4096\nlower_case=x\nexport PATH_EXTRA=/x\nMESH_ROLE=server\n",
      undefined,
    );
    const s = await loadSettings({ dir: f.cwd, env: {} });
    expect(s.variables).toEqual({ MESH_ROLE: 'server' });
  });

  it.each([
    [
      'an unknown MESH_* key, with the closest known name',
      '# hub\nMESH_DEFAULT_USER=me\nMESH_SERVER_HOSTNAME=hub\n',
      3,
      'MESH_SERVER_HOSTNAME: unknown setting; did you mean MESH_SERVER_HOSTNAMES?',
    ],
    [
      'a misspelt one',
      'MESH_SHARED_FOLDR_LINUX=/srv\n',
      1,
      'MESH_SHARED_FOLDR_LINUX: unknown setting; did you mean MESH_SHARED_FOLDER_LINUX?',
    ],
    [
      'a quote left open',
      'MESH_ROLE=server\nMESH_SERVER_URL="http://10.0.0.1:8080\n',
      2,
      'MESH_SERVER_URL: unterminated " quote in the value',
    ],
    [
      "another key's open quote that hides a Mesh line",
      "MESH_ROLE=server\nGREETING='hello\nMESH_HOSTNAME=pc'\nFAREWELL='bye'\n",
      2,
      "GREETING: unterminated ' quote in the value (it hides MESH_HOSTNAME on line 3)",
    ],
    [
      'a relative shared folder',
      'MESH_SHARED_FOLDER_LINUX=shared\n',
      1,
      'MESH_SHARED_FOLDER_LINUX: expected an absolute POSIX path such as /opt/shared, got "shared"',
    ],
    [
      'a relative Windows shared folder',
      'MESH_SHARED_FOLDER_WINDOWS=shared\n',
      1,
      'MESH_SHARED_FOLDER_WINDOWS: expected an absolute Windows path such as C:\\shared, got "shared"',
    ],
    [
      'a package source with a query',
      'MESH_ROLE=server\nMESH_TAILSCALE_PACKAGES_URL=https://mirror.lan/ts?track=stable\n',
      2,
      'MESH_TAILSCALE_PACKAGES_URL: expected an http(s) URL without ?query or #fragment, got "https://mirror.lan/ts?track=stable"',
    ],
    [
      'a key that belongs in the environment',
      'MESH_ROLE=server\nMESH_AUTH_KEY=hskey-auth-secret\n',
      2,
      'MESH_AUTH_KEY: is read from the environment only, not from a .env file',
    ],
  ])('names the file and line of %s', async (_, text, line, message) => {
    const f = await nested(text, 'MESH_ROLE=wsl2\n');
    const e = await fault(loadSettings({ dir: f.cwd, env: {} }));
    expect(e.message).toBe(`${f.here}:${line}: ${message}`);
    expect(e.location).toEqual({ file: f.here, line });
    expect(e.hint).toBe(`fix line ${line} of ${f.here}; nothing was changed`);
    expect(e.message).not.toContain('secret');
  });

  it('checks a file whose values the environment overrides too', async () => {
    const f = await nested(undefined, 'MESH_SHARED_FOLDER_LINUX=shared\n');
    const e = await fault(
      loadSettings({ dir: f.cwd, env: { MESH_SHARED_FOLDER_LINUX: '/srv/env' } }),
    );
    expect(e.message).toMatch(new RegExp(`^${f.parent.replace(/[.*+?^$()|[\]\\]/g, '\\$&')}:1: `));
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
  });

  it('resolves the server URL in one order: option, MESH_SERVER_URL, HEADSCALE_SERVER, saved file', async () => {
    const o = { root: dir, platform: 'linux' as const, env: {}, home: '/home/u' };
    // The variables as every command reads them: through loadSettings (empty counts as unset).
    const settings = async (env: Record<string, string>) =>
      loadSettings({ dir, env, fallbackEnvFiles: [] });
    const resolve = async (env: Record<string, string>, option?: string) =>
      resolveServerUrl({ ...o, option, settings: await settings(env) });
    const both = { MESH_SERVER_URL: 'http://env:1/', HEADSCALE_SERVER: 'http://old:2' };

    expect(await resolve({})).toBeUndefined();
    await writeSavedServerUrl('http://saved:3', o);
    expect(await resolve({})).toEqual({ url: 'http://saved:3', source: 'saved' });
    expect(await resolve({ HEADSCALE_SERVER: 'http://old:2' })).toEqual({
      url: 'http://old:2',
      source: 'HEADSCALE_SERVER',
    });
    expect(await resolve(both)).toEqual({ url: 'http://env:1', source: 'MESH_SERVER_URL' });
    expect(await resolve({ ...both, MESH_SERVER_URL: '' })).toEqual({
      url: 'http://old:2',
      source: 'HEADSCALE_SERVER',
    });
    expect(await resolve(both, 'http://flag:4/')).toEqual({
      url: 'http://flag:4',
      source: 'option',
    });
    // An empty option is still the option: the caller refuses it rather than use another URL.
    expect(await resolve(both, '')).toEqual({ url: '', source: 'option' });

    // The saved file is read only when nothing comes before it, and one without a URL throws.
    await writeFile(path.join(dir, 'home/u/.config/mesh/headscale-server'), 'not a url\n');
    expect(await resolve(both)).toEqual({ url: 'http://env:1', source: 'MESH_SERVER_URL' });
    await expect(resolve({})).rejects.toThrow(/does not hold a server URL/);
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
