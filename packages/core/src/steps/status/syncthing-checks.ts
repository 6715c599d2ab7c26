import type {
  Connections,
  DeviceConfig,
  FolderConfig,
  FolderErrors,
  FolderStatus,
  SystemStatus,
} from '@mesh/syncthing-client';
import { toMeshError } from '../../map-error.js';
import { SHARED_FOLDER_ID } from '../constants.js';
import type { MeshStatus, StatusCheck, SyncthingPeerReport } from './types.js';

/** A call to Syncthing that failed, kept as a value for the checks to weigh. */
export class Unanswered {
  constructor(readonly error: unknown) {}
}

/** Whether the local Syncthing answered its REST ping on `port`. */
export function syncthingRunningCheck(answers: boolean, port: number): StatusCheck {
  return answers
    ? {
        section: 'syncthing',
        name: 'running',
        level: 'ok',
        message: `Syncthing is running on port ${port}`,
      }
    : {
        section: 'syncthing',
        name: 'running',
        level: 'fail',
        message: `Syncthing is not running (port ${port})`,
        fix: 'mesh doctor --fix starts it (no key needed)',
      };
}

/**
 * A sync port another program holds: Syncthing runs, and no peer can ever reach it. `system` is
 * what `/rest/system/status` answered, or the error it failed with.
 */
export function listenerChecks(system: SystemStatus | Unanswered): StatusCheck[] {
  if (system instanceof Unanswered) {
    // Its listeners are unknown, not broken: a warning, as every other answer may be fine.
    return [
      {
        section: 'syncthing',
        name: 'listen',
        level: 'warn',
        message: `Whether Syncthing accepts peers is unknown: ${toMeshError(system.error).message}`,
      },
    ];
  }
  return Object.entries(system.connectionServiceStatus ?? {}).flatMap(([listener, l]) => {
    if (!l.error) return [];
    const port = /:(\d+)$/.exec(listener)?.[1];
    return [
      {
        section: 'syncthing',
        name: 'listen',
        level: 'fail',
        message: `Syncthing cannot accept peers on ${listener}: ${l.error}`,
        fix: `free the port (ss -ltnp 'sport = :${port ?? '?'}' shows who holds it), then mesh doctor --fix`,
      },
    ];
  });
}

/** The devices Syncthing keeps connections for, this one left out, named from its config. */
export function syncthingPeers(
  conns: Connections,
  devices: readonly DeviceConfig[],
  selfId: string,
): SyncthingPeerReport[] {
  const names = new Map(devices.map((d) => [d.deviceID, d.name ?? '']));
  return Object.entries(conns.connections ?? {})
    .filter(([id]) => id !== selfId)
    .map(([id, c]) => ({
      deviceId: id,
      name: names.get(id) ?? '',
      connected: c.connected === true,
      ...(c.address ? { address: c.address } : {}),
    }));
}

/** How many peers are connected, and the devices paused in Syncthing's config. */
export function peerChecks(
  peers: readonly SyncthingPeerReport[],
  devices: readonly DeviceConfig[],
  selfId: string,
): StatusCheck[] {
  const up = peers.filter((c) => c.connected).length;
  const checks: StatusCheck[] = [
    {
      section: 'syncthing',
      name: 'peers',
      level: up > 0 ? 'ok' : 'warn',
      message: `Connected peers: ${up}/${peers.length}`,
    },
  ];
  const paused = devices.filter((d) => d.paused && d.deviceID !== selfId);
  if (paused.length > 0) {
    checks.push({
      section: 'syncthing',
      name: 'paused',
      level: 'fail',
      message: `${paused.length} device(s) paused, nothing syncs with them: ${paused.map((d) => d.name || d.deviceID.slice(0, 7)).join(', ')}`,
      fix: 'the mesh agent resumes them within 15 s (mesh agent status); or resume them in Syncthing',
    });
  }
  return checks;
}

/** What Syncthing answered about the shared folder. */
export interface SharedFolderAnswers {
  /** `/rest/db/status`. */
  status: FolderStatus;
  /** `/rest/config/folders/<id>`. */
  config: FolderConfig;
  /** `/rest/folder/errors`, or the error it failed with. */
  errors: FolderErrors | Unanswered;
}

/** The shared folder: paused, stopped, files that cannot sync, its state and what it still needs. */
export function sharedFolderChecks(
  a: SharedFolderAnswers,
  sharedFolder: string,
): { checks: StatusCheck[]; folder: NonNullable<MeshStatus['syncthing']['folder']> } {
  const checks: StatusCheck[] = [];
  const f = a.status;
  if (a.config.paused) {
    checks.push({
      section: 'syncthing',
      name: 'folder-paused',
      level: 'fail',
      message: `Folder ${SHARED_FOLDER_ID} is paused: nothing in it syncs`,
      fix: 'the mesh agent resumes it within 15 s (mesh agent status); or resume it in Syncthing',
    });
  }
  const failing = a.errors instanceof Unanswered ? [] : a.errors.errors;
  if (f.error || failing.length > 0) {
    const first = failing[0];
    checks.push({
      section: 'syncthing',
      name: 'folder-errors',
      level: 'fail',
      message: f.error
        ? `Folder ${SHARED_FOLDER_ID} stopped: ${f.error}`
        : `${failing.length} file(s) of ${SHARED_FOLDER_ID} cannot sync, e.g. ${first?.path}: ${first?.error}`,
      fix: `fix the cause in ${sharedFolder} (space, permissions, the .stfolder marker); Syncthing retries by itself`,
    });
  } else if (a.errors instanceof Unanswered && !a.config.paused) {
    // Syncthing keeps no error list for a paused or stopped folder (both reported above), so
    // only a folder that runs is expected to have one.
    checks.push({
      section: 'syncthing',
      name: 'folder-errors',
      level: 'warn',
      message: `Which files of ${SHARED_FOLDER_ID} cannot sync is unknown: ${toMeshError(a.errors.error).message}`,
    });
  }
  checks.push({
    section: 'syncthing',
    name: 'folder',
    level: f.state === 'error' ? 'fail' : 'ok',
    message: `Folder: ${SHARED_FOLDER_ID} (${f.state ?? '?'})${f.needFiles ? `, ${f.needFiles} file(s) still needed` : ''}`,
  });
  return {
    checks,
    folder: {
      id: SHARED_FOLDER_ID,
      state: f.state,
      needFiles: f.needFiles ?? 0,
      needBytes: f.needBytes ?? 0,
    },
  };
}

/**
 * Why the shared folder could not be read. Syncthing answers 404 for a folder it does not have,
 * which setup adds; anything else (no answer, a timeout, an answer of the wrong shape) is named.
 */
export function folderUnreadableCheck(error: unknown, setupCommand: string): StatusCheck {
  // By name, not instanceof: the CLI bundle may hold another copy of the client.
  if (error instanceof Error && error.name === 'SyncthingNotFoundError') {
    return {
      section: 'syncthing',
      name: 'folder',
      level: 'fail',
      message: `Folder ${SHARED_FOLDER_ID} is not configured`,
      fix: setupCommand,
    };
  }
  const e = toMeshError(error);
  return {
    section: 'syncthing',
    name: 'folder',
    level: 'fail',
    message: `Folder ${SHARED_FOLDER_ID} cannot be read from Syncthing: ${e.message}`,
    fix: e.hint,
  };
}
