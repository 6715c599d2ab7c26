import {
  chmod,
  copyFile,
  mkdir,
  mkdtemp,
  readFile,
  rm,
  symlink,
  writeFile,
} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describeLab, type Lab } from '@mesh/lab';
import type { RunResult } from '@mesh/platform';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { arrives } from './lab-helpers.js';
import { bootMachines, printTimings, type Timings } from './machines.js';

// Machines with none of Node, Tailscale, Headscale or Syncthing on them, and `mesh` as the
// single-file binary alone: the server installs the programs from release packages, verified by
// their checksum files, served by the lab's package source inside the lab network (the pinned
// binaries laid out as the three projects lay out their releases); the clients install them
// from the copies the server kept (`--from-server`).
const SERVER_URL = 'http://10.99.0.1:8080';
const PACKAGES = path.join(process.env['MESH_CACHE_DIR'] || '/var/cache/mesh', 'packages/current');
const TAILSCALE_TGZ = 'tailscale_1.98.10_amd64.tgz';
const SINGLE_FILE_MESH = path.resolve(import.meta.dirname, '../dist-bin/mesh');
// What a client is told and must not use: with --from-server it reaches only the server.
const NOWHERE = 'http://10.99.0.250:9/nowhere';

let lab: Lab;
let served: string;
const timings: Timings = [];

async function on(
  host: string,
  file: string,
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<RunResult> {
  return lab
    .host(host)
    .runner.run(file, args, { timeout: 180_000, env: { NO_COLOR: '1', ...env } });
}

/** The package source's requests so far, as its log lists them (`GET /path 200`). */
async function requests(): Promise<string[]> {
  const log = await readFile(path.join(lab.host('server').logs, 'package-source.log'), 'utf8');
  return log.split('\n').filter((l) => l.startsWith('GET '));
}

/** The server's join key, copied to `host` as /root/join.key (0600). */
async function giveKey(host: string): Promise<void> {
  const dest = path.join(lab.host(host).root, 'root/join.key');
  await copyFile(path.join(lab.host('server').root, 'root/join.key'), dest);
  await chmod(dest, 0o600);
}

describeLab('mesh, a single file, installs every program it needs (systemd hosts)', () => {
  beforeAll(async () => {
    // What the lab serves: the install script's packages, and beside them a Tailscale package
    // altered by one byte under the original checksum file, as a tampered mirror would serve it.
    served = await mkdtemp(path.join(os.tmpdir(), 'mesh-packages-'));
    for (const d of ['tailscale', 'headscale', 'syncthing', '.complete'])
      await symlink(path.join(PACKAGES, d), path.join(served, d));
    const tampered = path.join(served, 'tampered/stable');
    await mkdir(tampered, { recursive: true });
    const good = path.join(PACKAGES, 'tailscale/stable');
    const bytes = await readFile(path.join(good, TAILSCALE_TGZ));
    bytes[bytes.length >> 1] = (bytes[bytes.length >> 1] ?? 0) ^ 0xff;
    await writeFile(path.join(tampered, TAILSCALE_TGZ), bytes);
    await copyFile(
      path.join(good, `${TAILSCALE_TGZ}.sha256`),
      path.join(tampered, `${TAILSCALE_TGZ}.sha256`),
    );
    lab = await bootMachines(['server', 'wsl', 'windows'], timings, {
      machinePrograms: [],
      packageSource: served,
      meshBinary: SINGLE_FILE_MESH,
    });
  }, 240_000);

  afterAll(async () => {
    printTimings('mesh installs its programs: timings', timings);
    await lab?.down();
    if (served) await rm(served, { recursive: true, force: true });
  }, 120_000);

  it('mesh server setup installs Headscale, Tailscale and Syncthing from their release packages; again, nothing is downloaded', async () => {
    for (const host of ['server', 'wsl', 'windows']) {
      for (const p of ['node', 'headscale', 'tailscale', 'syncthing']) {
        const found = await on(host, 'sh', ['-c', `command -v ${p}`]);
        expect(found.exitCode, `${p} on ${host}`).not.toBe(0);
      }
    }
    // The server is a member too: it installs Tailscale and Syncthing as the clients do.
    const env = {
      MESH_HEADSCALE_RELEASES_URL: lab.packageSource.headscaleUrl,
      MESH_TAILSCALE_PACKAGES_URL: lab.packageSource.tailscaleUrl,
      MESH_SYNCTHING_RELEASES_URL: lab.packageSource.syncthingUrl,
    };
    const t0 = Date.now();
    const r = await on('server', 'mesh', ['server', 'setup'], env);
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    timings.push(['server: mesh server setup, three programs installed', Date.now() - t0]);
    expect(r.stdout).toMatch(/installed headscale 0\.29\.2/i);
    expect(r.stdout).toMatch(/installed tailscale 1\.98\.10/i);
    expect(r.stdout).toMatch(/installed syncthing 1\.30\.0/i);
    for (const unit of ['headscale', 'mesh-syncthing', 'mesh-tailscaled', 'mesh-agent']) {
      expect((await on('server', 'systemctl', ['is-active', unit])).stdout.trim(), unit).toBe(
        'active',
      );
    }
    expect((await on('server', '/usr/local/bin/headscale', ['version'])).stdout).toContain(
      '0.29.2',
    );
    const before = await requests();
    expect(before.some((l) => l.includes('/headscale/v0.29.2/checksums.txt 200'))).toBe(true);
    const again = await on('server', 'mesh', ['server', 'setup', '--json'], env);
    expect(again.exitCode, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ changed: false });
    expect(await requests()).toEqual(before);
    const keygen = await on('server', 'mesh', ['server', 'keygen', '--save', '/root/join.key']);
    expect(keygen.exitCode, keygen.stderr).toBe(0);
  }, 240_000);

  it('a tampered Tailscale package is refused by its checksum in one line; nothing is installed', async () => {
    await giveKey('wsl');
    const r = await on(
      'wsl',
      'mesh',
      ['client', 'setup', '--server', SERVER_URL, '--key-file', '/root/join.key'],
      {
        MESH_TAILSCALE_PACKAGES_URL: `${lab.packageSource.url}/tampered/stable`,
        MESH_SYNCTHING_RELEASES_URL: lab.packageSource.syncthingUrl,
      },
    );
    expect(r.exitCode).not.toBe(0);
    const errors = r.stderr.split('\n').filter((l) => l.startsWith('ERROR:'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/checksum mismatch.*tailscale_1\.98\.10_amd64\.tgz/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const left = await on('wsl', 'sh', ['-c', 'ls /usr/local/bin; command -v tailscale']);
    expect(left.stdout).not.toMatch(/tailscale/);
  }, 240_000);

  it.each(['wsl', 'windows'])(
    'mesh client setup --from-server on %s: Tailscale and Syncthing from the copies the server kept, nothing from outside; files flow',
    async (host) => {
      const kept = path.join(lab.host('server').root, 'var/lib/mesh/packages/tailscale/stable');
      expect(await readFile(path.join(kept, `${TAILSCALE_TGZ}.sha256`), 'utf8')).toBe(
        await readFile(path.join(PACKAGES, 'tailscale/stable', `${TAILSCALE_TGZ}.sha256`), 'utf8'),
      );
      await giveKey(host);
      const before = await requests();
      const t0 = Date.now();
      const r = await on(
        host,
        'mesh',
        [
          'client',
          'setup',
          '--from-server',
          '--server',
          SERVER_URL,
          '--key-file',
          '/root/join.key',
        ],
        { MESH_TAILSCALE_PACKAGES_URL: NOWHERE, MESH_SYNCTHING_RELEASES_URL: NOWHERE },
      );
      expect(r.exitCode, r.stdout + r.stderr).toBe(0);
      expect(r.stdout).toMatch(
        /^OK: Installed tailscale 1\.98\.10 \(from http:\/\/10\.99\.0\.1:8091\/tailscale\/stable\)$/m,
      );
      expect(r.stdout).toMatch(
        /^OK: Installed syncthing 1\.30\.0 \(from http:\/\/10\.99\.0\.1:8091\/syncthing\)$/m,
      );
      expect(await requests()).toEqual(before);
      expect((await on(host, '/usr/local/bin/syncthing', ['--version'])).stdout).toMatch(
        /^syncthing v1\.30\.0 /,
      );
      expect((await on(host, 'tailscale', ['status'])).exitCode).toBe(0);
      const file = `from-server-${host}.txt`;
      await writeFile(path.join(lab.host('server').root, 'opt/shared', file), `${host}\n`);
      await arrives(lab.host(host), file, `${host}\n`);
      timings.push([`${host}: client setup --from-server -> first file`, Date.now() - t0]);
    },
    300_000,
  );

  it('the agents run the single file, and mesh status is healthy on every machine', async () => {
    for (const host of ['server', 'wsl', 'windows']) {
      const unit = await on(host, 'systemctl', ['show', '-p', 'ExecStart', 'mesh-agent']);
      expect(unit.stdout).toContain('/usr/local/bin/mesh');
      expect(unit.stdout).not.toContain('node');
      const status = await on(host, 'mesh', ['status']);
      expect(status.exitCode, `${host}: ${status.stdout}`).toBe(0);
    }
  }, 120_000);
});
