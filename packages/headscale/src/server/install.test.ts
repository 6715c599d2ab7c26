import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRunner } from '@mesh/platform';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { must } from '../../test/must.js';
import { HeadscaleConfigError } from '../errors.js';
import { installHeadscale } from './install.js';

const LOCAL = '/var/cache/mesh/bin/headscale';
const REQUIRE = process.env['MESH_REQUIRE_LAB'] === '1';
if (!existsSync(LOCAL)) {
  if (REQUIRE) throw new Error(`install tests need ${LOCAL} (MESH_REQUIRE_LAB=1)`);
  console.warn(`[skip] install tests: missing ${LOCAL}`);
}

describe.skipIf(!existsSync(LOCAL))('installHeadscale from a local HTTP server', () => {
  let dir: string;
  let server: Server;
  let base: string;
  const sha: Record<string, string> = {};
  const runner = createRunner();

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mesh-hs-pkg-'));
    const files = join(dir, 'files');
    await mkdir(join(files, 'tar/headscale_0.29.2_linux_amd64'), { recursive: true });
    await copyFile(LOCAL, join(files, 'headscale.bin'));
    await copyFile(LOCAL, join(files, 'tar/headscale_0.29.2_linux_amd64/headscale'));
    await runner.run(
      'tar',
      ['-czf', join(files, 'headscale.tar.gz'), '-C', join(files, 'tar'), '.'],
      { timeout: 120_000, env: { GZIP: '-1' } },
    );
    await mkdir(join(files, 'deb/DEBIAN'), { recursive: true });
    await mkdir(join(files, 'deb/usr/bin'), { recursive: true });
    await writeFile(
      join(files, 'deb/DEBIAN/control'),
      'Package: headscale\nVersion: 0.29.2\nArchitecture: amd64\nMaintainer: test <t@t>\nDescription: test\n',
    );
    await copyFile(LOCAL, join(files, 'deb/usr/bin/headscale'));
    const deb = await runner.run(
      'dpkg-deb',
      ['-Zgzip', '-z1', '--build', join(files, 'deb'), join(files, 'headscale.deb')],
      { timeout: 120_000 },
    );
    expect(deb.exitCode, deb.stderr).toBe(0);
    for (const f of ['headscale.bin', 'headscale.tar.gz', 'headscale.deb']) {
      sha[f] = createHash('sha256')
        .update(await readFile(join(files, f)))
        .digest('hex');
    }
    server = createServer(async (req, res) => {
      const name = (req.url ?? '').slice(1);
      if (!sha[name]) {
        res.writeHead(404).end();
        return;
      }
      res
        .writeHead(200, { 'content-type': 'application/octet-stream' })
        .end(await readFile(join(files, name)));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  }, 120_000);

  afterAll(async () => {
    await new Promise((r) => server?.close(r));
    await rm(dir, { recursive: true, force: true });
  });

  it.each([
    ['headscale.bin', 'binary'],
    ['headscale.tar.gz', 'tar.gz'],
    ['headscale.deb', 'deb'],
  ] as const)(
    'installs %s, verifies it runs, and is idempotent',
    async (file, format) => {
      const installPath = join(dir, `bin-${format}`, 'headscale');
      await mkdir(join(dir, `bin-${format}`), { recursive: true });
      const download = {
        url: `${base}/${file}`,
        sha256: must(sha[file], `sha256 of ${file}`),
        format,
      };
      expect(await installHeadscale({ installPath, download })).toEqual({
        binary: installPath,
        changed: true,
      });
      const v = await runner.run(installPath, ['version'], { timeout: 30_000 });
      expect(v.stdout).toContain('0.29.2');
      expect(await installHeadscale({ installPath, download })).toEqual({
        binary: installPath,
        changed: false,
      });
    },
    60_000,
  );

  it('refuses a wrong checksum and installs nothing', async () => {
    const installPath = join(dir, 'bad', 'headscale');
    await mkdir(join(dir, 'bad'));
    const err = await installHeadscale({
      installPath,
      download: { url: `${base}/headscale.bin`, sha256: '0'.repeat(64) },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HeadscaleConfigError);
    expect((err as Error).message).toMatch(/SHA-256 mismatch/);
    expect(existsSync(installPath)).toBe(false);
  });

  it('uses an existing binary without downloading', async () => {
    expect(
      await installHeadscale({ installPath: '/nonexistent/headscale', existing: LOCAL }),
    ).toEqual({ binary: LOCAL, changed: false });
  });
});
