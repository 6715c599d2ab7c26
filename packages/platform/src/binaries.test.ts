import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findOnPath, resolveMeshBinary } from './binaries.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'mesh-bin-'));
  await writeFile(path.join(dir, 'headscale'), '#!/bin/sh\n');
  await chmod(path.join(dir, 'headscale'), 0o755);
  await writeFile(path.join(dir, 'not-executable'), '');
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('resolveMeshBinary', () => {
  it('takes option, then MESH_<NAME>_BIN, then the cache dir, then the bare name', () => {
    const env = { MESH_HEADSCALE_BIN: '/from/env' };
    expect(resolveMeshBinary('headscale', { explicit: '/x', env, binDir: dir })).toBe('/x');
    expect(resolveMeshBinary('headscale', { env, binDir: dir })).toBe('/from/env');
    expect(resolveMeshBinary('headscale', { env: {}, binDir: dir })).toBe(
      path.join(dir, 'headscale'),
    );
    expect(resolveMeshBinary('not-executable', { env: {}, binDir: dir })).toBe('not-executable');
    expect(
      resolveMeshBinary('tailscaled', { env: { MESH_TAILSCALED_BIN: '/t' }, binDir: dir }),
    ).toBe('/t');
    expect(resolveMeshBinary('x', { envName: 'OTHER', env: { OTHER: '/o' } })).toBe('/o');
  });
});

describe('findOnPath', () => {
  it('finds executables on PATH and leaves absolute paths and unknown names alone', async () => {
    const env = { PATH: `/nonexistent${path.delimiter}${dir}` };
    expect(await findOnPath('headscale', env)).toBe(path.join(dir, 'headscale'));
    expect(await findOnPath('not-executable', env)).toBe('not-executable');
    expect(await findOnPath('/abs/prog', env)).toBe('/abs/prog');
  });
});
