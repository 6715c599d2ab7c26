import { connect } from 'node:net';
/** The three kinds of machine a mesh is made of. */
export type MeshRole = 'server' | 'wsl2' | 'windows';

/** The ports a machine of one role listens on; they differ so the roles can share a host. */
export interface PortPlan {
  /** Syncthing GUI/REST port (bound to 127.0.0.1). */
  syncthingGui: number;
  /** Syncthing sync protocol port (TCP and QUIC). */
  syncthingSync: number;
  /** SSH port (WSL2 uses 2222 so it does not clash with Windows' own sshd). */
  ssh: number;
  /** Headscale's HTTP port; only the server listens on it. */
  headscale: number;
  /**
   * UDP port of Headscale's embedded DERP STUN listener; only the server listens on it. Matches
   * the `stun_listen_addr` default `mesh server setup` writes.
   */
  derpStun: number;
  /** UDP port tailscaled sends and receives WireGuard on (tailscaled's own default). */
  wireguard: number;
  /**
   * TCP port the server's mesh agent serves the release packages it installed on, for
   * `mesh client setup --from-server`; only the server listens on it.
   */
  packages: number;
  /**
   * TCP port every member's mesh agent answers pairing questions on, on its tailnet address
   * only. Below 1024 so that on Linux only root can bind it.
   */
  vouch: number;
}

// Every role reaches the server's Headscale and STUN ports and runs tailscaled on the same port.
const SHARED = {
  headscale: 8080,
  derpStun: 3478,
  wireguard: 41641,
  packages: 8091,
  vouch: 874,
} as const;

const PLANS: Record<MeshRole | 'unknown', PortPlan> = {
  server: { syncthingGui: 8384, syncthingSync: 22000, ssh: 22, ...SHARED },
  wsl2: { syncthingGui: 8385, syncthingSync: 22001, ssh: 2222, ...SHARED },
  windows: { syncthingGui: 8386, syncthingSync: 22002, ssh: 22, ...SHARED },
  // A host of unknown role gets Syncthing's own defaults, like a stock install.
  unknown: { syncthingGui: 8384, syncthingSync: 22000, ssh: 22, ...SHARED },
};

/** UDP port of Syncthing's local discovery (it has a Windows firewall rule). */
export const SYNCTHING_DISCOVERY_PORT = 21027;

/** The port plan of a role: the ports existing installs already use (`unknown` gets 8384/22000). */
export function portPlan(role: MeshRole | 'unknown'): PortPlan {
  return { ...PLANS[role] };
}

/**
 * Whether something accepts TCP connections on `host:port` (within `timeoutMs`): what a
 * client would find, where a config file only says what should listen.
 */
export function tcpListens(port: number, host = '127.0.0.1', timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host });
    const done = (up: boolean) => {
      socket.destroy();
      resolve(up);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** One port of a role's plan, described. */
export interface PortEntry {
  port: number;
  protocol: 'tcp' | 'udp' | 'tcp+udp';
  service: string;
  /** Whether a machine of this role listens on it; false: it reaches the server's. */
  listens: boolean;
}

export interface RolePorts {
  role: MeshRole;
  /** Where this role's Syncthing GUI answers (on the machine itself only). */
  syncthingGuiUrl: string;
  ports: Record<keyof PortPlan, PortEntry>;
}

/** The port plan of a role, described for people and scripts, in the order the table shows. */
export function rolePorts(role: MeshRole): RolePorts {
  const plan = portPlan(role);
  const server = role === 'server';
  const onServer = server ? '' : ', on the server';
  return {
    role,
    syncthingGuiUrl: `http://127.0.0.1:${plan.syncthingGui}`,
    ports: {
      headscale: {
        port: plan.headscale,
        protocol: 'tcp',
        service: `Headscale HTTP${onServer}`,
        listens: server,
      },
      derpStun: {
        port: plan.derpStun,
        protocol: 'udp',
        service: `Headscale embedded DERP STUN${onServer}`,
        listens: server,
      },
      wireguard: {
        port: plan.wireguard,
        protocol: 'udp',
        service: 'Tailscale WireGuard (tailscaled)',
        listens: true,
      },
      syncthingSync: {
        port: plan.syncthingSync,
        protocol: 'tcp+udp',
        service: 'Syncthing sync (TCP and QUIC)',
        listens: true,
      },
      syncthingGui: {
        port: plan.syncthingGui,
        protocol: 'tcp',
        service: 'Syncthing GUI/REST (127.0.0.1 only)',
        listens: true,
      },
      ssh: { port: plan.ssh, protocol: 'tcp', service: 'SSH', listens: true },
      packages: {
        port: plan.packages,
        protocol: 'tcp',
        service: `Mesh package source for --from-server${onServer}`,
        listens: server,
      },
      vouch: {
        port: plan.vouch,
        protocol: 'tcp',
        service: 'Mesh agent pairing (tailnet address only)',
        listens: true,
      },
    },
  };
}
