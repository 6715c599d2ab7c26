import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import {
  type PackageServer,
  serveTailscale,
  sha256Hex,
  startPackageServer,
  versionScript,
} from '@mesh/test-utils';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  CommandFailedError,
  PlatformConfigError,
  type PlatformError,
  PlatformTimeoutError,
} from '../errors.js';
import { installHeadscaleRelease, installTailscaleRelease } from './install-release.js';

const run = promisify(execFile);
const V = '1.98.10';
const HV = '0.29.2';
const HS_BIN = `headscale_${HV}_linux_amd64`;
const HS_SCRIPT = versionScript(`headscale version v${HV}`, 'commit: unknown');

let server: PackageServer;
let good: string;
let goodSha: string;
let root: string;
let temp: string;
beforeAll(async () => {
  server = await startPackageServer();
  ({ baseUrl: good, sha256: goodSha } = await serveTailscale(server, V, 'amd64'));
  server.route(`/hs/v${HV}/${HS_BIN}`, { body: HS_SCRIPT });
  server.route(`/hs/v${HV}/checksums.txt`, {
    body: `${sha256Hex('other')}  headscale_${HV}_linux_arm64\n${sha256Hex(HS_SCRIPT)}  ${HS_BIN}\n`,
  });
});
afterAll(() => server.close());
beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'mesh-install-root-'));
  temp = await mkdtemp(path.join(tmpdir(), 'mesh-install-tmp-'));
  server.requests.length = 0;
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
  await rm(temp, { recursive: true, force: true });
});

const bin = () => path.join(root, 'usr/local/bin');
const errorOf = (p: Promise<unknown>) =>
  p.then(
    () => expect.unreachable('should have failed'),
    (e: unknown) => e as PlatformError,
  );

describe('installTailscaleRelease', () => {
  const install = (o: { baseUrl?: string; version?: string; timeoutMs?: number } = {}) =>
    installTailscaleRelease({
      version: o.version ?? V,
      baseUrl: o.baseUrl ?? good,
      root,
      arch: 'amd64',
      tempDir: temp,
      ...(o.timeoutMs ? { timeoutMs: o.timeoutMs } : {}),
    });

  it('installs tailscale and tailscaled 0755 from the verified package, then changes nothing', async () => {
    const first = await install();
    expect(first).toEqual({
      changed: true,
      version: V,
      files: {
        tailscale: path.join(bin(), 'tailscale'),
        tailscaled: path.join(bin(), 'tailscaled'),
      },
      summary: `installed tailscale ${V} (amd64) into ${bin()}`,
    });
    expect((await readdir(bin())).sort()).toEqual(['tailscale', 'tailscaled']);
    for (const f of ['tailscale', 'tailscaled']) {
      expect((await stat(path.join(bin(), f))).mode & 0o777).toBe(0o755);
    }
    const { stdout } = await run(path.join(bin(), 'tailscale'), ['version']);
    expect(stdout.split('\n')[0]).toBe(V);
    expect(server.requests).toEqual([
      `/stable/tailscale_${V}_amd64.tgz.sha256`,
      `/stable/tailscale_${V}_amd64.tgz`,
    ]);
    expect(await readdir(temp)).toEqual([]);

    server.requests.length = 0;
    const again = await install();
    expect(again.changed).toBe(false);
    expect(again.summary).toBe(`tailscale ${V} is already installed in ${bin()}`);
    expect(server.requests).toEqual([]);
  });

  it('replaces another version in place', async () => {
    await mkdir(bin(), { recursive: true });
    await writeFile(path.join(bin(), 'tailscale'), versionScript('1.80.3'), { mode: 0o755 });
    await writeFile(path.join(bin(), 'tailscaled'), versionScript('1.80.3'), { mode: 0o755 });
    expect((await install()).changed).toBe(true);
    const { stdout } = await run(path.join(bin(), 'tailscaled'), ['--version']);
    expect(stdout.split('\n')[0]).toBe(V);
    expect((await readdir(bin())).sort()).toEqual(['tailscale', 'tailscaled']);
  });

  it('refuses a tampered package in one line and installs nothing', async () => {
    const served = await serveTailscale(server, '1.98.11', 'amd64', { sha256: sha256Hex('x') });
    const error = await errorOf(install({ baseUrl: served.baseUrl, version: '1.98.11' }));
    expect(error.message).toBe(
      `checksum mismatch for tailscale_1.98.11_amd64.tgz from ${served.baseUrl}/tailscale_1.98.11_amd64.tgz: expected sha256 ${sha256Hex('x')}, got ${served.sha256}`,
    );
    expect(error.message).not.toContain('\n');
    expect(error.hint).toMatch(/tampered with or incomplete/);
    expect(await readdir(root)).toEqual([]);
    expect(await readdir(temp)).toEqual([]);
  });

  it('reports a version the source does not have by its URL', async () => {
    const error = await errorOf(install({ version: '1.2.3' }));
    expect(error.message).toBe(`GET ${good}/tailscale_1.2.3_amd64.tgz.sha256: HTTP 404 Not Found`);
    expect(await readdir(root)).toEqual([]);
  });

  it('times out on a source that stops sending, leaving nothing behind', async () => {
    const name = 'tailscale_1.98.12_amd64.tgz';
    const body = Buffer.alloc(2048, 1);
    server.route(`/slow/${name}`, { stall: body.subarray(0, 512) });
    server.route(`/slow/${name}.sha256`, { body: sha256Hex(body) });
    const error = await errorOf(
      install({ baseUrl: `${server.origin}/slow`, version: '1.98.12', timeoutMs: 300 }),
    );
    expect(error).toBeInstanceOf(PlatformTimeoutError);
    expect(error.message).toBe(`GET ${server.origin}/slow/${name} timed out after 300 ms`);
    expect(await readdir(temp)).toEqual([]);
    expect(await readdir(root)).toEqual([]);
  });

  it('says which members a package without the binaries lacks', async () => {
    const name = 'tailscale_1.98.13_amd64.tgz';
    const work = path.join(temp, 'bad');
    await mkdir(path.join(work, 'elsewhere'), { recursive: true });
    await writeFile(path.join(work, 'elsewhere', 'tailscale'), 'x');
    await run('tar', ['-czf', path.join(temp, name), '-C', work, 'elsewhere']);
    const tgz = await readFile(path.join(temp, name));
    await rm(work, { recursive: true });
    await rm(path.join(temp, name));
    server.route(`/bad/${name}`, { body: tgz });
    server.route(`/bad/${name}.sha256`, { body: sha256Hex(tgz) });
    const error = await errorOf(install({ baseUrl: `${server.origin}/bad`, version: '1.98.13' }));
    expect(error).toBeInstanceOf(CommandFailedError);
    expect(error.hint).toBe(
      `${name} is not a Tailscale package with tailscale_1.98.13_amd64/tailscale and tailscale_1.98.13_amd64/tailscaled`,
    );
    expect(await readdir(temp)).toEqual([]);
  });

  it('stops on abort before anything is installed', async () => {
    const controller = new AbortController();
    controller.abort();
    const error = await errorOf(
      installTailscaleRelease({
        version: V,
        baseUrl: good,
        root,
        arch: 'amd64',
        signal: controller.signal,
      }),
    );
    expect(error.name).toBe('PlatformAbortError');
    expect(await readdir(root)).toEqual([]);
  });
});

describe('installing behind a privileged prefix (a user with sudo)', () => {
  // Stands in for `sudo -n`: logs what it is asked to run, then runs it (or refuses as sudo does
  // without a password).
  const fakeSudo = async (refuse: boolean) => {
    const file = path.join(temp, 'fake-sudo');
    const log = path.join(temp, 'sudo.log');
    await writeFile(
      file,
      refuse
        ? '#!/bin/sh\necho "sudo: a password is required" >&2\nexit 1\n'
        : `#!/bin/sh\nshift\necho "$1" >> '${log}'\nexec "$@"\n`,
      { mode: 0o755 },
    );
    return { prefix: [file, '-n'], log };
  };
  const options = (prefix: string[]) => ({
    version: V,
    baseUrl: good,
    root,
    arch: 'amd64' as const,
    tempDir: path.join(temp, 'work'),
    privileged: prefix,
  });

  it('downloads and checks as the user; only mkdir, install and mv go through the prefix', async () => {
    const { prefix, log } = await fakeSudo(false);
    await mkdir(path.join(temp, 'work'));
    const r = await installTailscaleRelease(options(prefix));
    expect(r.changed).toBe(true);
    expect((await readFile(log, 'utf8')).trim().split('\n')).toEqual([
      'mkdir',
      'install',
      'mv',
      'install',
      'mv',
    ]);
    for (const f of ['tailscale', 'tailscaled']) {
      expect((await stat(path.join(bin(), f))).mode & 0o777).toBe(0o755);
    }
    expect((await readdir(bin())).sort()).toEqual(['tailscale', 'tailscaled']);
    expect(await readdir(path.join(temp, 'work'))).toEqual([]);
  });

  it('a refused prefix is one error naming the directory; nothing is installed', async () => {
    const { prefix } = await fakeSudo(true);
    await mkdir(path.join(temp, 'work'));
    const error = await errorOf(installTailscaleRelease(options(prefix)));
    expect(error).toBeInstanceOf(CommandFailedError);
    expect(error.hint).toBe(
      `${prefix.join(' ')} must be allowed to write ${bin()} (or run as root)`,
    );
    expect(await readdir(root)).toEqual([]);
    expect(await readdir(path.join(temp, 'work'))).toEqual([]);
  });

  it('installs Headscale the same way', async () => {
    const { prefix, log } = await fakeSudo(false);
    await mkdir(path.join(temp, 'work'));
    const r = await installHeadscaleRelease({
      ...options(prefix),
      version: HV,
      baseUrl: `${server.origin}/hs`,
    });
    expect(r.changed).toBe(true);
    expect(await readFile(path.join(bin(), 'headscale'), 'utf8')).toBe(HS_SCRIPT);
    expect((await readFile(log, 'utf8')).trim().split('\n')).toEqual(['mkdir', 'install', 'mv']);
  });
});

describe('installTailscaleRelease keeping the package (keepIn)', () => {
  const KEEP = '/var/lib/mesh/packages';
  const PKG = `tailscale_${V}_amd64.tgz`;
  const kept = () => path.join(root, 'var/lib/mesh/packages/tailscale/stable');
  const install = (o: { baseUrl?: string; version?: string } = {}) =>
    installTailscaleRelease({
      version: o.version ?? V,
      baseUrl: o.baseUrl ?? good,
      root,
      arch: 'amd64',
      tempDir: temp,
      keepIn: KEEP,
    });
  const digestOf = async (file: string) => sha256Hex(await readFile(file));

  it('keeps the verified package and its checksum 0644 in the source layout, once', async () => {
    const first = await install();
    expect(first.changed).toBe(true);
    expect(first.kept).toEqual([path.join(kept(), PKG), path.join(kept(), `${PKG}.sha256`)]);
    expect((await readdir(kept())).sort()).toEqual([PKG, `${PKG}.sha256`]);
    expect(await digestOf(path.join(kept(), PKG))).toBe(goodSha);
    expect(await readFile(path.join(kept(), `${PKG}.sha256`), 'utf8')).toBe(`${goodSha}\n`);
    for (const f of [PKG, `${PKG}.sha256`]) {
      expect((await stat(path.join(kept(), f))).mode & 0o777).toBe(0o644);
    }
    expect(await readdir(temp)).toEqual([]);

    // Installed again (the programs gone): downloaded and verified, nothing new kept.
    const before = await stat(path.join(kept(), PKG));
    await rm(bin(), { recursive: true });
    const again = await install();
    expect(again.changed).toBe(true);
    expect(again.kept).toEqual([]);
    const after = await stat(path.join(kept(), PKG));
    expect([after.ino, after.mtimeMs]).toEqual([before.ino, before.mtimeMs]);
    expect((await readdir(kept())).sort()).toEqual([PKG, `${PKG}.sha256`]);
  });

  it('keeps nothing when the programs are there already (not from this run)', async () => {
    await install();
    await rm(path.join(root, 'var'), { recursive: true });
    server.requests.length = 0;
    const again = await install();
    expect(again).toMatchObject({ changed: false, kept: [] });
    expect(server.requests).toEqual([]);
    expect(await readdir(root)).toEqual(['usr']);
  });

  it('replaces only the kept file that does not match', async () => {
    await mkdir(kept(), { recursive: true });
    await writeFile(path.join(kept(), PKG), 'truncated');
    await writeFile(path.join(kept(), `${PKG}.sha256`), `${goodSha}  ${PKG}\n`);
    const r = await install();
    expect(r.kept).toEqual([path.join(kept(), PKG)]);
    expect(await digestOf(path.join(kept(), PKG))).toBe(goodSha);
    // A sha256sum line naming the package says the same: left as it was.
    expect(await readFile(path.join(kept(), `${PKG}.sha256`), 'utf8')).toBe(`${goodSha}  ${PKG}\n`);

    await rm(bin(), { recursive: true });
    await writeFile(path.join(kept(), `${PKG}.sha256`), `${sha256Hex('other')}\n`);
    expect((await install()).kept).toEqual([path.join(kept(), `${PKG}.sha256`)]);
    expect(await readFile(path.join(kept(), `${PKG}.sha256`), 'utf8')).toBe(`${goodSha}\n`);
  });

  it('keeps nothing from a tampered package', async () => {
    const served = await serveTailscale(server, '1.98.21', 'amd64', { sha256: sha256Hex('x') });
    const error = await errorOf(install({ baseUrl: served.baseUrl, version: '1.98.21' }));
    expect(error.message).toMatch(/^checksum mismatch for tailscale_1\.98\.21_amd64\.tgz/);
    expect(await readdir(root)).toEqual([]);
  });

  it('refuses a relative keepIn before downloading', async () => {
    const error = await errorOf(
      installTailscaleRelease({ version: V, baseUrl: good, root, arch: 'amd64', keepIn: 'pkgs' }),
    );
    expect(error).toBeInstanceOf(PlatformConfigError);
    expect(server.requests).toEqual([]);
  });
});

describe('installHeadscaleRelease', () => {
  const install = (version = HV) =>
    installHeadscaleRelease({ version, baseUrl: `${server.origin}/hs`, root, arch: 'amd64' });

  it('installs the verified binary 0755, then changes nothing', async () => {
    const first = await install();
    expect(first).toMatchObject({ changed: true, version: HV });
    const file = path.join(bin(), 'headscale');
    expect(first.files).toEqual({ headscale: file });
    expect(await readFile(file, 'utf8')).toBe(HS_SCRIPT);
    expect((await stat(file)).mode & 0o777).toBe(0o755);
    expect(await readdir(bin())).toEqual(['headscale']);
    expect(server.requests).toEqual([`/hs/v${HV}/checksums.txt`, `/hs/v${HV}/${HS_BIN}`]);

    server.requests.length = 0;
    expect(await install()).toMatchObject({
      changed: false,
      summary: `headscale ${HV} is already installed in ${bin()}`,
    });
    expect(server.requests).toEqual([]);
  });

  it('refuses a binary checksums.txt does not list', async () => {
    server.route('/hs/v0.29.3/checksums.txt', {
      body: `${sha256Hex('x')}  headscale_0.29.3_linux_arm64\n`,
    });
    const error = await errorOf(install('0.29.3'));
    expect(error.message).toBe(
      `${server.origin}/hs/v0.29.3/checksums.txt: has no checksum for headscale_0.29.3_linux_amd64`,
    );
    expect(await readdir(root)).toEqual([]);
  });

  it('refuses a tampered binary and keeps the installed one', async () => {
    await mkdir(bin(), { recursive: true });
    await writeFile(path.join(bin(), 'headscale'), versionScript('headscale version v0.28.0'), {
      mode: 0o755,
    });
    server.route(`/hs/v0.29.4/headscale_0.29.4_linux_amd64`, { body: 'tampered' });
    server.route('/hs/v0.29.4/checksums.txt', {
      body: `${sha256Hex('genuine')}  headscale_0.29.4_linux_amd64\n`,
    });
    const error = await errorOf(install('0.29.4'));
    expect(error.message).toBe(
      `checksum mismatch for headscale_0.29.4_linux_amd64 from ${server.origin}/hs/v0.29.4/headscale_0.29.4_linux_amd64: expected sha256 ${sha256Hex('genuine')}, got ${sha256Hex('tampered')}`,
    );
    expect(await readdir(bin())).toEqual(['headscale']);
    expect(await readFile(path.join(bin(), 'headscale'), 'utf8')).toContain('v0.28.0');
  });
});
