import type { MeshContext } from '../../context.js';
import { toMeshError } from '../../map-error.js';
import { SHARED_FOLDER_ID } from '../constants.js';
import { connectSyncthing, syncthingAnswers } from '../syncthing.js';
import type { MeshStatus, StatusCheck, SyncthingPeerReport } from './types.js';

/** Syncthing: running, listening, its peers, paused devices, the shared folder and its errors. */
export async function syncthingSection(
  ctx: MeshContext,
  setupCommand: string,
): Promise<{ checks: StatusCheck[]; syncthing: MeshStatus['syncthing'] }> {
  const checks: StatusCheck[] = [];
  const add = (c: StatusCheck) => checks.push(c);
  const syncthing: MeshStatus['syncthing'] = {
    running: false,
    port: ctx.ports.syncthingGui,
    deviceId: undefined,
    connected: [],
    folder: undefined,
  };
  try {
    const st = await connectSyncthing(ctx);
    syncthing.deviceId = st.deviceId;
    if (!(await syncthingAnswers(st))) {
      add({
        section: 'syncthing',
        name: 'running',
        level: 'fail',
        message: `Syncthing is not running (port ${ctx.ports.syncthingGui})`,
        fix: 'mesh doctor --fix starts it (no key needed)',
      });
    } else {
      syncthing.running = true;
      add({
        section: 'syncthing',
        name: 'running',
        level: 'ok',
        message: `Syncthing is running on port ${ctx.ports.syncthingGui}`,
      });
      const [conns, devices, system] = await Promise.all([
        st.client.system.connections(),
        st.client.config.devices.list(),
        st.client.system.status().catch(() => undefined),
      ]);
      // A sync port another program holds: Syncthing runs, and no peer can ever reach it.
      for (const [listener, l] of Object.entries(system?.connectionServiceStatus ?? {})) {
        if (!l.error) continue;
        const port = /:(\d+)$/.exec(listener)?.[1];
        add({
          section: 'syncthing',
          name: 'listen',
          level: 'fail',
          message: `Syncthing cannot accept peers on ${listener}: ${l.error}`,
          fix: `free the port (ss -ltnp 'sport = :${port ?? '?'}' shows who holds it), then mesh doctor --fix`,
        });
      }
      const names = new Map(devices.map((d) => [d.deviceID, d.name ?? '']));
      for (const [id, c] of Object.entries(conns.connections ?? {})) {
        if (id === st.deviceId) continue;
        const entry: SyncthingPeerReport = {
          deviceId: id,
          name: names.get(id) ?? '',
          connected: c.connected === true,
        };
        if (c.address) entry.address = c.address;
        syncthing.connected.push(entry);
      }
      const up = syncthing.connected.filter((c) => c.connected).length;
      add({
        section: 'syncthing',
        name: 'peers',
        level: up > 0 ? 'ok' : 'warn',
        message: `Connected peers: ${up}/${syncthing.connected.length}`,
      });
      const paused = devices.filter((d) => d.paused && d.deviceID !== st.deviceId);
      if (paused.length > 0) {
        add({
          section: 'syncthing',
          name: 'paused',
          level: 'fail',
          message: `${paused.length} device(s) paused, nothing syncs with them: ${paused.map((d) => d.name || d.deviceID.slice(0, 7)).join(', ')}`,
          fix: 'the mesh agent resumes them within 15 s (mesh agent status); or resume them in Syncthing',
        });
      }
      try {
        const [f, folderConfig, errors] = await Promise.all([
          st.client.db.status(SHARED_FOLDER_ID),
          st.client.config.folders.get(SHARED_FOLDER_ID),
          st.client.folder.errors(SHARED_FOLDER_ID).catch(() => undefined),
        ]);
        if (folderConfig.paused) {
          add({
            section: 'syncthing',
            name: 'folder-paused',
            level: 'fail',
            message: `Folder ${SHARED_FOLDER_ID} is paused: nothing in it syncs`,
            fix: 'the mesh agent resumes it within 15 s (mesh agent status); or resume it in Syncthing',
          });
        }
        const failing = errors?.errors ?? [];
        if (f.error || failing.length > 0) {
          const first = failing[0];
          add({
            section: 'syncthing',
            name: 'folder-errors',
            level: 'fail',
            message: f.error
              ? `Folder ${SHARED_FOLDER_ID} stopped: ${f.error}`
              : `${failing.length} file(s) of ${SHARED_FOLDER_ID} cannot sync, e.g. ${first?.path}: ${first?.error}`,
            fix: `fix the cause in ${ctx.paths.sharedFolder} (space, permissions, the .stfolder marker); Syncthing retries by itself`,
          });
        }
        syncthing.folder = {
          id: SHARED_FOLDER_ID,
          state: f.state,
          needFiles: f.needFiles ?? 0,
          needBytes: f.needBytes ?? 0,
        };
        const level = f.state === 'error' ? 'fail' : 'ok';
        add({
          section: 'syncthing',
          name: 'folder',
          level,
          message: `Folder: ${SHARED_FOLDER_ID} (${f.state ?? '?'})${f.needFiles ? `, ${f.needFiles} file(s) still needed` : ''}`,
        });
      } catch {
        add({
          section: 'syncthing',
          name: 'folder',
          level: 'fail',
          message: `Folder ${SHARED_FOLDER_ID} is not configured`,
          fix: setupCommand,
        });
      }
    }
  } catch (error) {
    const e = toMeshError(error);
    add({ section: 'syncthing', name: 'running', level: 'fail', message: e.message, fix: e.hint });
  }
  return { checks, syncthing };
}
