import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { findConflicts, isConflictName, parseConflictName } from './conflicts.js';
import { defaultSyncthingHome, parseSyncthingConfigXml, readSyncthingHome } from './home.js';
import { ConfigSchema, FolderConfigSchema } from './schemas/config.js';
import { DbFileSchema, IgnoresSchema } from './schemas/db.js';
import { toTypedEvent } from './schemas/events.js';
import { ConnectionsSchema, SystemVersionSchema } from './schemas/system.js';
import { parseSyncthingVersion, syncthingSupports, versionAtLeast } from './version.js';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});
async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'mesh-st-unit-'));
  dirs.push(d);
  return d;
}

describe('conflict names', () => {
  it('parses the real 1.19.2 example', () => {
    const c = parseConflictName('hello.sync-conflict-20261126-123521-UOESNAD.txt');
    expect(c).toMatchObject({
      original: 'hello.txt',
      stamp: '20261126-123521',
      shortId: 'UOESNAD',
    });
    expect(c?.date.getFullYear()).toBe(2026);
    expect(c?.date.getMonth()).toBe(10);
    expect(c?.date.getSeconds()).toBe(21);
  });
  it('handles no extension, multiple dots and non-conflicts', () => {
    expect(parseConflictName('Makefile.sync-conflict-20240101-000000-ABCDEFG')?.original).toBe(
      'Makefile',
    );
    expect(parseConflictName('a.tar.sync-conflict-20240101-000000-ABCDEFG.gz')?.original).toBe(
      'a.tar.gz',
    );
    expect(isConflictName('hello.txt')).toBe(false);
    expect(isConflictName('x.sync-conflict-2024-000000-ABCDEFG.txt')).toBe(false);
  });
  it('finds copies recursively and skips .stfolder/.stversions/.mesh-resolved', async () => {
    const root = await tempDir();
    await mkdir(join(root, 'sub/deeper'), { recursive: true });
    await mkdir(join(root, '.stversions'), { recursive: true });
    await mkdir(join(root, '.stfolder'), { recursive: true });
    await mkdir(join(root, '.mesh-resolved/t'), { recursive: true });
    await writeFile(join(root, '.mesh-resolved/t/d.sync-conflict-20240101-010203-ABCDEFG.txt'), '');
    await writeFile(join(root, 'a.sync-conflict-20240101-010203-ABCDEFG.txt'), '');
    await writeFile(join(root, 'sub/deeper/b.sync-conflict-20240101-010203-BCDEFGH.md'), '');
    await writeFile(join(root, '.stversions/c.sync-conflict-20240101-010203-ABCDEFG.txt'), '');
    await writeFile(join(root, 'sub/plain.txt'), '');
    const found = await findConflicts(root);
    expect(found.map((f) => f.relativePath)).toEqual([
      'a.sync-conflict-20240101-010203-ABCDEFG.txt',
      'sub/deeper/b.sync-conflict-20240101-010203-BCDEFGH.md',
    ]);
    expect(found[1]?.originalRelativePath).toBe('sub/deeper/b.md');
  });
});

describe('home helpers', () => {
  const xml = `<configuration version="36"><gui enabled="true" tls="false" debugging="false">
    <address>0.0.0.0:8384</address><apikey>abc123</apikey></gui></configuration>`;
  it('parses GUI address and key', () => {
    expect(parseSyncthingConfigXml(xml)).toMatchObject({
      apiKey: 'abc123',
      baseUrl: 'http://127.0.0.1:8384',
      tls: false,
      configVersion: 36,
    });
    expect(
      parseSyncthingConfigXml(xml.replace('0.0.0.0:8384', 'unix:///run/st.sock')),
    ).toMatchObject({
      socketPath: '/run/st.sock',
      baseUrl: undefined,
    });
    expect(parseSyncthingConfigXml(xml.replace('tls="false"', 'tls="true"')).baseUrl).toBe(
      'https://127.0.0.1:8384',
    );
  });
  it('lists the folders with their paths, one or several', () => {
    expect(parseSyncthingConfigXml(xml).folders).toEqual([]);
    const one = `<folder id="opt-shared" label="Shared" path="/opt/shared" type="sendreceive"><device id="X"></device></folder>`;
    expect(parseSyncthingConfigXml(xml.replace('</gui>', `</gui>${one}`)).folders).toEqual([
      { id: 'opt-shared', path: '/opt/shared' },
    ]);
    const two = `${one}<folder id="b" path="/srv/b"></folder>`;
    expect(parseSyncthingConfigXml(xml.replace('</gui>', `</gui>${two}`)).folders).toEqual([
      { id: 'opt-shared', path: '/opt/shared' },
      { id: 'b', path: '/srv/b' },
    ]);
  });
  it('reads a home with cert.pem', async () => {
    const home = await tempDir();
    await writeFile(join(home, 'config.xml'), xml);
    const { readFile } = await import('node:fs/promises');
    await writeFile(
      join(home, 'cert.pem'),
      await readFile(new URL('../test/fixtures/cert.pem', import.meta.url), 'utf8'),
    );
    const info = await readSyncthingHome(home);
    expect(info.deviceId).toBe('CRY5H65-CMWG2Q7-4IOWHA2-G55DMMN-IT6AWG3-AXRBPC3-R6R47OL-CTKPUQP');
    expect(info.apiKey).toBe('abc123');
  });
  it('explains a missing home', async () => {
    await expect(readSyncthingHome('/nonexistent/st')).rejects.toThrow(/cannot read/);
  });
  it('default home per platform', () => {
    expect(defaultSyncthingHome({ STHOMEDIR: '/x' }, 'linux')).toBe('/x');
    expect(defaultSyncthingHome({ XDG_STATE_HOME: '/s' }, 'linux')).toBe('/s/syncthing');
    expect(defaultSyncthingHome({ LOCALAPPDATA: 'C:\\L' }, 'win32')).toContain('Syncthing');
  });
});

describe('versions', () => {
  it('parses and compares', () => {
    const v = parseSyncthingVersion('v1.19.2-ds1');
    expect(v).toMatchObject({ major: 1, minor: 19, patch: 2, suffix: 'ds1' });
    expect(parseSyncthingVersion('unknown-dev')).toBeUndefined();
    if (!v) throw new Error('parse');
    expect(versionAtLeast(v, '1.19.0')).toBe(true);
    expect(syncthingSupports(v, 'GET /rest/system/paths')).toBe(false);
    expect(syncthingSupports(v, 'GET /rest/system/debug')).toBe(true);
    const v2 = parseSyncthingVersion('v2.1.3');
    if (!v2) throw new Error('parse');
    expect(syncthingSupports(v2, 'GET /rest/system/debug')).toBe(false);
    expect(syncthingSupports(v2, 'auth:bearer')).toBe(true);
  });
});

describe('schema edge cases', () => {
  it('null lists become arrays; absent optional fields ok; new fields pass through', () => {
    const ignores = IgnoresSchema.parse({ error: null, expanded: null, ignore: null });
    expect(ignores).toEqual({ error: null, expanded: [], ignore: [] });
    const folder = FolderConfigSchema.parse({
      id: 'f',
      path: '/p',
      devices: null,
      blockIndexing: true,
    });
    expect(folder.devices).toEqual([]);
    expect((folder as Record<string, unknown>)['blockIndexing']).toBe(true);
    const file = DbFileSchema.parse({ availability: null, global: { name: 'a', version: null } });
    expect(file.availability).toEqual([]);
    expect(file.global?.version).toEqual([]);
  });
  it('2.x shapes: version extras, config without ldap/defaults', () => {
    const v = SystemVersionSchema.parse({
      version: 'v2.1.3',
      longVersion: 'syncthing v2.1.3',
      os: 'linux',
      arch: 'amd64',
      tags: null,
      extra: '',
      container: false,
    });
    expect(v.tags).toEqual([]);
    const cfg = ConfigSchema.parse({
      version: 52,
      folders: null,
      devices: [{ deviceID: 'X', group: 'g' }],
      gui: { address: '127.0.0.1:8384', sessionCookieDurationS: 3600 },
      options: { listenAddresses: ['default'] },
    });
    expect(cfg.folders).toEqual([]);
    expect(cfg.devices[0]?.addresses).toEqual([]);
  });
  it('2.x/1.2x events and connection fields are typed', () => {
    const upgrade = toTypedEvent({
      id: 1,
      globalID: 1,
      time: 't',
      type: 'UpgradeRestartScheduled',
      data: { delayS: 30, newVersion: 'v2.1.4' },
    });
    expect(upgrade).toMatchObject({ type: 'UpgradeRestartScheduled', data: { delayS: 30 } });
    const cc = toTypedEvent({
      id: 2,
      time: 't',
      type: 'ClusterConfigReceived',
      data: { device: 'D' },
    });
    expect(cc.type).toBe('ClusterConfigReceived');
    const done = toTypedEvent({ id: 3, time: 't', type: 'DownloadProgress', data: null });
    expect(done).toMatchObject({ type: 'DownloadProgress', data: {} });
    const conns = ConnectionsSchema.parse({
      connections: {
        D: {
          inBytesTotal: 1,
          outBytesTotal: 2,
          connected: true,
          paused: false,
          isLocal: true,
          primary: {},
          secondary: null,
        },
      },
      total: { inBytesTotal: 1, outBytesTotal: 2 },
    });
    expect(conns.connections['D']?.isLocal).toBe(true);
  });

  it('rejects garbage with issues', () => {
    expect(() => ConfigSchema.parse({ version: 'x' })).toThrow(z.core.$ZodError);
  });
});
