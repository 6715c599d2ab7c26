import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type FakeMachine, fakeMachine } from '../../../test/fake-machine.js';
import { put } from '../../../test/put.js';
import type { MeshContext } from '../../context.js';
import { DEFAULT_STIGNORE } from '../constants.js';
import {
  configurationSection,
  conflictsCheck,
  controlServerCheck,
  extraIgnorePatterns,
  isMissing,
  serverUrlCheck,
  stignoreCheck,
  unreadableCheck,
} from './configuration.js';

const SETUP = 'mesh client setup --server URL --key-file FILE';
const URL = 'http://10.0.0.1:8080';

const errno = (code: string, message: string) => Object.assign(new Error(message), { code });

describe('controlServerCheck', () => {
  it('is ok when the control server answers', () => {
    expect(controlServerCheck(URL, true)).toEqual({
      section: 'headscale',
      name: 'reachable',
      level: 'ok',
      message: 'Headscale at http://10.0.0.1:8080 answers',
    });
  });

  it('fails when it does not: nothing joins or changes', () => {
    expect(controlServerCheck(URL, false)).toEqual({
      section: 'headscale',
      name: 'reachable',
      level: 'fail',
      message:
        'Headscale at http://10.0.0.1:8080 does not answer: machines cannot join or change; existing paths keep working for a while',
      fix: 'on the server: mesh server status (sudo systemctl restart headscale)',
    });
  });
});

describe('serverUrlCheck', () => {
  it('names the server, or fails with the setup command', () => {
    expect(serverUrlCheck(URL, SETUP)).toEqual({
      section: 'configuration',
      name: 'server',
      level: 'ok',
      message: 'Headscale server: http://10.0.0.1:8080',
    });
    expect(serverUrlCheck(undefined, SETUP)).toEqual({
      section: 'configuration',
      name: 'server',
      level: 'fail',
      message: 'No Headscale server configured',
      fix: SETUP,
    });
  });
});

describe('extraIgnorePatterns and stignoreCheck', () => {
  it("Mesh's own .stignore hides nothing more", () => {
    expect(extraIgnorePatterns(DEFAULT_STIGNORE)).toEqual([]);
    expect(stignoreCheck([])).toBeUndefined();
  });

  it('finds the patterns a person added, comments and blank lines aside', () => {
    const text = `${DEFAULT_STIGNORE}\r\n// mine\r\n\r\n  *.iso  \r\nVideos/\n`;
    expect(extraIgnorePatterns(text)).toEqual(['*.iso', 'Videos/']);
  });

  it('warns of them, the first five by name', () => {
    expect(stignoreCheck(['*.iso'])).toEqual({
      section: 'syncthing',
      name: 'stignore',
      level: 'warn',
      message:
        ".stignore hides files matching 1 pattern(s) beyond Mesh's defaults: *.iso (they never sync)",
    });
    expect(stignoreCheck(['a', 'b', 'c', 'd', 'e', 'f'])?.message).toBe(
      ".stignore hides files matching 6 pattern(s) beyond Mesh's defaults: a, b, c, d, e, ... (they never sync)",
    );
  });
});

describe('conflictsCheck', () => {
  it('warns of conflict copies, and is silent without any', () => {
    expect(conflictsCheck(['a.sync-conflict-20260101-120000-ABCDEFG.txt'], '/opt/shared')).toEqual({
      section: 'conflicts',
      name: 'conflicts',
      level: 'warn',
      message: '1 conflict file(s) in /opt/shared',
      fix: 'mesh conflicts lists them; keep the right version, delete the copy',
    });
    expect(conflictsCheck([], '/opt/shared')).toBeUndefined();
  });
});

describe('isMissing and unreadableCheck', () => {
  it('only ENOENT means "not there yet"', () => {
    expect(isMissing(errno('ENOENT', 'no such file'))).toBe(true);
    expect(isMissing(errno('EACCES', 'permission denied'))).toBe(false);
    expect(isMissing(errno('ENOTDIR', 'not a directory'))).toBe(false);
    expect(isMissing(new Error('boom'))).toBe(false);
    expect(isMissing(undefined)).toBe(false);
  });

  it('anything else is a warning naming the reason', () => {
    const error = errno('EACCES', "EACCES: permission denied, open '/opt/shared/.stignore'");
    expect(unreadableCheck('syncthing', 'stignore', '/opt/shared/.stignore', error)).toEqual({
      section: 'syncthing',
      name: 'stignore',
      level: 'warn',
      message:
        "/opt/shared/.stignore cannot be read: EACCES: permission denied, open '/opt/shared/.stignore'",
    });
  });
});

describe('configurationSection', () => {
  let m: FakeMachine;
  let ctx: MeshContext;
  // The server role and a URL from the environment: no control server is asked.
  beforeEach(async () => {
    m = await fakeMachine('server', 'hub');
    ctx = await m.context({ MESH_SERVER_URL: URL });
  });
  afterEach(() => m.remove());

  const lines = async () =>
    (await configurationSection(ctx, SETUP)).checks.map(
      (c) => `${c.level} ${c.name}: ${c.message}`,
    );

  it('a shared folder not made yet is no problem here (the Syncthing checks report it)', async () => {
    const r = await configurationSection(ctx, SETUP);
    expect(r).toMatchObject({ serverUrl: URL, conflicts: [] });
    expect(await lines()).toEqual([`ok server: Headscale server: ${URL}`]);
  });

  it('reads extra ignore patterns and conflict copies from the shared folder', async () => {
    const folder = ctx.paths.sharedFolder;
    await put(path.join(folder, '.stignore'), `${DEFAULT_STIGNORE}*.iso\n`);
    await put(path.join(folder, 'docs', 'a.sync-conflict-20260101-120000-ABCDEFG.txt'), 'x');
    await mkdir(path.join(folder, '.stversions'), { recursive: true });
    await put(path.join(folder, '.stversions', 'b.sync-conflict-20260101-120000-ABCDEFG.txt'), 'x');
    const r = await configurationSection(ctx, SETUP);
    expect(r.conflicts).toEqual(['docs/a.sync-conflict-20260101-120000-ABCDEFG.txt']);
    expect(await lines()).toEqual([
      `ok server: Headscale server: ${URL}`,
      "warn stignore: .stignore hides files matching 1 pattern(s) beyond Mesh's defaults: *.iso (they never sync)",
      `warn conflicts: 1 conflict file(s) in ${folder}`,
    ]);
  });

  it('a shared folder that cannot be read is named, not taken for one not there', async () => {
    // A file where the folder should be: ENOTDIR for both reads (root reads past permissions).
    const folder = ctx.paths.sharedFolder;
    await put(folder, 'not a folder');
    const r = await configurationSection(ctx, SETUP);
    expect(r.conflicts).toEqual([]);
    expect(await lines()).toEqual([
      `ok server: Headscale server: ${URL}`,
      `warn stignore: ${folder}/.stignore cannot be read: ENOTDIR: not a directory, open '${folder}/.stignore'`,
      `warn conflicts: Conflict copies in ${folder} cannot be read: ENOTDIR: not a directory, scandir '${folder}'`,
    ]);
  });

  it('a .stignore that is a folder is named too', async () => {
    const folder = ctx.paths.sharedFolder;
    await mkdir(path.join(folder, '.stignore'), { recursive: true });
    expect(await lines()).toEqual([
      `ok server: Headscale server: ${URL}`,
      `warn stignore: ${folder}/.stignore cannot be read: EISDIR: illegal operation on a directory, read`,
    ]);
  });
});
