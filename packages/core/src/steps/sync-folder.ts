import { setTimeout as sleep } from 'node:timers/promises';
import { sameDeviceId } from '@mesh/syncthing-client';
import type { MeshContext } from '../context.js';
import { MeshError } from '../errors.js';
import { toMeshError } from '../map-error.js';
import { serveVouches } from '../trust/vouch-server.js';
import { pairPeers } from './peer.js';
import { type FolderProgress, type FolderSnapshot, folderProgress } from './sync-plan.js';
import { connectSyncthing, ensureSyncthing, type LocalSyncthing } from './syncthing.js';
import { requireTailnetStatus } from './tailscale.js';

export interface SyncFolderOptions {
  /** Syncthing folder ID the mesh shares. @default 'opt-shared' */
  folderId?: string;
  /** Where the folder lands on this machine. @default ctx.paths.sharedFolder */
  folderPath?: string;
  /** Bound in milliseconds (besides `ctx.signal`). @default 300000 */
  timeout?: number;
  /**
   * How long a connected, idle folder with no file anywhere must stay so before it counts as
   * in sync (the peer's index may simply not have arrived yet). @default 10000 (ms)
   */
  emptyGraceMs?: number;
}

/**
 * Joins this machine's Syncthing to the mesh's shared folder and waits until it is in sync.
 * Starts Syncthing (offline settings, listening on this node's tailnet IPv4 only, quick
 * reconnects), shares `folderId` at `folderPath`, and pairs exactly like `mesh peer`: the
 * devices the peers' mesh agents vouch for are added at their tailnet addresses. While it
 * waits it vouches for this device itself (as the agent does; this needs root), so the
 * members' agents accept it the same way and no API key of another machine is ever needed. Pairing is repeated until a
 * peer has connected; then it waits until nothing is needed (db status idle, 0 items needed).
 */
export async function syncFolder(
  ctx: MeshContext,
  o: SyncFolderOptions = {},
): Promise<{ deviceId: string; folderPath: string }> {
  const signal = AbortSignal.any([
    AbortSignal.timeout(o.timeout ?? 300_000),
    ...(ctx.signal ? [ctx.signal] : []),
  ]);
  const ts = await requireTailnetStatus(ctx);
  const ip = ts.ips.find((i) => /^\d+\.\d+\.\d+\.\d+$/.test(i));
  if (ts.backendState !== 'Running' || !ip) {
    throw new MeshError(`this machine is not in the tailnet (state ${ts.backendState})`, {
      kind: 'serviceDown',
      hint: 'join the mesh first (joinMesh / mesh client join)',
    });
  }
  const st = await ensureSyncthing(ctx, {
    ...(o.folderId ? { folderId: o.folderId } : {}),
    ...(o.folderPath ? { folderPath: o.folderPath } : {}),
    stignore: false,
    // Only the tailnet can reach this Syncthing.
    listenAddress: `tcp://${ip}:${ctx.ports.syncthingSync}`,
  });
  const folderId = o.folderId ?? 'opt-shared';
  const local = await connectSyncthing(ctx);
  const vouching = new AbortController();
  const vouches = serveVouches(ctx, {
    signal: AbortSignal.any([vouching.signal, signal]),
    onError: (error) => ctx.reporter.warn(toMeshError(error).message),
  });
  const wait = ctx.reporter.wait(`Waiting for folder ${folderId} to be in sync`);
  let progress: FolderProgress = 'no-peers';
  let emptySince: number | undefined;
  let lastPair = 0;
  try {
    for (;;) {
      if (signal.aborted) throw signal.reason;
      if (
        (progress === 'no-peers' || progress === 'not-connected') &&
        Date.now() - lastPair > 5000
      ) {
        lastPair = Date.now();
        await pairPeers(ctx, { folderId });
      }
      progress = folderProgress(await snapshot(local, folderId));
      if (progress === 'in-sync') break;
      if (progress === 'in-sync-empty') {
        emptySince ??= Date.now();
        if (Date.now() - emptySince >= (o.emptyGraceMs ?? 10_000)) break;
      } else emptySince = undefined;
      await sleep(1000, undefined, { signal }).catch(() => undefined);
    }
  } catch (error) {
    wait.fail(progress);
    if (signal.aborted) {
      throw new MeshError(`folder ${folderId} was not in sync in time (${describe(progress)})`, {
        cause: error,
        hint: 'check that the mesh agent runs on the members (mesh status there) and that this job runs as root',
      });
    }
    throw toMeshError(error, `syncing folder ${folderId}`);
  } finally {
    vouching.abort();
    await vouches;
  }
  wait.done();
  return { deviceId: st.deviceId, folderPath: st.folderPath };
}

function describe(p: FolderProgress): string {
  switch (p) {
    case 'no-peers':
      return 'no mesh peer runs Syncthing';
    case 'not-connected':
      return 'no peer accepted this device';
    case 'syncing':
      return 'still syncing';
    default:
      return p;
  }
}

async function snapshot(st: LocalSyncthing, folderId: string): Promise<FolderSnapshot> {
  const c = st.client;
  const [folder, conns, status] = await Promise.all([
    c.config.folders.get(folderId),
    c.system.connections(),
    c.db.status(folderId),
  ]);
  return {
    sharedWith: (folder.devices ?? [])
      .map((d) => d.deviceID)
      .filter((id) => !sameDeviceId(id, st.deviceId)),
    connected: Object.entries(conns.connections)
      .filter(([, v]) => (v as { connected?: boolean }).connected === true)
      .map(([id]) => id),
    state: String((status as { state?: unknown }).state ?? ''),
    needItems: status.needTotalItems ?? status.needFiles,
    globalItems: status.globalTotalItems ?? status.globalFiles,
  };
}
