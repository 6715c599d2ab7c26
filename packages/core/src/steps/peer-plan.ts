/**
 * Pure planning for `mesh peer`: given what this machine's tailscaled, the mesh agents of the
 * other nodes and this machine's Syncthing report, decide which Syncthing devices to add, which
 * folders to share, and which pending devices to refuse. Kept free of I/O so every trust
 * decision is unit-tested. The rule (README of @mesh/core): a device is a mesh device only when
 * the mesh agent of a node the control server lists vouched for it.
 */
import { PASSIVE_ADDRESS } from '../trust/protocol.js';
import type { ListedNode, VouchedDevice } from '../trust/vouch-client.js';

/** A tailnet peer as this machine's own tailscaled reports it (the control server listed it). */
export interface MeshPeer extends ListedNode {
  online: boolean;
}

/** A device already in this Syncthing's config. */
export interface ConfiguredDevice {
  deviceId: string;
  name: string;
  addresses: string[];
  introducer: boolean;
}

/** A device that connected to us and is not in our config (`/rest/cluster/pending/devices`). */
export interface PendingDevice {
  deviceId: string;
  name: string;
  /** The connecting address as Syncthing saw it, `IP:PORT` (source port, not the listen port). */
  address: string;
}

export interface PeerPlanInput {
  ownDeviceId: string;
  peers: readonly MeshPeer[];
  /** What the agents of the online peers vouched for. */
  vouched: readonly VouchedDevice[];
  /** Online peers whose agent vouched for nothing, and why. */
  unvouched: ReadonlyArray<{ node: ListedNode; reason: string }>;
  configured: readonly ConfiguredDevice[];
  /** Device IDs the shared folder is already shared with. */
  folderDevices: readonly string[];
  pending: readonly PendingDevice[];
  /**
   * The tailnet IPs of the nodes asked, when only some were (a run for one node that is pairing
   * with this one): a pending device from any other address is left for a run that asks all.
   */
  asked?: ReadonlySet<string>;
}

export interface DeviceAction {
  deviceId: string;
  name: string;
  address: string;
  introducer: boolean;
}

export interface RefusedDevice {
  deviceId: string;
  name: string;
  address: string;
  reason: string;
}

export interface PeerPlan {
  /**
   * Devices to add (new) or update (address changed, or an introducer flag to drop). A device
   * whose node does not know this one yet is added with {@link PASSIVE_ADDRESS}: that node
   * dials once it has added this one, and the address is filled in on a later run.
   */
  add: DeviceAction[];
  update: DeviceAction[];
  /** Devices left without an address because their node does not know this one yet. */
  passive: string[];
  /** Devices to share the folder with (all vouched devices, new or old). */
  share: string[];
  /** Pending devices a vouch covers (already in `add`). */
  accepted: string[];
  /** Pending devices no vouch covers: dismissed, never added. */
  refused: RefusedDevice[];
  /** Online peers whose agent did not vouch (not set up yet, no agent, or a wrong answer). */
  unvouched: Array<{ hostname: string; ip: string; reason: string }>;
  /** Every vouched device, for the record of trusted devices. */
  trusted: VouchedDevice[];
  /** Every other device the folder is shared with once the plan is applied, with its name. */
  sharedWith: Array<{ deviceId: string; name: string }>;
}

/** Splits `IP:PORT`, `[v6]:PORT` or `tcp://IP:PORT` into its host part. */
export function hostOf(address: string): string {
  const bare = address.replace(/^[a-z0-9+]+:\/\//i, '');
  const v6 = /^\[([^\]]+)\]/.exec(bare);
  if (v6?.[1]) return v6[1];
  const i = bare.lastIndexOf(':');
  return i > 0 && bare.indexOf(':') === i ? bare.slice(0, i) : bare;
}

function isPassive(d: ConfiguredDevice): boolean {
  return d.addresses.length === 1 && d.addresses[0] === PASSIVE_ADDRESS && !d.introducer;
}

export function planPeering(input: PeerPlanInput): PeerPlan {
  const configured = new Map(input.configured.map((d) => [d.deviceId, d]));
  const peerByIp = new Map(input.peers.map((p) => [p.ip, p]));
  const plan: PeerPlan = {
    add: [],
    update: [],
    passive: [],
    share: [],
    accepted: [],
    refused: [],
    unvouched: input.unvouched.map((u) => ({
      hostname: u.node.hostname,
      ip: u.node.ip,
      reason: u.reason,
    })),
    trusted: [],
    sharedWith: [],
  };
  const vouchedById = new Map<string, VouchedDevice>();
  for (const v of input.vouched) {
    if (v.deviceId === input.ownDeviceId) continue;
    vouchedById.set(v.deviceId, v);
    plan.trusted.push(v);
  }

  for (const v of vouchedById.values()) {
    // No introducer: a device an introducer hands on would skip the vouch of its own node.
    const action: DeviceAction = {
      deviceId: v.deviceId,
      name: v.hostname,
      address: `tcp://${v.ip}:${v.port}`,
      introducer: false,
    };
    const have = configured.get(v.deviceId);
    const strangerToIt = v.knowsUs === false;
    if (!have) {
      if (strangerToIt) plan.passive.push(v.deviceId);
      plan.add.push(strangerToIt ? { ...action, address: PASSIVE_ADDRESS } : action);
    } else if (strangerToIt && isPassive(have)) {
      plan.passive.push(v.deviceId);
    } else if (
      !have.addresses.includes(action.address) ||
      have.addresses.length !== 1 ||
      have.introducer
    ) {
      plan.update.push(action);
    }
    if (!input.folderDevices.includes(v.deviceId)) plan.share.push(v.deviceId);
  }

  for (const p of input.pending) {
    const ip = hostOf(p.address);
    if (input.asked && !input.asked.has(ip)) continue;
    const vouch = vouchedById.get(p.deviceId);
    if (vouch && vouch.ip === ip) {
      plan.accepted.push(p.deviceId);
      continue;
    }
    const peer = peerByIp.get(ip);
    const unvouched = input.unvouched.find((u) => u.node.ip === ip);
    const reason = !peer
      ? `connected from ${ip}, which is not a mesh node's tailnet address`
      : !peer.online
        ? `connected from ${ip} (${peer.hostname}), which is offline in the tailnet`
        : unvouched
          ? `${peer.hostname} (${ip}) vouched for no device: ${unvouched.reason}`
          : `the mesh agent of ${peer.hostname} (${ip}) vouches for another device ID`;
    plan.refused.push({ deviceId: p.deviceId, name: p.name, address: p.address, reason });
  }

  // A count of the devices shared with this run reads "0" on every re-run: name them all.
  const names = new Map(input.configured.map((d) => [d.deviceId, d.name]));
  for (const v of vouchedById.values()) names.set(v.deviceId, v.hostname);
  plan.sharedWith = [...new Set([...input.folderDevices, ...plan.share])]
    .filter((id) => id !== input.ownDeviceId)
    .map((deviceId) => ({ deviceId, name: names.get(deviceId) ?? '' }));
  return plan;
}
