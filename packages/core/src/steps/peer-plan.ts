/**
 * Pure planning for `mesh peer`: given what this machine's tailscaled and Syncthing report,
 * decide which Syncthing devices to add, which folders to share, and which pending devices to
 * refuse. Kept free of I/O so every trust decision is unit-tested.
 */

/** A tailnet peer as this machine's own tailscaled reports it (Headscale vouched for it). */
export interface MeshPeer {
  hostname: string;
  /** The peer's tailnet IPv4 (the address we dial and the one pending connections must come from). */
  ip: string;
  online: boolean;
  /** Whether the peer is the Headscale server's own node (it becomes our introducer). */
  isServer: boolean;
}

/** What a TLS probe of `ip:port` returned: the device ID of the certificate presented there. */
export interface DeviceProbe {
  ip: string;
  port: number;
  deviceId: string;
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
  probes: readonly DeviceProbe[];
  configured: readonly ConfiguredDevice[];
  /** Device IDs the shared folder is already shared with. */
  folderDevices: readonly string[];
  pending: readonly PendingDevice[];
  /** Mark the server as introducer (clients do; the server itself does not). */
  serverIsIntroducer: boolean;
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
  /** Devices to add (new) or update (address/introducer changed). */
  add: DeviceAction[];
  update: DeviceAction[];
  /** Devices to share the folder with (all mesh devices, new or old). */
  share: string[];
  /** Pending devices that proved membership (already covered by `add`). */
  accepted: string[];
  /** Pending devices that did not prove membership: dismissed, never added. */
  refused: RefusedDevice[];
  /** Peers that are online but answered no probe (Syncthing not running there yet). */
  unreachable: MeshPeer[];
}

/** Splits `IP:PORT`, `[v6]:PORT` or `tcp://IP:PORT` into its host part. */
export function hostOf(address: string): string {
  const bare = address.replace(/^[a-z0-9+]+:\/\//i, '');
  const v6 = /^\[([^\]]+)\]/.exec(bare);
  if (v6?.[1]) return v6[1];
  const i = bare.lastIndexOf(':');
  return i > 0 && bare.indexOf(':') === i ? bare.slice(0, i) : bare;
}

export function planPeering(input: PeerPlanInput): PeerPlan {
  const configured = new Map(input.configured.map((d) => [d.deviceId, d]));
  const peerByIp = new Map(input.peers.map((p) => [p.ip, p]));
  const plan: PeerPlan = {
    add: [],
    update: [],
    share: [],
    accepted: [],
    refused: [],
    unreachable: [],
  };
  const meshDevices = new Map<string, DeviceAction>();

  for (const peer of input.peers) {
    if (!peer.online) continue;
    const found = input.probes.filter((p) => p.ip === peer.ip);
    if (found.length === 0) plan.unreachable.push(peer);
    for (const probe of found) {
      if (probe.deviceId === input.ownDeviceId) continue;
      meshDevices.set(probe.deviceId, {
        deviceId: probe.deviceId,
        name: peer.hostname,
        address: `tcp://${peer.ip}:${probe.port}`,
        introducer: input.serverIsIntroducer && peer.isServer,
      });
    }
  }

  for (const action of meshDevices.values()) {
    const have = configured.get(action.deviceId);
    if (!have) plan.add.push(action);
    else if (
      !have.addresses.includes(action.address) ||
      have.addresses.length !== 1 ||
      (action.introducer && !have.introducer)
    ) {
      plan.update.push({ ...action, introducer: action.introducer || have.introducer });
    }
    if (!input.folderDevices.includes(action.deviceId)) plan.share.push(action.deviceId);
  }

  for (const p of input.pending) {
    const ip = hostOf(p.address);
    if (meshDevices.has(p.deviceId)) {
      const expected = meshDevices.get(p.deviceId);
      if (expected && hostOf(expected.address) === ip) {
        plan.accepted.push(p.deviceId);
        continue;
      }
    }
    const peer = peerByIp.get(ip);
    const reason = !peer
      ? `connected from ${ip}, which is not a mesh node's tailnet address`
      : !peer.online
        ? `connected from ${ip} (${peer.hostname}), which is offline in the tailnet`
        : `device ID does not match the certificate ${peer.hostname} (${ip}) presents`;
    plan.refused.push({ deviceId: p.deviceId, name: p.name, address: p.address, reason });
  }
  return plan;
}
