import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { createMeshContext } from '../context.js';
import { instantSync, syncthingTransfers } from './instant-sync.js';

describe('instantSync', () => {
  it('a shared folder that appears after the agent started is watched once it is there', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'mesh-instant-'));
    const folder = path.join(dir, 'shared');
    const ctx = await createMeshContext({
      env: { HOME: dir, MESH_ROOT: dir, MESH_ROLE: 'wsl2', MESH_SHARED_FOLDER_LINUX: folder },
    });
    const errors: string[] = [];
    const stop = new AbortController();
    // No Syncthing here: a scan request fails, which shows that the change was seen.
    const running = instantSync(ctx, {
      signal: stop.signal,
      lookAgainMs: 20,
      onError: (e) => errors.push((e as Error).message),
    });
    try {
      await sleep(100);
      expect(errors).toEqual([]); // a missing folder is waited for, not an error
      await mkdir(folder);
      await sleep(100);
      await writeFile(path.join(folder, 'a.txt'), 'a');
      for (let i = 0; i < 100 && errors.length === 0; i++) await sleep(20);
      expect(errors).toEqual([expect.stringContaining('Syncthing is not set up')]);
    } finally {
      stop.abort();
      await running;
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('syncthingTransfers', () => {
  it("takes a file's events right after its temp file's for Syncthing finishing it", () => {
    let now = 1000;
    const t = syncthingTransfers(() => now);
    t.saw('docs/.syncthing.report.pdf.tmp');
    t.saw('~syncthing~notes.txt.tmp');
    now += 50;
    expect(t.finishing('docs/report.pdf')).toBe(true);
    expect(t.finishing('notes.txt')).toBe(true);
    expect(t.finishing('report.pdf')).toBe(false);
    expect(t.finishing('docs/other.pdf')).toBe(false);
  });

  it('an edit well after the transfer is an edit again', () => {
    let now = 1000;
    const t = syncthingTransfers(() => now);
    t.saw('.syncthing.a.txt.tmp');
    now += 1000;
    expect(t.finishing('a.txt')).toBe(false);
  });

  it('other ignored paths note nothing', () => {
    const t = syncthingTransfers(() => 1000);
    t.saw('.stversions/a~20261130-120000.txt');
    t.saw('.stfolder');
    expect(t.finishing('a.txt')).toBe(false);
    expect(t.finishing('.stfolder')).toBe(false);
  });
});
