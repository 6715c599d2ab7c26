import type { MeshContext } from '../../context.js';
import { toMeshError } from '../../map-error.js';
import { SHARED_FOLDER_ID } from '../constants.js';
import { connectSyncthing, syncthingAnswers } from '../syncthing.js';
import {
  folderUnreadableCheck,
  listenerChecks,
  peerChecks,
  sharedFolderChecks,
  syncthingPeers,
  syncthingRunningCheck,
  Unanswered,
} from './syncthing-checks.js';
import type { MeshStatus, StatusCheck } from './types.js';

const failed = (error: unknown) => new Unanswered(error);

/** Syncthing: running, listening, its peers, paused devices, the shared folder and its errors. */
export async function syncthingSection(
  ctx: MeshContext,
  setupCommand: string,
): Promise<{ checks: StatusCheck[]; syncthing: MeshStatus['syncthing'] }> {
  const checks: StatusCheck[] = [];
  const port = ctx.ports.syncthingGui;
  const syncthing: MeshStatus['syncthing'] = {
    running: false,
    port,
    deviceId: undefined,
    connected: [],
    folder: undefined,
  };
  try {
    const st = await connectSyncthing(ctx);
    syncthing.deviceId = st.deviceId;
    syncthing.running = await syncthingAnswers(st);
    checks.push(syncthingRunningCheck(syncthing.running, port));
    if (!syncthing.running) return { checks, syncthing };
    const [conns, devices, system] = await Promise.all([
      st.client.system.connections(),
      st.client.config.devices.list(),
      st.client.system.status().catch(failed),
    ]);
    checks.push(...listenerChecks(system));
    syncthing.connected = syncthingPeers(conns, devices, st.deviceId);
    checks.push(...peerChecks(syncthing.connected, devices, st.deviceId));
    try {
      const [status, config, errors] = await Promise.all([
        st.client.db.status(SHARED_FOLDER_ID),
        st.client.config.folders.get(SHARED_FOLDER_ID),
        st.client.folder.errors(SHARED_FOLDER_ID).catch(failed),
      ]);
      const shared = sharedFolderChecks({ status, config, errors }, ctx.paths.sharedFolder);
      checks.push(...shared.checks);
      syncthing.folder = shared.folder;
    } catch (error) {
      checks.push(folderUnreadableCheck(error, setupCommand));
    }
  } catch (error) {
    const e = toMeshError(error);
    checks.push({
      section: 'syncthing',
      name: 'running',
      level: 'fail',
      message: e.message,
      fix: e.hint,
    });
  }
  return { checks, syncthing };
}
