/**
 * Pure decisions for `syncFolder` and `watchPeers`, kept free of I/O so they are unit-tested.
 */

/** What the local Syncthing reports about one folder at one moment. */
export interface FolderSnapshot {
  /** Devices (other than ours) the folder is shared with. */
  sharedWith: readonly string[];
  /** Devices currently connected. */
  connected: readonly string[];
  /** `db/status` state: `idle`, `scanning`, `syncing`, … */
  state: string;
  needItems: number;
  globalItems: number;
}

export type FolderProgress =
  /** No mesh device answered the probe yet: pair again. */
  | 'no-peers'
  /** Shared, but no device it is shared with is connected (it has not accepted us yet). */
  | 'not-connected'
  /** Connected, still scanning or pulling. */
  | 'syncing'
  /** Connected, idle, nothing needed, and the global index holds files: done. */
  | 'in-sync'
  /**
   * Connected, idle, nothing needed, but no file anywhere: either the folder is really empty or
   * the peer's index has not arrived yet. The caller accepts it only once it has lasted a while.
   */
  | 'in-sync-empty';

/** Where syncing a folder stands (see {@link FolderProgress}). */
export function folderProgress(s: FolderSnapshot): FolderProgress {
  if (s.sharedWith.length === 0) return 'no-peers';
  if (!s.sharedWith.some((d) => s.connected.includes(d))) return 'not-connected';
  if (s.state !== 'idle' || s.needItems > 0) return 'syncing';
  return s.globalItems > 0 ? 'in-sync' : 'in-sync-empty';
}

/** The parts of a Syncthing event `watchPeers` looks at. */
export interface PeerEvent {
  type: string;
  data?: unknown;
}

/**
 * Whether an event means a device may be waiting to be accepted: a device became pending
 * (`PendingDevicesChanged` with `added`), or was rejected (`DeviceRejected`, older Syncthing),
 * or events were lost (`MissedEvents`). Removals are ignored: our own dismissals cause them,
 * and reacting would loop.
 */
export function wantsPairing(event: PeerEvent): boolean {
  switch (event.type) {
    case 'DeviceRejected':
    case 'MissedEvents':
      return true;
    case 'PendingDevicesChanged': {
      const added = (event.data as { added?: unknown } | undefined)?.added;
      return Array.isArray(added) && added.length > 0;
    }
    default:
      return false;
  }
}
