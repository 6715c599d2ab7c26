import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import {
  type PackageServer,
  serveSyncthing,
  sha256Hex,
  startPackageServer,
} from '@mesh/test-utils';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { PlatformError } from '../errors.js';
import { installSyncthingRelease, syncthingVersionOf } from './install-syncthing.js';
import { parseSignedChecksums } from './release-sources.js';

const run = promisify(execFile);
const V = '1.30.0';
let server: PackageServer;
let served: { baseUrl: string; sha256: string; sums: string };
let root: string;
let temp: string;

beforeAll(async () => {
  server = await startPackageServer();
  served = await serveSyncthing(server, V, 'amd64');
});
afterAll(() => server.close());
beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'mesh-st-root-'));
  temp = await mkdtemp(path.join(tmpdir(), 'mesh-st-tmp-'));
  server.requests.length = 0;
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
  await rm(temp, { recursive: true, force: true });
});

const bin = () => path.join(root, 'usr/local/bin');
const install = (o: { version?: string; baseUrl?: string; keepIn?: string } = {}) =>
  installSyncthingRelease({
    version: o.version ?? V,
    baseUrl: o.baseUrl ?? served.baseUrl,
    root,
    arch: 'amd64',
    tempDir: temp,
    ...(o.keepIn ? { keepIn: o.keepIn } : {}),
  });

describe('installSyncthingRelease', () => {
  it('installs syncthing 0755 from the verified archive, then changes nothing', async () => {
    const first = await install();
    expect(first).toEqual({
      changed: true,
      version: V,
      files: { syncthing: path.join(bin(), 'syncthing') },
      summary: `installed syncthing ${V} (amd64) into ${bin()}`,
    });
    expect(await readdir(bin())).toEqual(['syncthing']);
    expect((await stat(path.join(bin(), 'syncthing'))).mode & 0o777).toBe(0o755);
    const { stdout } = await run(path.join(bin(), 'syncthing'), ['--version']);
    expect(syncthingVersionOf(stdout.trim())).toBe(V);
    expect(server.requests).toEqual([
      `/st/v${V}/sha256sum.txt.asc`,
      `/st/v${V}/syncthing-linux-amd64-v${V}.tar.gz`,
    ]);
    expect(await readdir(temp)).toEqual([]);

    server.requests.length = 0;
    expect(await install()).toMatchObject({
      changed: false,
      summary: `syncthing ${V} is already installed in ${bin()}`,
    });
    expect(server.requests).toEqual([]);
  });

  it('refuses a tampered archive in one line and installs nothing', async () => {
    const bad = await serveSyncthing(server, '1.30.1', 'amd64', { sha256: sha256Hex('x') });
    const error = await install({ version: '1.30.1', baseUrl: bad.baseUrl }).then(
      () => expect.unreachable('should have failed'),
      (e: unknown) => e as PlatformError,
    );
    expect(error.message).toMatch(
      /^checksum mismatch for syncthing-linux-amd64-v1\.30\.1\.tar\.gz/,
    );
    expect(error.message).not.toContain('\n');
    expect(await readdir(root)).toEqual([]);
    expect(await readdir(temp)).toEqual([]);
  });

  it('keeps the archive and the checksum list as they came, once, in the releases layout', async () => {
    const keep = path.join(root, 'var/lib/mesh/packages');
    const first = await install({ keepIn: '/var/lib/mesh/packages' });
    const dir = path.join(keep, 'syncthing', `v${V}`);
    expect(first.kept).toEqual([
      path.join(dir, `syncthing-linux-amd64-v${V}.tar.gz`),
      path.join(dir, 'sha256sum.txt.asc'),
    ]);
    expect(await readFile(path.join(dir, 'sha256sum.txt.asc'), 'utf8')).toBe(served.sums);
    expect(sha256Hex(await readFile(path.join(dir, `syncthing-linux-amd64-v${V}.tar.gz`)))).toBe(
      served.sha256,
    );
    // A machine installing from the kept directory gets the same program.
    await rm(bin(), { recursive: true });
    await mkdir(bin(), { recursive: true });
    const local = await startPackageServer();
    try {
      local.route(`/st/v${V}/sha256sum.txt.asc`, { body: served.sums });
      local.route(`/st/v${V}/syncthing-linux-amd64-v${V}.tar.gz`, {
        body: await readFile(path.join(dir, `syncthing-linux-amd64-v${V}.tar.gz`)),
      });
      expect((await install({ baseUrl: `${local.origin}/st` })).changed).toBe(true);
    } finally {
      await local.close();
    }
  });
});

describe('syncthingVersionOf', () => {
  it('reads release, Debian and pre-release version lines', () => {
    expect(syncthingVersionOf('syncthing v1.30.0 "Gold Grasshopper" (go1.24.4 linux-amd64)')).toBe(
      '1.30.0',
    );
    expect(syncthingVersionOf('syncthing v1.19.2-ds1 "Fermium Flea" (go1.19.8 linux-amd64)')).toBe(
      '1.19.2-ds1',
    );
    expect(syncthingVersionOf('syncthing v2.0.0-rc.1 "Hafnium Hornet"')).toBe('2.0.0-rc.1');
    expect(syncthingVersionOf('headscale v0.29.2')).toBeUndefined();
    expect(syncthingVersionOf(undefined)).toBeUndefined();
  });
});

describe('parseSignedChecksums', () => {
  it('reads the body of a clear-signed list and plain lists alike', () => {
    const a = 'a'.repeat(64);
    const signed = `-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\n${a}  f.tar.gz\n-----BEGIN PGP SIGNATURE-----\n\nxyz\n-----END PGP SIGNATURE-----\n`;
    expect(parseSignedChecksums(signed).get('f.tar.gz')).toBe(a);
    expect(parseSignedChecksums(`${a}  g.zip\n`).get('g.zip')).toBe(a);
  });

  it('refuses armour without a signature', () => {
    expect(() =>
      parseSignedChecksums('-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\nx  y\n'),
    ).toThrow(/without a body and a signature/);
  });
});
