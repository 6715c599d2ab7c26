import { sameDeviceId } from '@mesh/syncthing-client';
import type { MeshContext } from '../context.js';
import { serviceManager } from '../internal/services.js';
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
    await st.client.config.folders.modify(folderId, () => ({ paused: false }));
    resumed.push(`folder ${folderId}`);
  }
  return resumed;
}

/** The services of the supervised fallback the agent keeps alive; tailscaled runs as root. */
const KEPT_ALIVE = [
  { name: 'mesh-headscale', privileged: false },
  { name: 'mesh-tailscaled', privileged: true },
  { name: 'mesh-syncthing', privileged: false },
] as const;

/**
 * Where no service manager restarts a daemon (the supervised fallback), starts again each
 * installed, enabled one whose keeper died (killed, or gone with the machine); one stopped on
 * purpose stays stopped. Returns the names it started; a no-op under systemd and on Windows.
 */
export async function reviveCrashed(ctx: MeshContext): Promise<string[]> {
  const started: string[] = [];
  for (const { name, privileged } of KEPT_ALIVE) {
    const sm = await serviceManager(ctx, { privileged });
    if (sm.kind !== 'supervised') return [];
    const s = await sm.status(name);
    if (s.installed && s.enabled && s.detail === 'crashed') {
      await sm.start(name);
      started.push(name);
    }
  }
  return started;
}
