import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The CLI as npm users get it: packed by pnpm, installed from the tarball into an empty project
// with npm offline (everything is bundled, so there is nothing else to fetch), run through npx.
const cli = resolve(import.meta.dirname, '../../apps/cli');

let dir = '';
let tarball = '';
let files: string[] = [];

beforeAll(async () => {
  if (!existsSync(join(cli, 'dist/mesh.cjs'))) {
    throw new Error('apps/cli/dist/mesh.cjs is missing: run `pnpm build` first');
  }
  dir = await mkdtemp(join(tmpdir(), 'mesh-cli-package-'));
  await execa('pnpm', ['pack', '--pack-destination', dir], { cwd: cli, timeout: 60_000 });
  const packed = (await readdir(dir)).find((f) => f.endsWith('.tgz'));
  if (!packed) throw new Error(`pnpm pack wrote no tarball into ${dir}`);
  tarball = join(dir, packed);
  files = (await execa('tar', ['-tzf', tarball])).stdout.split('\n').sort();
  await mkdir(join(dir, 'app'));
  await writeFile(
    join(dir, 'app/package.json'),
    JSON.stringify({ name: 'try-mesh', private: true }),
  );
  await execa('npm', ['install', '--offline', '--no-audit', '--no-fund', tarball], {
    cwd: join(dir, 'app'),
    timeout: 120_000,
  });
}, 180_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('@mesh/cli from its tarball', () => {
  it('is public, with a mesh bin and no runtime dependencies', async () => {
    const { stdout } = await execa('tar', ['-xzOf', tarball, 'package/package.json']);
    const manifest = JSON.parse(stdout) as Record<string, unknown>;
    expect(manifest['private']).toBeUndefined();
    expect(manifest['bin']).toEqual({ mesh: './bin/mesh.cjs' });
    expect(manifest['dependencies']).toBeUndefined();
    expect(manifest['engines']).toEqual({ node: '>=20.19' });
  });

  it('holds the bin, the bundle, README and LICENSE, and no sources or maps', () => {
    for (const file of [
      'bin/mesh.cjs',
      'dist/mesh.cjs',
      'dist/mesh-main.js',
      'README.md',
      'LICENSE',
      'package.json',
    ]) {
      expect(files).toContain(`package/${file}`);
    }
    expect(files.filter((f) => /\/src\/|\.map$|\.test\.|dist-bin/.test(f))).toEqual([]);
  });

  it('starts with a node shebang', async () => {
    const bin = await readFile(join(dir, 'app/node_modules/@mesh/cli/bin/mesh.cjs'), 'utf8');
    expect(bin.split('\n')[0]).toBe('#!/usr/bin/env node');
  });

  it.each([['mesh'], ['@mesh/cli']])('npx %s --version prints its version', async (name) => {
    const { version } = JSON.parse(await readFile(join(cli, 'package.json'), 'utf8'));
    const { stdout } = await execa('npx', ['--offline', name, '--version'], {
      cwd: join(dir, 'app'),
      timeout: 30_000,
    });
    expect(stdout.trim()).toBe(version);
  });

  it('npx mesh --help lists the commands', async () => {
    const { stdout } = await execa('npx', ['--offline', 'mesh', '--help'], {
      cwd: join(dir, 'app'),
      timeout: 30_000,
    });
    expect(stdout).toContain('mesh server');
    expect(stdout).toContain('mesh client');
  });
});
