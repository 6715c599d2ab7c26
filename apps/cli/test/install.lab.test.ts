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

// Machines with none of Tailscale, Headscale or Syncthing on them: mesh installs them from
// release packages, verified by their checksum files, served by the lab's package source inside
// the lab network (the pinned binaries laid out as the three projects lay out their releases).
const SERVER_URL = 'http://10.99.0.1:8080';
const PACKAGES = path.join(process.env['MESH_CACHE_DIR'] || '/var/cache/mesh', 'packages/current');
const TAILSCALE_TGZ = 'tailscale_1.98.10_amd64.tgz';

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

describeLab(
  'mesh installs Tailscale, Headscale and Syncthing from a package source (systemd hosts)',
  () => {
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
      });
    }, 240_000);

    afterAll(async () => {
      printTimings('mesh installs its programs: timings', timings);
      await lab?.down();
      if (served) await rm(served, { recursive: true, force: true });
    }, 120_000);

    it('mesh server setup installs Headscale from its release package; again, nothing is downloaded', async () => {
      for (const p of ['headscale', 'tailscale', 'syncthing']) {
        expect((await on('server', 'sh', ['-c', `command -v ${p}`])).exitCode, p).not.toBe(0);
      }
      // The server is a member too: it installs Tailscale and Syncthing as the clients do.
      const env = {
        MESH_HEADSCALE_RELEASES_URL: lab.packageSource.headscaleUrl,
        MESH_TAILSCALE_PACKAGES_URL: lab.packageSource.tailscaleUrl,
        MESH_SYNCTHING_RELEASES_URL: lab.packageSource.syncthingUrl,
      };
      const r = await on('server', 'mesh', ['server', 'setup'], env);
      expect(r.exitCode, r.stdout + r.stderr).toBe(0);
      expect(r.stdout).toMatch(/installed headscale 0\.29\.2/i);
      expect(r.stdout).toMatch(/installed tailscale 1\.98\.10/i);
      expect(r.stdout).toMatch(/installed syncthing 1\.30\.0/i);
      expect((await on('server', 'systemctl', ['is-active', 'mesh-syncthing'])).stdout.trim()).toBe(
        'active',
      );
      const version = await on('server', '/usr/local/bin/headscale', ['version']);
      expect(version.stdout).toContain('0.29.2');
      expect((await on('server', 'systemctl', ['is-active', 'headscale'])).stdout.trim()).toBe(
        'active',
      );
      const before = await requests();
      expect(before.some((l) => l.includes('/headscale/v0.29.2/checksums.txt 200'))).toBe(true);
      const again = await on('server', 'mesh', ['server', 'setup', '--json'], env);
      expect(again.exitCode, again.stderr).toBe(0);
      expect(JSON.parse(again.stdout)).toMatchObject({ changed: false });
      expect(await requests()).toEqual(before);
    }, 240_000);

    it('a tampered Tailscale package is refused by its checksum in one line; nothing is installed', async () => {
      const keygen = await on('server', 'mesh', ['server', 'keygen', '--save', '/root/join.key']);
      expect(keygen.exitCode, keygen.stderr).toBe(0);
      const dest = path.join(lab.host('wsl').root, 'root/join.key');
      await copyFile(path.join(lab.host('server').root, 'root/join.key'), dest);
      await chmod(dest, 0o600);
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

    it('mesh client setup installs Tailscale and Syncthing from their packages, joins, and files flow', async () => {
      const t0 = Date.now();
      const r = await on(
        'wsl',
        'mesh',
        ['client', 'setup', '--server', SERVER_URL, '--key-file', '/root/join.key'],
        {
          MESH_TAILSCALE_PACKAGES_URL: lab.packageSource.tailscaleUrl,
          MESH_SYNCTHING_RELEASES_URL: lab.packageSource.syncthingUrl,
        },
      );
      expect(r.exitCode, r.stdout + r.stderr).toBe(0);
      expect(r.stdout).toMatch(/tailscale 1\.98\.10/i);
      expect(r.stdout).toMatch(/installed syncthing 1\.30\.0/i);
      expect((await on('wsl', '/usr/local/bin/tailscale', ['version'])).stdout).toMatch(
        /^1\.98\.10/,
      );
      expect((await on('wsl', '/usr/local/bin/syncthing', ['--version'])).stdout).toMatch(
        /^syncthing v1\.30\.0 /,
      );
      expect((await on('wsl', 'tailscale', ['status'])).exitCode).toBe(0);
      await writeFile(
        path.join(lab.host('server').root, 'opt/shared/installed.txt'),
        'installed\n',
      );
      await arrives(lab.host('wsl'), 'installed.txt', 'installed\n');
      timings.push(['wsl: client setup, Tailscale installed -> first file', Date.now() - t0]);
    }, 300_000);

    it('mesh client setup --from-server: Tailscale and Syncthing from the copies the server kept, nothing from outside', async () => {
      const kept = path.join(lab.host('server').root, 'var/lib/mesh/packages/tailscale/stable');
      expect(await readFile(path.join(kept, `${TAILSCALE_TGZ}.sha256`), 'utf8')).toBe(
        await readFile(path.join(PACKAGES, 'tailscale/stable', `${TAILSCALE_TGZ}.sha256`), 'utf8'),
      );
      const dest = path.join(lab.host('windows').root, 'root/join.key');
      await copyFile(path.join(lab.host('server').root, 'root/join.key'), dest);
      await chmod(dest, 0o600);
      const before = await requests();
      const t0 = Date.now();
      // The package source is named but must not be used: the machine reaches only the server.
      const r = await on(
        'windows',
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
        {
          MESH_TAILSCALE_PACKAGES_URL: 'http://10.99.0.250:9/nowhere',
          MESH_SYNCTHING_RELEASES_URL: 'http://10.99.0.250:9/nowhere',
        },
      );
      expect(r.exitCode, r.stdout + r.stderr).toBe(0);
      expect(r.stdout).toMatch(
        /^OK: Installed tailscale 1\.98\.10 \(from http:\/\/10\.99\.0\.1:8091\/tailscale\/stable\)$/m,
      );
      expect(r.stdout).toMatch(
        /^OK: Installed syncthing 1\.30\.0 \(from http:\/\/10\.99\.0\.1:8091\/syncthing\)$/m,
      );
      expect(await requests()).toEqual(before);
      expect((await on('windows', 'tailscale', ['status'])).exitCode).toBe(0);
      await writeFile(path.join(lab.host('server').root, 'opt/shared/from-server.txt'), 'kept\n');
      await arrives(lab.host('windows'), 'from-server.txt', 'kept\n');
      timings.push(['windows: client setup --from-server -> first file', Date.now() - t0]);
    }, 300_000);
  },
);
