import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createMeshContext, isMeshError } from '@mesh/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Output } from '../output/output.js';
import { conflicts } from './conflicts.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'mesh-conflicts-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

function output() {
  const out: string[] = [];
  const o = new Output({
    json: true,
    env: {},
    streams: { stdout: { write: (s: string) => out.push(s) }, stderr: { write: () => true } },
  });
  return { o, out };
}

function ctxFor(role: string, sharedFolder: string) {
  return createMeshContext({
    env: { HOME: dir, MESH_ROOT: dir, MESH_ROLE: role, MESH_SHARED_FOLDER_LINUX: sharedFolder },
  });
}

describe('mesh conflicts', () => {
  it('before setup: says there is no shared folder yet and how to set up (exit 4)', async () => {
    const folder = path.join(dir, 'opt', 'shared');
    const error: unknown = await conflicts(
      { json: true, ctx: await ctxFor('wsl2', folder) },
      output().o,
    ).catch((e: unknown) => e);
    expect(isMeshError(error)).toBe(true);
    if (!isMeshError(error)) return;
    expect(error.message).toBe(`There is no shared folder yet at ${folder}`);
    expect(error.message).not.toMatch(/ENOENT/);
    expect(error.hint).toContain('mesh client setup --server URL');
    expect(error.exitCode).toBe(4);
  });

  it('names server setup on the server', async () => {
    const error: unknown = await conflicts(
      { json: true, ctx: await ctxFor('server', path.join(dir, 'missing')) },
      output().o,
    ).catch((e: unknown) => e);
    expect(isMeshError(error) && error.hint).toContain('mesh server setup');
  });

  it('lists the conflict copies of a shared folder that exists', async () => {
    const folder = path.join(dir, 'shared');
    await mkdir(folder);
    await writeFile(path.join(folder, 'notes.txt'), 'a');
    await writeFile(path.join(folder, 'notes.sync-conflict-20240101-120000-ABCDEFG.txt'), 'b');
    const { o, out } = output();
    expect(await conflicts({ json: true, ctx: await ctxFor('server', folder) }, o)).toBe(0);
    expect(JSON.parse(out.join(''))).toMatchObject({
      ok: true,
      folder,
      files: [{ path: 'notes.sync-conflict-20240101-120000-ABCDEFG.txt', original: 'notes.txt' }],
    });
  });
});
