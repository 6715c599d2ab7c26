import { setTimeout as sleep } from 'node:timers/promises';
import { pathExists } from '@mesh/platform';
import type { MeshContext } from '../context.js';
import { toMeshError } from '../map-error.js';
import { SHARED_FOLDER_ID } from './constants.js';
import { type FolderWatcher, watchFolder } from './folder-watcher.js';
import { connectSyncthing, type LocalSyncthing } from './syncthing.js';

/** Past this many changed paths in one batch, one scan of the whole folder is cheaper. */
const MAX_PATHS_PER_SCAN = 200;

/** Syncthing's own files in a folder: its marker, versions, and temp files of transfers. */
const SYNCTHING_OWN = /(^|[\\/])(\.stfolder|\.stversions)([\\/]|$)|(^|[\\/])[.~]syncthing[.~]/;

/** A transfer's temp file, `.syncthing.NAME.tmp` (`~syncthing~NAME.tmp` on Windows): the dir and NAME. */
const SYNCTHING_TEMP = /^(.*\/)?[.~]syncthing[.~](.+)\.tmp$/;

/**
 * How long after the last event of a file's temp file the file's own events are Syncthing
 * finishing that transfer (its rename into place, its times, the old copy moved to
 * `.stversions`), not an edit. A real edit that close to a transfer is found by Syncthing's own
 * watcher a second later.
 */
const FINISHING_MS = 200;

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
  /** How often a folder that is not there (or no longer watched) is looked for, in ms. @default 2000 */
  lookAgainMs?: number;
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
  let whole = false;
  let timer: NodeJS.Timeout | undefined;
  let st: LocalSyncthing | undefined;
  let chain = Promise.resolve();
  let watched = false;

  const flush = async () => {
    const paths = [...pending];
    const all = whole || paths.length > MAX_PATHS_PER_SCAN;
    pending.clear();
    whole = false;
    if (paths.length === 0 && !all) return;
    const sub = all ? [] : paths;
    try {
      st ??= await connectSyncthing(ctx);
      await st.client.db.scan({ folder: folderId, ...(sub.length > 0 ? { sub } : {}) });
      o.onScan?.(sub);
    } catch (error) {
      st = undefined;
      o.onError?.(toMeshError(error, 'asking Syncthing to rescan'));
    }
  };
  const transfers = syncthingTransfers();
  const changed = (rel: string) => {
    // What Syncthing itself just wrote needs no scan: asking for one costs every receiver a
    // request and a scan per file received.
    if (transfers.finishing(rel)) return;
    clearTimeout(timer);
    timer = setTimeout(() => {
      chain = chain.then(flush);
    }, o.debounceMs ?? 15);
    // The folder itself changed (or the system lost track of what did): scan all of it.
    if (rel === '') whole = true;
    else pending.add(rel);
  };

  // The folder may not be there yet (the agent starts beside setup, which creates it) or may
  // go and come back (a drive mounted later): it is looked for again every lookAgainMs.
  let watcher: FolderWatcher | undefined;
  try {
    while (!o.signal.aborted) {
      if (!watcher?.directories) {
        watcher?.close();
        watcher = undefined;
        if (await pathExists(folderPath)) {
          watcher = await watchFolder(folderPath, {
            ignore: (rel) => SYNCTHING_OWN.test(rel),
            onChange: changed,
            onIgnored: (rel) => transfers.saw(rel),
            onError: (error) => o.onError?.(toMeshError(error, `watching ${folderPath}`)),
          });
          // What was written while the folder went unwatched is found by one scan of it.
          if (watched) changed('');
          watched = true;
        }
      }
      await sleep(o.lookAgainMs ?? 2000, undefined, { signal: o.signal }).catch(() => undefined);
    }
  } finally {
    clearTimeout(timer);
    watcher?.close();
    await chain;
  }
}

/**
 * Tells the events of a file Syncthing is finishing (it changed the file's temp file within
 * {@link FINISHING_MS}) from edits.
 */
export function syncthingTransfers(now: () => number = Date.now): {
  /** An ignored path changed: notes the file when it is a transfer's temp file. */
  saw(rel: string): void;
  finishing(rel: string): boolean;
} {
  const writing = new Map<string, number>();
  return {
    saw(rel) {
      const m = SYNCTHING_TEMP.exec(rel);
      if (!m) return;
      const t = now();
      if (writing.size > 1000) {
        for (const [file, at] of writing) if (t - at > FINISHING_MS) writing.delete(file);
      }
      writing.set(`${m[1] ?? ''}${m[2]}`, t);
    },
    finishing(rel) {
      const at = writing.get(rel);
      return at !== undefined && now() - at <= FINISHING_MS;
    },
  };
}
