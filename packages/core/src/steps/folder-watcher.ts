import { type FSWatcher, watch } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import path from 'node:path';

export interface FolderWatcherOptions {
  /** Paths (relative, `/`-separated) never reported and, for directories, never watched. */
  ignore: (rel: string) => boolean;
  /** A path changed: a file written, or an entry created, renamed or removed. `''`: the root itself. */
  onChange: (rel: string) => void;
  /** An ignored path changed (nothing else is done for it). */
  onIgnored?: (rel: string) => void;
  onError: (error: unknown) => void;
  /** @default process.platform */
  platform?: NodeJS.Platform;
}

export interface FolderWatcher {
  /**
   * How many directories are watched (one on platforms that watch a tree natively); 0 once the
   * root is gone (Linux), when a new watcher is needed for it.
   */
  readonly directories: number;
  close(): void;
}

/**
 * Reports every change under `root` by its path, and does no other work per event. On Linux each
 * directory has its own inotify watch, added as directories appear and dropped as they go;
 * macOS and Windows watch the tree natively. General watchers re-read a whole directory after
 * each event in it: while Syncthing writes a large file there (one event per block written) that
 * re-read ran back to back and cost a receiving agent about a fifth of a core.
 */
export async function watchFolder(root: string, o: FolderWatcherOptions): Promise<FolderWatcher> {
  const platform = o.platform ?? process.platform;
  if (platform === 'darwin' || platform === 'win32') {
    const w = watch(root, { recursive: true }, (_event, name) => {
      const rel = name ? toRel(String(name)) : '';
      if (o.ignore(rel)) o.onIgnored?.(rel);
      else o.onChange(rel);
    });
    w.on('error', o.onError);
    return { directories: 1, close: () => w.close() };
  }

  const watched = new Map<string, FSWatcher>();
  let closed = false;

  const drop = (rel: string) => {
    for (const [dir, w] of watched) {
      if (rel === '' || dir === rel || dir.startsWith(`${rel}/`)) {
        w.close();
        watched.delete(dir);
      }
    }
  };

  const add = async (rel: string): Promise<void> => {
    if (closed || watched.has(rel) || (rel !== '' && o.ignore(rel))) return;
    let w: FSWatcher;
    try {
      w = watch(path.join(root, rel), (event, name) => {
        if (!name) return o.onChange(rel);
        const child = rel === '' ? String(name) : `${rel}/${String(name)}`;
        if (o.ignore(child)) return o.onIgnored?.(child);
        o.onChange(child);
        // Only a created, moved or removed entry can be a directory that appeared or went.
        if (event === 'rename') void follow(child);
      });
    } catch (error) {
      // Gone before it could be watched: whoever removed it caused an event of its own. Any
      // other failure (the system's limit of watches) leaves this part to Syncthing's watcher.
      if (rel === '' || !isGone(error)) o.onError(error);
      return;
    }
    w.on('error', (error) => {
      drop(rel);
      if (!isGone(error)) o.onError(error);
    });
    watched.set(rel, w);
    const entries = await readdir(path.join(root, rel), { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      if (e.isDirectory()) await add(rel === '' ? e.name : `${rel}/${e.name}`);
    }
  };

  const follow = async (rel: string) => {
    const stats = await lstat(path.join(root, rel)).catch(() => undefined);
    if (stats?.isDirectory()) {
      if (watched.has(rel)) return;
      await add(rel);
      // What was written in it before its watch began is found by scanning it once more.
      o.onChange(rel);
    } else if (watched.has(rel)) drop(rel);
    // The root itself went: inotify says so only as a rename in it, and its watch is dead.
    else if (!stats && !rel.includes('/') && !(await lstat(root).catch(() => undefined))) {
      drop('');
    }
  };

  await add('');
  return {
    get directories() {
      return watched.size;
    },
    close() {
      closed = true;
      for (const w of watched.values()) w.close();
      watched.clear();
    },
  };
}

function toRel(name: string): string {
  return name.split(path.sep).join('/');
}

function isGone(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}
