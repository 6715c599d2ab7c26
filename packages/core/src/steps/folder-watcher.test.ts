import { mkdir, mkdtemp, open, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type FolderWatcher, watchFolder } from './folder-watcher.js';

const TEMP = /(^|\/)\.syncthing\./;

describe('watchFolder (real inotify)', () => {
  let root: string;
  let watcher: FolderWatcher | undefined;
  let seen: string[];
  let errors: unknown[];

  const start = async () => {
    watcher = await watchFolder(root, {
      ignore: (rel) => TEMP.test(rel),
      onChange: (rel) => seen.push(rel),
      onError: (e) => errors.push(e),
    });
    return watcher;
  };
  const settle = () => sleep(100);

  beforeEach(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'mesh-watch-'));
    seen = [];
    errors = [];
  });
  afterEach(async () => {
    watcher?.close();
    await rm(root, { recursive: true, force: true });
  });

  it('reports a new and an edited file by path, in directories that existed at start', async () => {
    await mkdir(path.join(root, 'a/b'), { recursive: true });
    await writeFile(path.join(root, 'a/b/old.txt'), '1');
    const w = await start();
    expect(w.directories).toBe(3);
    await writeFile(path.join(root, 'top.txt'), 'x');
    await writeFile(path.join(root, 'a/b/old.txt'), '2');
    await settle();
    expect(new Set(seen)).toEqual(new Set(['top.txt', 'a/b/old.txt']));
    expect(errors).toEqual([]);
  });

  it('follows directories created or moved in after start, and drops removed ones', async () => {
    await mkdir(path.join(root, 'outside'));
    const w = await start();
    await mkdir(path.join(root, 'new/deep'), { recursive: true });
    await settle();
    await writeFile(path.join(root, 'new/deep/f.txt'), 'x');
    await mkdir(path.join(tmpdir(), `${path.basename(root)}-in/sub`), { recursive: true });
    await rename(path.join(tmpdir(), `${path.basename(root)}-in`), path.join(root, 'moved'));
    await settle();
    await writeFile(path.join(root, 'moved/sub/g.txt'), 'y');
    await settle();
    expect(seen).toContain('new');
    expect(seen).toContain('new/deep/f.txt');
    expect(seen).toContain('moved');
    expect(seen).toContain('moved/sub/g.txt');
    expect(w.directories).toBe(6);

    await rm(path.join(root, 'new'), { recursive: true });
    await settle();
    expect(w.directories).toBe(4);
    expect(errors).toEqual([]);
  });

  it('does nothing for the writes of an ignored file: no report, whatever its size', async () => {
    await start();
    const f = await open(path.join(root, '.syncthing.big.bin.tmp'), 'w');
    const block = Buffer.alloc(128 * 1024, 1);
    for (let i = 0; i < 200; i++) await f.write(block);
    await f.close();
    await rename(path.join(root, '.syncthing.big.bin.tmp'), path.join(root, 'big.bin'));
    await settle();
    expect(seen).toEqual(['big.bin']);
  });

  it('a missing folder is an error, not a silent watcher of nothing', async () => {
    await rm(root, { recursive: true });
    const w = await start();
    expect(w.directories).toBe(0);
    expect((errors[0] as NodeJS.ErrnoException).code).toBe('ENOENT');
  });

  it('a folder removed while watched watches nothing any more (directories 0)', async () => {
    await mkdir(path.join(root, 'sub'));
    const w = await start();
    expect(w.directories).toBe(2);
    await rm(root, { recursive: true });
    for (let i = 0; i < 50 && w.directories > 0; i++) await sleep(20);
    expect(w.directories).toBe(0);
    expect(errors).toEqual([]);
  });
});
