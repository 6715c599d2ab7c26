import path from 'node:path';
import { watch } from 'chokidar';
import type { MeshContext } from '../context.js';
import { toMeshError } from '../map-error.js';
import { SHARED_FOLDER_ID } from './constants.js';
import { connectSyncthing, type LocalSyncthing } from './syncthing.js';

/** Past this many changed paths in one batch, one scan of the whole folder is cheaper. */
const MAX_PATHS_PER_SCAN = 200;

/** Syncthing's own files in a folder: its marker, versions, and temp files of transfers. */
const SYNCTHING_OWN = /(^|[\\/])(\.stfolder|\.stversions)([\\/]|$)|(^|[\\/])[.~]syncthing[.~]/;

export interface InstantSyncOptions {
  signal: AbortSignal;
  /** @default SHARED_FOLDER_ID */
  folderId?: string;
  /** @default ctx.paths.sharedFolder */
  folderPath?: string;
  /** How long changes are gathered into one scan, in ms. @default 15 */
  debounceMs?: number;
  /** Called after each scan request with the paths it named (empty: the whole folder). */
  onScan?: (paths: readonly string[]) => void;
  onError?: (error: unknown) => void;
}

/**
 * Makes an edit reach the other machines at once: watches the shared folder and asks the local
 * Syncthing to rescan exactly the changed paths (`POST /rest/db/scan?sub=`), gathered over
 * `debounceMs`. Syncthing's own watcher stays on as the backstop (it waits a second before it
 * scans). Runs until `signal` aborts; a failed scan is reported and the next change retries.
 */
export async function instantSync(ctx: MeshContext, o: InstantSyncOptions): Promise<void> {
  const folderPath = o.folderPath ?? ctx.paths.sharedFolder;
  const folderId = o.folderId ?? SHARED_FOLDER_ID;
  const pending = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  let st: LocalSyncthing | undefined;
  let chain = Promise.resolve();

  const flush = async () => {
    const paths = [...pending];
    pending.clear();
    if (paths.length === 0) return;
    const sub = paths.length > MAX_PATHS_PER_SCAN ? [] : paths;
    try {
      st ??= await connectSyncthing(ctx);
      await st.client.db.scan({ folder: folderId, ...(sub.length > 0 ? { sub } : {}) });
      o.onScan?.(sub);
    } catch (error) {
      st = undefined;
      o.onError?.(toMeshError(error, 'asking Syncthing to rescan'));
    }
  };
  const changed = (file: string) => {
    const rel = path.relative(folderPath, file).split(path.sep).join('/');
    if (rel === '' || rel.startsWith('..') || SYNCTHING_OWN.test(rel)) return;
    pending.add(rel);
    clearTimeout(timer);
    timer = setTimeout(() => {
      chain = chain.then(flush);
    }, o.debounceMs ?? 15);
  };

  const watcher = watch(folderPath, {
    ignoreInitial: true,
    // chokidar holds events back 100 ms to merge an editor's delete-and-recreate; Syncthing
    // sorts that out itself, and the wait is most of an edit's way to the other machines.
    atomic: false,
    ignored: (p: string) => SYNCTHING_OWN.test(path.relative(folderPath, p)),
  });
  watcher.on('all', (_event, file) => changed(file));
  watcher.on('error', (error) => o.onError?.(toMeshError(error, `watching ${folderPath}`)));
  try {
    await new Promise<void>((resolve) => {
      if (o.signal.aborted) resolve();
      o.signal.addEventListener('abort', () => resolve(), { once: true });
    });
  } finally {
    clearTimeout(timer);
    await watcher.close();
    await chain;
  }
}
