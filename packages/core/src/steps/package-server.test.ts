import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { releaseArch, SYNCTHING_VERSION, TAILSCALE_VERSION } from '@mesh/platform';
import {
  type PackageServer,
  serveSyncthing,
  serveTailscale,
  sha256Hex,
  startPackageServer,
  tailscaleTgz,
  until,
} from '@mesh/test-utils';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type FakeMachine, fakeMachine, httpServer, meshFailure } from '../../test/fake-machine.js';
import { aptMachine as aptMachineIn } from '../../test/wsl-root.js';
import type { MeshContext } from '../context.js';
import { clientSetup } from './client.js';
import { installMissingPrograms } from './install.js';
import {
  PACKAGES_PORT,
  type PackageSource,
  packagesBindAddress,
  packagesDir,
  servePackages,
  serverPackageUrls,
  startPackageSource,
  withServerPackages,
} from './package-server.js';

const run = promisify(execFile);
const V = TAILSCALE_VERSION;
const ARCH = releaseArch();
const PKG = `tailscale_${V}_${ARCH}.tgz`;
const SV = SYNCTHING_VERSION;
const ST = `syncthing-linux-${ARCH}-v${SV}.tar.gz`;

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function source(dir: string, onError?: (e: unknown) => void): Promise<PackageSource> {
  const s = await startPackageSource({
    dir,
    host: '127.0.0.1',
    port: 0,
    ...(onError ? { onError } : {}),
  });
  cleanups.push(() => s.close());
  return s;
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** One request with `target` sent as it is (no URL normalisation on the way). */
function ask(port: number, target: string, method = 'GET'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const options = { host: '127.0.0.1', port, path: target, method, timeout: 5000, agent: false };
    const req = request(options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
      );
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end();
  });
}

describe('where the packages are', () => {
  it("names the server host on port 8091, in Tailscale's and Syncthing's layouts", () => {
    expect(PACKAGES_PORT).toBe(8091);
    expect(serverPackageUrls('http://10.0.0.1:8080')).toEqual({
      tailscalePackagesUrl: 'http://10.0.0.1:8091/tailscale/stable',
      syncthingReleasesUrl: 'http://10.0.0.1:8091/syncthing',
    });
    expect(serverPackageUrls('https://hs.example.com').tailscalePackagesUrl).toBe(
      'http://hs.example.com:8091/tailscale/stable',
    );
    expect(serverPackageUrls('http://[fd00::1]:8080', 9000).syncthingReleasesUrl).toBe(
      'http://[fd00::1]:9000/syncthing',
    );
  });

  it("binds the server URL's IP literal, else every IPv4 address", () => {
    expect(packagesBindAddress('http://10.0.0.1:8080')).toBe('10.0.0.1');
    expect(packagesBindAddress('http://[fd00::1]:8080')).toBe('fd00::1');
    expect(packagesBindAddress('https://hs.example.com')).toBe('0.0.0.0');
    expect(packagesBindAddress(undefined)).toBe('0.0.0.0');
    expect(packagesBindAddress('not a url')).toBe('0.0.0.0');
  });
});

describe('startPackageSource: the directory, read-only', () => {
  let dir: string;
  let outside: string;
  const tgz = Buffer.from('pretend package bytes');
  beforeEach(async () => {
    const top = await tempDir('mesh-pkgsrc-');
    dir = path.join(top, 'packages');
    outside = path.join(top, 'secret.txt');
    await writeFile(outside, 'not for the clients');
    const stable = path.join(dir, 'tailscale', 'stable');
    await mkdir(stable, { recursive: true });
    await writeFile(path.join(stable, PKG), tgz);
    await writeFile(path.join(stable, `${PKG}.sha256`), `${sha256Hex(tgz)}\n`);
    await writeFile(path.join(stable, `.${PKG}.mesh-tmp-1234`), 'half written');
    await symlink(outside, path.join(stable, 'link.txt'));
    await symlink(path.join(stable, 'loop'), path.join(stable, 'loop'));
  });

  it('answers GET and HEAD of a file', async () => {
    const s = await source(dir);
    const got = await ask(s.port, `/tailscale/stable/${PKG}`);
    expect(got.status).toBe(200);
    expect(got.body).toEqual(tgz);
    expect(got.headers['content-length']).toBe(String(tgz.length));
    const sum = await ask(s.port, `/tailscale/stable/${PKG}.sha256?x=1`);
    expect(sum.body.toString()).toBe(`${sha256Hex(tgz)}\n`);
    const head = await ask(s.port, `/tailscale/stable/${PKG}`, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.headers['content-length']).toBe(String(tgz.length));
    expect(head.body.length).toBe(0);
  });

  it('lists nothing, and has no hidden files, missing files or links out', async () => {
    const s = await source(dir);
    for (const target of [
      '/',
      '/tailscale',
      '/tailscale/stable/',
      '/tailscale/stable/nothing.tgz',
      `/tailscale/stable/.${PKG}.mesh-tmp-1234`,
      '/tailscale/stable/link.txt',
      '//etc/passwd',
    ]) {
      const got = await ask(s.port, target);
      expect([target, got.status]).toEqual([target, 404]);
      expect(got.body.toString()).not.toContain('not for the clients');
    }
  });

  it('refuses path traversal, however it is spelt', async () => {
    const s = await source(dir);
    for (const target of [
      '/../secret.txt',
      '/tailscale/../../secret.txt',
      '/%2e%2e/secret.txt',
      '/tailscale%2f..%2f..%2fsecret.txt',
      '/..%5csecret.txt',
      '/tailscale/%00',
      '/%E0%A4%A',
      'http://127.0.0.1/secret.txt',
    ]) {
      const got = await ask(s.port, target);
      expect([target, got.status]).toEqual([target, 400]);
      expect(got.body.toString()).not.toContain('not for the clients');
    }
  });

  it('answers only GET and HEAD', async () => {
    const s = await source(dir);
    for (const method of ['POST', 'PUT', 'DELETE']) {
      const got = await ask(s.port, `/tailscale/stable/${PKG}`, method);
      expect(got.status).toBe(405);
      expect(got.headers['allow']).toBe('GET, HEAD');
    }
    expect(await readFile(path.join(dir, 'tailscale', 'stable', PKG))).toEqual(tgz);
  });

  it('says what it cannot read through onError, with a 500', async () => {
    const errors: unknown[] = [];
    const s = await source(dir, (e) => errors.push(e));
    const got = await ask(s.port, '/tailscale/stable/loop');
    expect(got.status).toBe(500);
    expect(errors).toHaveLength(1);
    expect((errors[0] as Error).message).toBe(`serving /tailscale/stable/loop from ${dir}: ELOOP`);
  });

  it('serves a directory that appears after the start', async () => {
    const later = path.join(path.dirname(dir), 'later');
    const s = await source(later);
    expect((await ask(s.port, `/${PKG}`)).status).toBe(404);
    await mkdir(later);
    await writeFile(path.join(later, PKG), tgz);
    expect((await ask(s.port, `/${PKG}`)).body).toEqual(tgz);
  });
});

describe('servePackages: the server agent part', () => {
  let machine: FakeMachine;
  afterEach(() => machine?.remove());

  function serving(ctx: MeshContext, port: number) {
    const controller = new AbortController();
    const listening: string[] = [];
    const errors: Error[] = [];
    const done = servePackages(ctx, {
      signal: controller.signal,
      port,
      recheckMs: 20,
      onListening: (a) => listening.push(a),
      onError: (e) => errors.push(e as Error),
    });
    cleanups.push(async () => {
      controller.abort();
      await done;
    });
    return { controller, listening, errors, done };
  }

  it('does nothing off the server', async () => {
    machine = await fakeMachine('wsl2');
    const ctx = await machine.context();
    await mkdir(packagesDir(ctx), { recursive: true });
    const s = serving(ctx, 0);
    await s.done;
    expect(s.listening).toEqual([]);
  });

  it("serves the kept packages once they exist, on the server URL's address", async () => {
    machine = await fakeMachine('server', 'hub');
    const ctx = await machine.context({ MESH_SERVER_URL: 'http://127.0.0.1:8080' });
    const dir = packagesDir(ctx);
    expect(dir).toBe(path.join(machine.root, 'var/lib/mesh/packages'));
    const s = serving(ctx, 0);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(s.listening).toEqual([]);
    await mkdir(path.join(dir, 'tailscale', 'stable'), { recursive: true });
    await writeFile(path.join(dir, 'tailscale', 'stable', PKG), 'bytes');
    await until('listening', () => s.listening.length === 1 || undefined);
    expect(s.listening[0]).toMatch(/^127\.0\.0\.1:\d+$/);
    const port = Number(s.listening[0]?.split(':')[1]);
    expect((await ask(port, `/tailscale/stable/${PKG}`)).body.toString()).toBe('bytes');
    s.controller.abort();
    await s.done;
    await expect(ask(port, `/tailscale/stable/${PKG}`)).rejects.toThrow(/ECONNREFUSED/);
    expect(s.errors).toEqual([]);
  });

  it('reports a port it cannot bind once, keeps trying, and serves when it is free', async () => {
    machine = await fakeMachine('server', 'hub');
    const ctx = await machine.context({ MESH_SERVER_URL: 'http://127.0.0.1:8080' });
    await mkdir(packagesDir(ctx), { recursive: true });
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const port = (holder.address() as AddressInfo).port;
    const s = serving(ctx, port);
    await until('an error', () => s.errors.length > 0 || undefined);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(s.errors.map((e) => e.message)).toEqual([
      `cannot serve the kept packages on 127.0.0.1:${port}: EADDRINUSE`,
    ]);
    expect((s.errors[0] as { hint?: string }).hint).toMatch(/another program holds port/);
    await new Promise<void>((resolve) => holder.close(() => resolve()));
    await until('listening', () => s.listening.length === 1 || undefined);
    expect(s.listening).toEqual([`127.0.0.1:${port}`]);
  });
});

describe('mesh client setup --from-server', () => {
  const KEY = 'hskey-auth-abcdefghijklmnopqrstuvwxyz';
  let upstream: PackageServer;
  beforeEach(async () => {
    upstream = await startPackageServer();
    cleanups.push(() => upstream.close());
  });

  /** A Linux machine with apt under a new root, where nothing is installed. */
  async function aptMachine(online: boolean, env: Record<string, string> = {}) {
    const root = await tempDir('mesh-apt-');
    const { ctx, installs } = await aptMachineIn(root, { online, env });
    return { root, ctx, apt: installs, bin: path.join(root, 'usr/local/bin') };
  }

  /** The server: installs Tailscale and Syncthing from upstream, keeping the packages, and serves them. */
  async function serverWithPackages() {
    const { baseUrl } = await serveTailscale(upstream, V, ARCH);
    const st = await serveSyncthing(upstream, SV, ARCH);
    const server = await aptMachine(true, {
      MESH_TAILSCALE_PACKAGES_URL: baseUrl,
      MESH_SYNCTHING_RELEASES_URL: st.baseUrl,
    });
    const dir = packagesDir(server.ctx);
    expect(dir).toBe(path.join(server.root, 'var/lib/mesh/packages'));
    const installed = await installMissingPrograms(server.ctx, { keepPackagesIn: dir });
    expect(installed.changes).toEqual([
      `installed tailscale ${V} (from ${baseUrl})`,
      `kept the tailscale package in ${dir} for mesh client setup --from-server`,
      `installed syncthing ${SV} (from ${st.baseUrl})`,
      `kept the syncthing package in ${dir} for mesh client setup --from-server`,
    ]);
    expect(server.apt).toEqual([]);
    expect((await readdir(path.join(dir, 'tailscale', 'stable'))).sort()).toEqual([
      PKG,
      `${PKG}.sha256`,
    ]);
    expect((await readdir(path.join(dir, 'syncthing', `v${SV}`))).sort()).toEqual([
      'sha256sum.txt.asc',
      ST,
    ]);
    const served = await source(dir);
    const hs = await httpServer({ '/health': { status: 200, body: '{"status":"pass"}' } });
    cleanups.push(() => hs.close());
    return { dir, served, hsUrl: hs.url };
  }

  it("installs Tailscale and Syncthing from what the server keeps, not the settings' sources", async () => {
    const { served, hsUrl } = await serverWithPackages();
    upstream.requests.length = 0;
    // The settings' sources point nowhere (wslContext's closed loopback port).
    const client = await aptMachine(false);
    const from = `http://127.0.0.1:${served.port}`;
    const r = await installMissingPrograms(withServerPackages(client.ctx, hsUrl, served.port));
    expect(r.changes).toEqual([
      `installed tailscale ${V} (from ${from}/tailscale/stable)`,
      `installed syncthing ${SV} (from ${from}/syncthing)`,
    ]);
    expect(upstream.requests).toEqual([]);
    expect(client.apt).toEqual([]);
    expect((await readdir(client.bin)).sort()).toEqual(['syncthing', 'tailscale', 'tailscaled']);
    const { stdout } = await run(path.join(client.bin, 'tailscale'), ['version']);
    expect(stdout.split('\n')[0]).toBe(V);
  });

  it('refuses a package the server holds tampered with, and installs nothing', async () => {
    const { dir, served, hsUrl } = await serverWithPackages();
    const kept = path.join(dir, 'tailscale', 'stable', PKG);
    const genuine = sha256Hex(await readFile(kept));
    const other = await tailscaleTgz(V, ARCH, '6.6.6');
    await writeFile(kept, other);
    const client = await aptMachine(false);
    const from = `http://127.0.0.1:${served.port}/tailscale/stable`;
    // Through client setup: --from-server reaches the install step, which stops it.
    const e = await meshFailure(
      clientSetup(client.ctx, {
        serverUrl: hsUrl,
        authKey: KEY,
        fromServer: true,
        packagesPort: served.port,
        peer: false,
      }),
      'failure',
    );
    expect(e.exitCode).toBe(1);
    expect(e.message).toBe(
      `installing tailscale ${V}: checksum mismatch for ${PKG} from ${from}/${PKG}: expected sha256 ${genuine}, got ${sha256Hex(other)}`,
    );
    expect(existsSync(client.bin) ? await readdir(client.bin) : []).toEqual([]);
    expect(client.apt).toEqual([]);
  });

  it('needs a server URL: exit 4 in one line when none is given or saved', async () => {
    const client = await aptMachine(false);
    const e = await meshFailure(
      clientSetup(client.ctx, { authKey: KEY, fromServer: true, peer: false }),
      'badInput',
    );
    expect(e.exitCode).toBe(4);
    expect(e.message).toBe('No server URL given and none saved');
  });
});
