import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeFileAtomic } from './atomic-file.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'mesh-atomic-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('writeFileAtomic', () => {
  it('no write when unchanged; timestamped backups; a failed validation leaves the original', async () => {
    const f = path.join(dir, 'a.conf');
    await writeFile(f, 'one\n');
    expect(await writeFileAtomic(f, 'one\n')).toEqual({ changed: false, existed: true });
    const r = await writeFileAtomic(f, 'two\n', { backup: 'timestamp' });
    expect(r.backupPath).toMatch(/a\.conf\.mesh-bak-\d{8}T\d{6}Z$/);
    expect(await readFile(r.backupPath ?? '', 'utf8')).toBe('one\n');
    await expect(
      writeFileAtomic(f, 'three\n', {
        validate: async () => {
          throw new Error('rejected');
        },
      }),
    ).rejects.toThrow('rejected');
    expect(await readFile(f, 'utf8')).toBe('two\n');
    expect((await readdir(dir)).filter((n) => n.includes('mesh-tmp'))).toEqual([]);
  });
});
