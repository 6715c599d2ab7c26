import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createMeshContext, isMeshError } from '@mesh/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { capturedOutput } from '../output/capture.js';
import { conflicts, conflictsResolve } from './conflicts.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'mesh-conflicts-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

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
      capturedOutput({ json: true }).out,
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
      capturedOutput({ json: true }).out,
    ).catch((e: unknown) => e);
    expect(isMeshError(error) && error.hint).toContain('mesh server setup');
  });

  it('lists the conflict copies of a shared folder that exists', async () => {
    const folder = path.join(dir, 'shared');
    await mkdir(folder);
    await writeFile(path.join(folder, 'notes.txt'), 'a');
    await writeFile(path.join(folder, 'notes.sync-conflict-20240101-120000-ABCDEFG.txt'), 'b');
    const { out, text } = capturedOutput({ json: true });
    expect(
      await conflicts({ json: true, ctx: await ctxFor('server', folder), deviceNames }, out),
    ).toBe(0);
    expect(JSON.parse(text())).toEqual({
      ok: true,
      folder,
      deviceNamesKnown: true,
      conflicts: [
        {
          copy: 'notes.sync-conflict-20240101-120000-ABCDEFG.txt',
          original: 'notes.txt',
          winner: { shortId: 'ABCDEFG', name: 'laptop' },
          madeOn: null,
          madeAt: new Date(2024, 0, 1, 12, 0, 0).toISOString(),
          copyBytes: 1,
          originalBytes: 1,
        },
      ],
    });
  });
});

const deviceNames = async () => new Map([['ABCDEFG', 'laptop']]);

describe('mesh conflicts resolve', () => {
  const copy = 'notes.sync-conflict-20240101-120000-ABCDEFG.txt';
  async function setUp() {
    const folder = path.join(dir, 'shared');
    await mkdir(folder);
    await writeFile(path.join(folder, 'notes.txt'), 'mine');
    await writeFile(path.join(folder, copy), 'theirs');
    return { folder, ctx: await ctxFor('wsl2', folder) };
  }

  it('--keep theirs --json: the result as JSON, the original set aside', async () => {
    const { folder, ctx } = await setUp();
    const { out, text } = capturedOutput({ json: true });
    const code = await conflictsResolve(
      { json: true, ctx, deviceNames, path: copy, keep: 'theirs', dryRun: false },
      out,
    );
    expect(code).toBe(0);
    const r = JSON.parse(text()) as {
      archive: string;
      resolutions: Array<{ setAside: { to: string } }>;
    };
    expect(r).toMatchObject({
      ok: true,
      keep: 'theirs',
      dryRun: false,
      changed: true,
      resolutions: [{ copy, original: 'notes.txt', kept: 'copy', winner: { name: 'laptop' } }],
    });
    expect(await readFile(path.join(folder, 'notes.txt'), 'utf8')).toBe('theirs');
    const aside = r.resolutions[0]?.setAside.to ?? '';
    expect(aside.startsWith(`${r.archive}/`)).toBe(true);
    expect(await readFile(path.join(folder, aside), 'utf8')).toBe('mine');
  });

  it('--dry-run in human mode says "would" and changes nothing', async () => {
    const { folder, ctx } = await setUp();
    const captured = capturedOutput();
    await conflictsResolve(
      { json: false, ctx, deviceNames, all: true, keep: 'mine', dryRun: true },
      captured.out,
    );
    const text = captured.text();
    expect(text).toContain('dry run');
    expect(text).toContain(
      `notes.txt: would keep it as it is; would move the copy to .mesh-resolved/`,
    );
    expect(text).toContain('laptop (ABCDEFG)');
    expect(await readFile(path.join(folder, copy), 'utf8')).toBe('theirs');
  });

  it('a path outside the shared folder is refused (exit 4)', async () => {
    const { ctx } = await setUp();
    const error: unknown = await conflictsResolve(
      { json: true, ctx, deviceNames, path: '/etc/passwd', keep: 'theirs', dryRun: false },
      capturedOutput({ json: true }).out,
    ).catch((e: unknown) => e);
    expect(isMeshError(error) && error.exitCode).toBe(4);
  });
});
