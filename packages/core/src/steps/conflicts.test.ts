import { mkdir, mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMeshContext, type MeshContext } from '../context.js';
import { isMeshError } from '../errors.js';
import {
  type CopyAuthorLookup,
  type DeviceNameLookup,
  listConflictCopies,
  type ResolveConflictsOptions,
  resolveConflicts,
} from './conflicts.js';

const COPY = 'notes.sync-conflict-20240102-030405-ABCDEFG.txt';
const NOW = () => new Date('2026-05-06T07:08:09.010Z');
const ARCHIVE = '.mesh-resolved/2026-05-06T07-08-09.010Z';
const names: DeviceNameLookup = async () =>
  new Map([
    ['ABCDEFG', 'laptop'],
    ['HIJKLMN', 'desktop'],
  ]);
// Syncthing's index: desktop made every copy's change (it lost to the device in the name).
const authors: CopyAuthorLookup = async (copies) => new Map(copies.map((c) => [c, 'HIJKLMN']));

let dir: string;
let folder: string;
let ctx: MeshContext;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'mesh-resolve-'));
  folder = path.join(dir, 'shared');
  await mkdir(folder);
  ctx = await createMeshContext({
    env: { HOME: dir, MESH_ROOT: dir, MESH_ROLE: 'wsl2', MESH_SHARED_FOLDER_LINUX: folder },
  });
});
afterEach(() => rm(dir, { recursive: true, force: true }));

async function put(rel: string, content: string, mtime?: string): Promise<void> {
  const p = path.join(folder, rel);
  await mkdir(path.dirname(p), { recursive: true });
  await writeFile(p, content);
  if (mtime) await utimes(p, new Date(mtime), new Date(mtime));
}

const read = (rel: string) => readFile(path.join(folder, rel), 'utf8');

/** Every file under the folder with its content and mtime. */
async function snapshot(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const e of await readdir(folder, { recursive: true, withFileTypes: true })) {
    if (!e.isFile()) continue;
    const p = path.join(e.parentPath, e.name);
    const rel = path.relative(folder, p).split(path.sep).join('/');
    out[rel] = `${await readFile(p, 'utf8')} @${(await stat(p)).mtimeMs}`;
  }
  return out;
}

function resolve(
  options: Partial<ResolveConflictsOptions> & Pick<ResolveConflictsOptions, 'keep'>,
) {
  return resolveConflicts(ctx, { deviceNames: names, copyAuthors: authors, now: NOW, ...options });
}

/** A pair where the original is older than the copy. */
async function pair(): Promise<void> {
  await put('notes.txt', 'mine', '2024-01-01T00:00:00Z');
  await put(COPY, 'theirs!', '2024-01-02T00:00:00Z');
}

describe('listConflictCopies', () => {
  it('names the device, the time and both sizes', async () => {
    await pair();
    await put(`sub/${'gone.sync-conflict-20240102-030405-BCDEFGH.md'}`, 'x');
    const list = await listConflictCopies(ctx, { deviceNames: names, copyAuthors: authors });
    expect(list.deviceNamesKnown).toBe(true);
    expect(list.conflicts).toEqual([
      {
        copy: COPY,
        original: 'notes.txt',
        winner: { shortId: 'ABCDEFG', name: 'laptop' },
        madeOn: { shortId: 'HIJKLMN', name: 'desktop' },
        madeAt: new Date(2024, 0, 2, 3, 4, 5).toISOString(),
        copyBytes: 7,
        originalBytes: 4,
      },
      {
        copy: 'sub/gone.sync-conflict-20240102-030405-BCDEFGH.md',
        original: 'sub/gone.md',
        winner: { shortId: 'BCDEFGH', name: null },
        madeOn: { shortId: 'HIJKLMN', name: 'desktop' },
        madeAt: new Date(2024, 0, 2, 3, 4, 5).toISOString(),
        copyBytes: 1,
        originalBytes: null,
      },
    ]);
  });

  it('shows short IDs when Syncthing does not answer (here: not set up)', async () => {
    await pair();
    const list = await listConflictCopies(ctx);
    expect(list.deviceNamesKnown).toBe(false);
    expect(list.conflicts[0]).toMatchObject({
      winner: { shortId: 'ABCDEFG', name: null },
      madeOn: null,
    });
  });
});

describe('resolveConflicts', () => {
  it('mine: the original stays, the copy moves to .mesh-resolved with its bytes', async () => {
    await pair();
    const r = await resolve({ path: COPY, keep: 'mine' });
    expect(r).toMatchObject({ changed: true, archive: ARCHIVE, nothingToDo: null });
    expect(r.resolutions).toEqual([
      expect.objectContaining({
        copy: COPY,
        kept: 'original',
        setAside: { version: 'copy', to: `${ARCHIVE}/${COPY}` },
        renamedTo: null,
        winner: { shortId: 'ABCDEFG', name: 'laptop' },
      }),
    ]);
    expect(await snapshot()).toMatchObject({
      'notes.txt': expect.stringMatching(/^mine @/),
      [`${ARCHIVE}/${COPY}`]: expect.stringMatching(/^theirs! @/),
    });
    expect(Object.keys(await snapshot())).not.toContain(COPY);
  });

  it("theirs: the copy's content takes the original's place; the original is set aside", async () => {
    await pair();
    const r = await resolve({ path: 'notes.txt', keep: 'theirs' });
    expect(r.resolutions[0]).toMatchObject({
      kept: 'copy',
      setAside: { version: 'original', to: `${ARCHIVE}/notes.txt` },
    });
    expect(await read('notes.txt')).toBe('theirs!');
    expect(await read(`${ARCHIVE}/notes.txt`)).toBe('mine');
    // The set-aside original keeps its mtime.
    expect((await stat(path.join(folder, ARCHIVE, 'notes.txt'))).mtime.toISOString()).toBe(
      '2024-01-01T00:00:00.000Z',
    );
    expect(Object.keys(await snapshot()).sort()).toEqual(
      [`${ARCHIVE}/notes.txt`, '.stignore', 'notes.txt'].sort(),
    );
  });

  it('newest: the later mtime wins, either way', async () => {
    await pair();
    expect((await resolve({ path: COPY, keep: 'newest' })).resolutions[0]?.kept).toBe('copy');
    expect(await read('notes.txt')).toBe('theirs!');

    const copy2 = 'notes.sync-conflict-20240103-000000-ABCDEFG.txt';
    await put(copy2, 'older', '2020-01-01T00:00:00Z');
    const r = await resolve({ path: copy2, keep: 'newest', now: () => new Date(0) });
    expect(r.resolutions[0]).toMatchObject({ kept: 'original', setAside: { version: 'copy' } });
    expect(await read('notes.txt')).toBe('theirs!');
    expect(await read(`.mesh-resolved/1970-01-01T00-00-00.000Z/${copy2}`)).toBe('older');
  });

  it('both: the copy gets a plain name with its date (Syncthing records no author of the losing change); nothing set aside', async () => {
    await pair();
    const r = await resolve({ path: COPY, keep: 'both' });
    const renamed = 'notes (conflict 2024-01-02 03-04-05).txt';
    expect(r.resolutions[0]).toMatchObject({ kept: 'both', setAside: null, renamedTo: renamed });
    expect(r.archive).toBeNull();
    expect(await read('notes.txt')).toBe('mine');
    expect(await read(renamed)).toBe('theirs!');
    expect((await listConflictCopies(ctx, { deviceNames: names })).conflicts).toEqual([]);
  });

  it('--all: every copy, several of one original in time order (the latest ends in place)', async () => {
    await pair();
    await put('notes.sync-conflict-20240105-000000-BCDEFGH.txt', 'latest', '2024-01-03T00:00:00Z');
    await put('a/b.sync-conflict-20240101-000000-ABCDEFG', 'b copy', '2024-01-09T00:00:00Z');
    await put('a/b', 'b', '2024-01-01T00:00:00Z');
    const r = await resolve({ all: true, keep: 'newest' });
    expect(r.resolutions.map((x) => [x.copy, x.kept])).toEqual([
      ['a/b.sync-conflict-20240101-000000-ABCDEFG', 'copy'],
      [COPY, 'copy'],
      ['notes.sync-conflict-20240105-000000-BCDEFGH.txt', 'copy'],
    ]);
    expect(await read('a/b')).toBe('b copy');
    expect(await read('notes.txt')).toBe('latest');
    // Both earlier versions of notes.txt are kept, neither overwrites the other.
    expect(await read(`${ARCHIVE}/notes.txt`)).toBe('mine');
    expect(await read(`${ARCHIVE}/notes (2).txt`)).toBe('theirs!');
    expect(await read(`${ARCHIVE}/a/b`)).toBe('b');
    expect((await listConflictCopies(ctx, { deviceNames: names })).conflicts).toEqual([]);
  });

  it.each(['mine', 'theirs', 'newest', 'both'] as const)(
    '--dry-run with --keep %s says what it would do and changes nothing',
    async (keep) => {
      await pair();
      await put('.stignore', 'node_modules\n');
      await put('x/y.sync-conflict-20240101-000000-ABCDEFG.md', 'y2');
      const before = await snapshot();
      const dry = await resolve({ all: true, keep, dryRun: true });
      expect(await snapshot()).toEqual(before);
      expect(dry).toMatchObject({ dryRun: true, changed: false });
      expect(dry.resolutions).toHaveLength(2);
      // The real run does what the dry run said.
      const real = await resolve({ all: true, keep });
      expect(real.resolutions).toEqual(dry.resolutions);
      expect(real.stignoreUpdated).toBe(dry.stignoreUpdated);
    },
  );

  it('a second run is a no-op with a message, by copy, by original or --all', async () => {
    await pair();
    await resolve({ path: COPY, keep: 'theirs' });
    const after = await snapshot();
    for (const options of [{ path: COPY }, { path: 'notes.txt' }, { all: true }]) {
      const again = await resolve({ ...options, keep: 'theirs' });
      expect(again).toMatchObject({ changed: false, resolutions: [] });
      expect(again.nothingToDo).toMatch(/nothing to (do|resolve)/);
    }
    expect(await snapshot()).toEqual(after);
  });

  it('refuses paths outside the shared folder (exit 4) and changes nothing', async () => {
    await pair();
    await writeFile(path.join(dir, COPY), 'outside');
    const before = await snapshot();
    for (const p of [path.join(dir, COPY), `../${COPY}`, '..', folder, '.mesh-resolved/x']) {
      const error: unknown = await resolve({ path: p, keep: 'theirs' }).catch((e: unknown) => e);
      expect(isMeshError(error) && error.exitCode, p).toBe(4);
    }
    expect(await snapshot()).toEqual(before);
    expect(await read(`../${COPY}`)).toBe('outside');
  });

  it('takes an absolute path inside the folder; a name that is nowhere is exit 4', async () => {
    await pair();
    const r = await resolve({ path: path.join(folder, COPY), keep: 'mine' });
    expect(r.resolutions).toHaveLength(1);
    const error: unknown = await resolve({ path: 'nope.txt', keep: 'mine' }).catch((e) => e);
    expect(isMeshError(error) && error.exitCode).toBe(4);
  });

  it('adds .mesh-resolved to an older .stignore once, keeping its lines', async () => {
    await pair();
    await put('.stignore', '// mine\nnode_modules');
    expect((await resolve({ path: COPY, keep: 'mine' })).stignoreUpdated).toBe(true);
    expect(await read('.stignore')).toBe(
      '// mine\nnode_modules\n// Versions mesh conflicts resolve set aside (they stay on this machine)\n.mesh-resolved\n',
    );
    await put('b.sync-conflict-20240101-000000-ABCDEFG', 'b');
    expect((await resolve({ path: 'b', keep: 'mine' })).stignoreUpdated).toBe(false);
  });

  it('never deletes: every byte of every version is somewhere, for every choice', async () => {
    for (const keep of ['mine', 'theirs', 'newest', 'both'] as const) {
      await rm(folder, { recursive: true, force: true });
      await mkdir(folder);
      await pair();
      await resolve({ path: COPY, keep });
      const contents = Object.values(await snapshot()).map((v) => v.replace(/ @.*/, ''));
      expect(contents, keep).toEqual(expect.arrayContaining(['mine', 'theirs!']));
    }
  });
});
