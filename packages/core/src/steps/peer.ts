import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { readSavedServerUrl } from '@mesh/platform';
import {
  parseDeviceId,
  probeDeviceId as probeSyncPort,
  sameDeviceId,
} from '@mesh/syncthing-client';
import type { MeshContext } from '../context.js';
import { MeshError } from '../errors.js';
import { toMeshError } from '../map-error.js';
import { SHARED_FOLDER_ID, SYNC_PORTS } from './constants.js';
import {
  type DeviceProbe,
  hostOf,
  type MeshPeer,
  type PeerPlan,
  type PendingDevice,
  planPeering,
} from './peer-plan.js';
import { type LocalSyncthing, requireSyncthing } from './syncthing.js';
import { requireTailnetStatus } from './tailscale.js';

export interface ProbeDeviceIdOptions {
  /** Our own Syncthing home (cert.pem and key.pem are presented as the client certificate). */
  home: string;
  /** @default [22000, 22001, 22002] */
  ports?: readonly number[];
  /** @default 3000 (ms per port) */
  timeout?: number;
  signal?: AbortSignal;
}

/**
 * Reads the Syncthing device ID(s) a machine presents on its sync ports: a TLS handshake with
 * our own certificate, then SHA-256 of the peer certificate. No Syncthing message is exchanged.
 */
export async function probeDeviceId(ip: string, o: ProbeDeviceIdOptions): Promise<DeviceProbe[]> {
  const [cert, key] = await Promise.all([
    readFile(path.join(o.home, 'cert.pem'), 'utf8'),
    readFile(path.join(o.home, 'key.pem'), 'utf8'),
  ]);
  const results = await Promise.allSettled(
    (o.ports ?? SYNC_PORTS).map(async (port) => {
      const deviceId = await probeSyncPort({
        host: ip,
        port,
        cert,
        key,
        timeout: o.timeout ?? 3000,
        ...(o.signal ? { signal: o.signal } : {}),
      });
      return { ip, port, deviceId };
    }),
  );
  return results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
}

export interface PairPeersOptions {
  /** Mark the server's device as introducer (clients do, so later joiners propagate). @default role !== 'server' */
  serverIsIntroducer?: boolean;
  /** The folder shared with every mesh device. @default SHARED_FOLDER_ID ('opt-shared') */
  folderId?: string;
}

export interface PairPeersResult {
  deviceId: string;
  changed: boolean;
  added: Array<{ deviceId: string; name: string; address: string; introducer: boolean }>;
  updated: Array<{ deviceId: string; name: string; address: string }>;
  shared: string[];
  accepted: string[];
  refused: Array<{ deviceId: string; name: string; address: string; reason: string }>;
  /** Online peers whose Syncthing did not answer on any sync port. */
  unreachable: Array<{ hostname: string; ip: string }>;
  peers: number;
}

function firstIpv4(ips: readonly string[]): string | undefined {
  return ips.find((i) => /^\d+\.\d+\.\d+\.\d+$/.test(i));
}

/**
 * `mesh peer`: pair this machine's Syncthing with every online tailnet peer. Trust comes from
 * Headscale (the peer list is this node's own tailscaled status) and from the TLS probe (the
 * device ID is read from the certificate the peer presents at its tailnet IP). Pending devices
 * are accepted only when they connect from a mesh node's tailnet IP with the ID that probe
 * returns; everything else is dismissed and reported as refused.
 */
export async function pairPeers(
  ctx: MeshContext,
  o: PairPeersOptions = {},
): Promise<PairPeersResult> {
  const st = await requireSyncthing(ctx);
  const ts = await requireTailnetStatus(ctx);
  if (ts.backendState !== 'Running') {
    throw new MeshError(`this machine is not in the tailnet (state ${ts.backendState})`, {
      kind: 'serviceDown',
      hint: 'run mesh client join first',
    });
  }
  const r = ctx.reporter;
  const serverUrl = await readSavedServerUrl({ env: ctx.env }).catch(() => undefined);
  const serverHost = serverUrl ? new URL(serverUrl).hostname : undefined;
  const peers: MeshPeer[] = ts.peers.flatMap((p) => {
    const ip = firstIpv4(p.ips);
    if (!ip) return [];
    const endpoints = [...(p.raw.Addrs ?? []), p.currentAddress ?? ''].map(hostOf);
    const isServer =
      (serverHost !== undefined && endpoints.includes(serverHost)) ||
      ctx.settings.serverHostnames.includes(p.hostname.toLowerCase());
    return [{ hostname: p.hostname, ip, online: p.online, isServer }];
  });

  const wait = r.wait(
    `Probing Syncthing on ${peers.filter((p) => p.online).length} online peer(s)`,
  );
  const probes = (
    await Promise.all(
      peers
        .filter((p) => p.online)
        .map((p) =>
          probeDeviceId(p.ip, {
            home: st.home.home,
            ...(ctx.signal ? { signal: ctx.signal } : {}),
          }),
        ),
    )
  ).flat();
  wait.done(`${probes.length} device(s) found`);

  let plan: PeerPlan;
  try {
    const folderId = o.folderId ?? SHARED_FOLDER_ID;
    plan = await planFor(
      st,
      folderId,
      peers,
      probes,
      o.serverIsIntroducer ?? ctx.role !== 'server',
    );
    await applyPlan(st, folderId, plan);
  } catch (error) {
    throw toMeshError(error, 'pairing Syncthing');
  }
  for (const a of plan.add)
    r.ok(
      `Added ${a.name} (${a.deviceId.slice(0, 7)}...) at ${a.address}${a.introducer ? ' as introducer' : ''}`,
    );
  for (const a of plan.update)
    r.ok(`Updated ${a.name} (${a.deviceId.slice(0, 7)}...) to ${a.address}`);
  for (const x of plan.refused)
    r.warn(`Refused device ${x.deviceId.slice(0, 7)}... (${x.name || 'unnamed'}): ${x.reason}`);
  for (const u of plan.unreachable)
    r.warn(`${u.hostname} (${u.ip}) is online but its Syncthing did not answer`);
  const changed =
    plan.add.length + plan.update.length + plan.share.length + plan.refused.length > 0;
  if (!changed) r.ok('Syncthing peers already up to date');
  return {
    deviceId: st.deviceId,
    changed,
    added: plan.add,
    updated: plan.update.map(({ deviceId, name, address }) => ({ deviceId, name, address })),
    shared: plan.share,
    accepted: plan.accepted,
    refused: plan.refused,
    unreachable: plan.unreachable.map(({ hostname, ip }) => ({ hostname, ip })),
    peers: peers.length,
  };
}

async function planFor(
  st: LocalSyncthing,
  folderId: string,
  peers: MeshPeer[],
  probes: DeviceProbe[],
  serverIsIntroducer: boolean,
): Promise<PeerPlan> {
  const c = st.client;
  const [devices, folder, pendingMap] = await Promise.all([
    c.config.devices.list(),
    c.config.folders.get(folderId),
    c.cluster.pending.devices(),
  ]);
  const pending: PendingDevice[] = Object.entries(pendingMap ?? {}).map(([deviceId, p]) => ({
    deviceId,
    name: p.name ?? '',
    address: p.address ?? '',
  }));
  return planPeering({
    ownDeviceId: st.deviceId,
    peers,
    probes,
    configured: devices
      .filter((d) => !sameDeviceId(d.deviceID, st.deviceId))
      .map((d) => ({
        deviceId: d.deviceID,
        name: d.name ?? '',
        addresses: d.addresses ?? [],
        introducer: d.introducer ?? false,
      })),
    folderDevices: (folder.devices ?? []).map((d) => d.deviceID),
    pending,
    serverIsIntroducer,
  });
}

async function applyPlan(st: LocalSyncthing, folderId: string, plan: PeerPlan): Promise<void> {
  const c = st.client;
  for (const a of plan.add) {
    await c.config.devices.add({
      deviceID: a.deviceId,
      name: a.name,
      addresses: [a.address],
      compression: 'metadata',
      introducer: a.introducer,
      autoAcceptFolders: false,
      paused: false,
    });
  }
  for (const a of plan.update) {
    await c.config.devices.update(a.deviceId, { addresses: [a.address], introducer: a.introducer });
  }
  if (plan.share.length > 0) {
    const folder = await c.config.folders.get(folderId);
    const devices = [...(folder.devices ?? [])];
    for (const id of plan.share) {
      if (!devices.some((d) => d.deviceID === id)) devices.push({ deviceID: id });
    }
    await c.config.folders.update(folderId, { devices });
  }
  for (const x of plan.refused) await c.cluster.pending.dismissDevice(x.deviceId);
}

export interface AddDeviceOptions {
  deviceId: string;
  /** `tcp://IP:PORT`; without it the peer can only connect to us (discovery is off). */
  address?: string;
  name?: string;
}

/** `mesh peer --device-id ID [--address tcp://IP:PORT]`: the earlier tool's manual mode. */
export async function addDevice(
  ctx: MeshContext,
  o: AddDeviceOptions,
): Promise<{ deviceId: string; changed: boolean; name: string; address: string | undefined }> {
  let id: string;
  try {
    id = parseDeviceId(o.deviceId).id;
  } catch (error) {
    throw new MeshError(`Invalid device ID format: ${(error as Error).message}`, {
      kind: 'badInput',
      hint: 'copy the full ID from mesh status --verbose on the peer',
      cause: error,
    });
  }
  if (
    o.address !== undefined &&
    !/^tcp:\/\/(\d+\.\d+\.\d+\.\d+|\[[0-9a-f:]+\]):\d{1,5}$/i.test(o.address)
  ) {
    throw new MeshError(`--address must be tcp://IP:PORT, got ${JSON.stringify(o.address)}`, {
      kind: 'badInput',
    });
  }
  const st = await requireSyncthing(ctx);
  if (sameDeviceId(id, st.deviceId)) {
    throw new MeshError('Cannot add yourself as a peer', { kind: 'badInput' });
  }
  const name = o.name ?? `peer-${id.slice(0, 7)}`;
  const addresses = o.address ? [o.address] : ['dynamic'];
  try {
    const c = st.client;
    const existing = (await c.config.devices.list()).find((d) => sameDeviceId(d.deviceID, id));
    let changed = false;
    if (!existing) {
      await c.config.devices.add({
        deviceID: id,
        name,
        addresses,
        compression: 'metadata',
        introducer: false,
        autoAcceptFolders: false,
      });
      changed = true;
    } else if (
      JSON.stringify(existing.addresses) !== JSON.stringify(addresses) ||
      existing.name !== name
    ) {
      await c.config.devices.update(existing.deviceID, { addresses, name });
      changed = true;
    }
    const folder = await c.config.folders.get(SHARED_FOLDER_ID);
    if (!(folder.devices ?? []).some((d) => sameDeviceId(d.deviceID, id))) {
      await c.config.folders.update(SHARED_FOLDER_ID, {
        devices: [...(folder.devices ?? []), { deviceID: existing?.deviceID ?? id }],
      });
      changed = true;
    }
    return { deviceId: id, changed, name, address: o.address };
  } catch (error) {
    throw toMeshError(error, 'adding the device');
  }
}
