import { sameDeviceId } from '@mesh/syncthing-client';
import type { MeshContext } from '../context.js';
import { SHARED_FOLDER_ID } from './constants.js';
import { connectSyncthing } from './syncthing.js';

/**
 * Resumes what keeps the shared folder from syncing that Mesh never pauses itself: paused
 * Syncthing devices and a paused shared folder. Returns what it resumed (names), empty when
 * nothing was paused.
 */
export async function resumePaused(
  ctx: MeshContext,
  folderId = SHARED_FOLDER_ID,
): Promise<string[]> {
  const st = await connectSyncthing(ctx);
  const resumed: string[] = [];
  const devices = await st.client.config.devices.list();
  for (const d of devices) {
    if (d.paused && !sameDeviceId(d.deviceID, st.deviceId)) {
      await st.client.system.resume({ device: d.deviceID });
      resumed.push(d.name || d.deviceID.slice(0, 7));
    }
  }
  const folder = await st.client.config.folders.get(folderId).catch(() => undefined);
  if (folder?.paused) {
    await st.client.config.folders.update(folderId, { paused: false });
    resumed.push(`folder ${folderId}`);
  }
  return resumed;
}
