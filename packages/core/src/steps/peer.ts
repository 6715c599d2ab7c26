import { parseDeviceId, sameDeviceId } from '@mesh/syncthing-client';
import { waitForPeerRoutes } from '@mesh/tailscale';
import type { MeshContext } from '../context.js';
import { MeshError } from '../errors.js';
import { toMeshError } from '../map-error.js';
import { PASSIVE_ADDRESS } from '../trust/protocol.js';
import { findTrusted, readTrustedDevices, recordTrusted } from '../trust/trusted-devices.js';
import { askVouch, type ListedNode, type VouchedDevice } from '../trust/vouch-client.js';
import { SHARED_FOLDER_ID } from './constants.js';
import { type MeshPeer, type PeerPlan, type PendingDevice, planPeering } from './peer-plan.js';
import { type LocalSyncthing, requireSyncthing } from './syncthing.js';
import { requireTailnetStatus, untilPeerKnowsUs } from './tailscale.js';

export interface PairPeersOptions {
  /** The folder shared with every mesh device. @default SHARED_FOLDER_ID ('opt-shared') */
  folderId?: string;
  /**
   * Ask only the nodes with these tailnet IPs (a node pairing with this one): everything else
   * stays as it is, pending devices from other addresses included. @default every online peer
   */
  only?: readonly string[];
}

export interface PairPeersResult {
  deviceId: string;
  changed: boolean;
  added: Array<{ deviceId: string; name: string; address: string }>;
  updated: Array<{ deviceId: string; name: string; address: string }>;
  /** Devices the folder was shared with by this run. */
  shared: string[];
  /** Every other device the folder is shared with now (named by its node, else Syncthing). */
  sharedWith: Array<{ deviceId: string; name: string }>;
  accepted: string[];
  refused: Array<{ deviceId: string; name: string; address: string; reason: string }>;
  /** Online peers whose mesh agent vouched for no device (not set up yet, or no agent). */
  unvouched: Array<{ hostname: string; ip: string; reason: string }>;
  /** Devices added without an address: their node does not know this one yet and connects once it does. */
  passive: string[];
  peers: number;
  /**
   * When the run was for some nodes only ({@link PairPeersOptions.only}): those it asked, that
   * is those this node's tailscaled lists online (a node that just joined may not be yet).
   */
  asked?: string[];
}

function firstIpv4(ips: readonly string[]): string | undefined {
  return ips.find((i) => /^\d+\.\d+\.\d+\.\d+$/.test(i));
}

/** The tailnet peers this node's tailscaled lists (the control server's word on membership). */
async function listedPeers(ctx: MeshContext): Promise<MeshPeer[]> {
  // Just joined, a node runs for a moment on a map that gives its peers no DERP home.
  const ts = await waitForPeerRoutes(
    () => requireTailnetStatus(ctx),
    (t) => t.raw,
    ctx.signal,
  );
  if (ts.backendState !== 'Running') {
    throw new MeshError(`this machine is not in the tailnet (state ${ts.backendState})`, {
      kind: 'serviceDown',
      hint: 'run mesh client join first',
    });
  }
  return ts.peers.flatMap((p) => {
    const ip = firstIpv4(p.ips);
    return ip && p.id ? [{ hostname: p.hostname, ip, nodeId: p.id, online: p.online }] : [];
  });
}

/**
 * `mesh peer`: pair this machine's Syncthing with every online tailnet peer whose mesh agent
 * vouches for a device (see the trust rule in the README of @mesh/core). A peer is dialled
 * only at its tailnet address and the sync port its agent names. A pending device is accepted
 * only when it connects from the tailnet address of the node whose agent vouched for it;
 * everything else is dismissed and reported as refused. Vouched devices are recorded as
 * trusted, so `mesh status` can tell them from devices nothing vouched for.
 */
export async function pairPeers(
  ctx: MeshContext,
  o: PairPeersOptions = {},
): Promise<PairPeersResult> {
  const st = await requireSyncthing(ctx);
  const peers = await listedPeers(ctx);
  const r = ctx.reporter;
  const only = o.only ? new Set(o.only) : undefined;
  const online = peers.filter((p) => p.online && (!only || only.has(p.ip)));
  const wait = r.wait(`Asking the mesh agents of ${online.length} online peer(s)`);
  const outcomes = await Promise.all(
    online.map(async (p) => {
      // Just joined, this node's tailscaled restarted: a peer's map may not have its new key yet.
      await untilPeerKnowsUs(ctx, p.ip);
      return askVouch(p, { asker: st.deviceId, ...(ctx.signal ? { signal: ctx.signal } : {}) });
    }),
  );
  const vouched: VouchedDevice[] = outcomes.flatMap((x) => (x.ok ? [x.device] : []));
  const unvouched = outcomes.flatMap((x) => (x.ok ? [] : [{ node: x.node, reason: x.reason }]));
  wait.done(`${vouched.length} vouched`);

  let plan: PeerPlan;
  try {
    const folderId = o.folderId ?? SHARED_FOLDER_ID;
    plan = await planFor(st, folderId, peers, vouched, unvouched, only);
    await recordTrusted(
      ctx,
      plan.trusted.map((v) => ({
        deviceId: v.deviceId,
        name: v.hostname,
        how: 'vouched' as const,
        nodeId: v.nodeId,
      })),
    );
    await applyPlan(st, folderId, plan);
  } catch (error) {
    throw toMeshError(error, 'pairing Syncthing');
  }
  for (const a of plan.add) {
    r.ok(
      a.address === PASSIVE_ADDRESS
        ? `Added ${a.name} (${a.deviceId.slice(0, 7)}...): it connects once it has added this machine`
        : `Added ${a.name} (${a.deviceId.slice(0, 7)}...) at ${a.address}`,
    );
  }
  for (const a of plan.update)
    r.ok(`Updated ${a.name} (${a.deviceId.slice(0, 7)}...) to ${a.address}`);
  for (const x of plan.refused)
    r.warn(`Refused device ${x.deviceId.slice(0, 7)}... (${x.name || 'unnamed'}): ${x.reason}`);
  for (const u of plan.unvouched) r.warn(`${u.hostname} (${u.ip}) is not paired yet: ${u.reason}`);
  // A refusal changes no config: a device that keeps knocking must not make every run "change".
  const changed = plan.add.length + plan.update.length + plan.share.length > 0;
  if (!changed) r.ok('Syncthing peers already up to date');
  return {
    deviceId: st.deviceId,
    changed,
    added: plan.add.map(({ deviceId, name, address }) => ({ deviceId, name, address })),
    updated: plan.update.map(({ deviceId, name, address }) => ({ deviceId, name, address })),
    shared: plan.share,
    sharedWith: plan.sharedWith,
    accepted: plan.accepted,
    refused: plan.refused,
    unvouched: plan.unvouched,
    passive: plan.passive,
    peers: peers.length,
    ...(only ? { asked: online.map((p) => p.ip) } : {}),
  };
}

async function planFor(
  st: LocalSyncthing,
  folderId: string,
  peers: MeshPeer[],
  vouched: VouchedDevice[],
  unvouched: Array<{ node: ListedNode; reason: string }>,
  asked?: ReadonlySet<string>,
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
    vouched,
    unvouched,
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
    ...(asked ? { asked } : {}),
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
      introducer: false,
      autoAcceptFolders: false,
      paused: false,
    });
  }
  for (const a of plan.update) {
    await c.config.devices.update(a.deviceId, { addresses: [a.address], introducer: false });
  }
  if (plan.share.length > 0) {
    await c.config.folders.modify(folderId, (folder) => {
      const devices = [...(folder.devices ?? [])];
      for (const id of plan.share) {
        if (!devices.some((d) => d.deviceID === id)) devices.push({ deviceID: id });
      }
      return { devices };
    });
  }
  for (const x of plan.refused) await c.cluster.pending.dismissDevice(x.deviceId);
}

/** A Syncthing device of this machine's config (not its own). */
export interface UntrustedDevice {
  deviceId: string;
  name: string;
  addresses: string[];
}

/**
 * This machine's Syncthing devices by why they are trusted: vouched for by their node's
 * agent, added by a person (`--device-id --yes`), or neither (untrusted).
 */
export async function classifyDevices(
  ctx: MeshContext,
  st: LocalSyncthing,
): Promise<Record<'vouched' | 'manual' | 'untrusted', UntrustedDevice[]>> {
  const [devices, trusted] = await Promise.all([
    st.client.config.devices.list(),
    readTrustedDevices(ctx),
  ]);
  const out: Record<'vouched' | 'manual' | 'untrusted', UntrustedDevice[]> = {
    vouched: [],
    manual: [],
    untrusted: [],
  };
  for (const d of devices) {
    if (sameDeviceId(d.deviceID, st.deviceId)) continue;
    const t = findTrusted(trusted, d.deviceID);
    const entry = { deviceId: d.deviceID, name: d.name ?? '', addresses: d.addresses ?? [] };
    out[!t ? 'untrusted' : t.how === 'manual' ? 'manual' : 'vouched'].push(entry);
  }
  return out;
}

/**
 * `mesh peer --prune`: removes from Syncthing every device that nothing vouches for (paired
 * under an earlier, weaker rule, or added behind Mesh's back), after asking the agents of the
 * online peers once more. Files are never touched: Syncthing only forgets the device.
 */
export async function pruneUntrusted(
  ctx: MeshContext,
): Promise<{ changed: boolean; removed: UntrustedDevice[]; paired: PairPeersResult }> {
  const paired = await pairPeers(ctx);
  const st = await requireSyncthing(ctx);
  const removed = (await classifyDevices(ctx, st)).untrusted;
  try {
    for (const d of removed) {
      await st.client.config.devices.remove(d.deviceId);
      ctx.reporter.ok(
        `Removed ${d.name || 'unnamed'} (${d.deviceId.slice(0, 7)}...): nothing vouches for it`,
      );
    }
  } catch (error) {
    throw toMeshError(error, 'removing untrusted devices');
  }
  if (removed.length === 0) ctx.reporter.ok('Every device is vouched for or was added by hand');
  return { changed: removed.length > 0 || paired.changed, removed, paired };
}

export interface AddDeviceOptions {
  deviceId: string;
  /** `tcp://IP:PORT`; without it the peer can only connect to us (discovery is off). */
  address?: string;
  name?: string;
  /**
   * The person's confirmation that this device is trusted without a vouch (the CLI asks on a
   * terminal, or takes `--yes`). Without it nothing is added.
   */
  confirmed: boolean;
}

/** Parses and checks `mesh peer --device-id ID [--address tcp://IP:PORT]` before anything changes. */
export function checkManualDevice(o: Omit<AddDeviceOptions, 'confirmed'>): string {
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
      hint: 'for example --address tcp://100.64.0.2:22001',
    });
  }
  return id;
}

/**
 * `mesh peer --device-id ID [--address tcp://IP:PORT] --yes`: manual mode. An explicit act of
 * trust: the device gets the shared folder without any node vouching for it, and is recorded
 * as added by hand (`mesh status -v` lists it so).
 */
export async function addDevice(
  ctx: MeshContext,
  o: AddDeviceOptions,
): Promise<{ deviceId: string; changed: boolean; name: string; address: string | undefined }> {
  const id = checkManualDevice(o);
  if (!o.confirmed) {
    throw new MeshError('adding a device by ID trusts it with the shared folder: not confirmed', {
      kind: 'badInput',
      hint: 'answer yes at the prompt, or pass --yes if you trust this device',
    });
  }
  const st = await requireSyncthing(ctx);
  if (sameDeviceId(id, st.deviceId)) {
    throw new MeshError('Cannot add yourself as a peer', {
      kind: 'badInput',
      hint: 'give the device ID of the other machine (mesh status --verbose there)',
    });
  }
  const name = o.name ?? `peer-${id.slice(0, 7)}`;
  const addresses = o.address ? [o.address] : ['dynamic'];
  try {
    const c = st.client;
    const existing = (await c.config.devices.list()).find((d) => sameDeviceId(d.deviceID, id));
    let changed = await recordTrusted(ctx, [{ deviceId: id, name, how: 'manual' }]);
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
      await c.config.folders.modify(SHARED_FOLDER_ID, (now) => ({
        devices: [...(now.devices ?? []), { deviceID: existing?.deviceID ?? id }],
      }));
      changed = true;
    }
    return { deviceId: id, changed, name, address: o.address };
  } catch (error) {
    throw toMeshError(error, 'adding the device');
  }
}
