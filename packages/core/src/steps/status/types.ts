import type { AgentState } from '../agent-state.js';
import type { ServerStatus } from '../nodes.js';

/** One health check; every failed (`fail`) check is one issue. */
export interface StatusCheck {
  section:
    | 'environment'
    | 'headscale'
    | 'tailscale'
    | 'syncthing'
    | 'trust'
    | 'configuration'
    | 'security'
    | 'conflicts';
  name: string;
  level: 'ok' | 'info' | 'warn' | 'fail';
  message: string;
  /** What to do about it (failed checks). */
  fix?: string;
}

export interface PeerReport {
  hostname: string;
  ip: string | undefined;
  online: boolean;
  path: 'direct' | 'relay' | 'none';
  /** Round trip of a disco ping, ms (verbose only). */
  latencyMs?: number;
}

export interface SyncthingPeerReport {
  deviceId: string;
  name: string;
  connected: boolean;
  address?: string;
}

/** How this machine's Syncthing devices came to be trusted. */
export interface TrustReport {
  /** Whether the mesh agent (which vouches for this node) runs. */
  agent: boolean;
  /** What the agent last published (its state file), when there is one. */
  agentState?: AgentState;
  vouched: Array<{ deviceId: string; name: string }>;
  /** Added by a person with `mesh peer --device-id --yes`. */
  manual: Array<{ deviceId: string; name: string }>;
  /** In Syncthing's config with nothing behind it: `mesh peer --prune` removes them. */
  untrusted: Array<{ deviceId: string; name: string }>;
}

export interface MeshStatus {
  healthy: boolean;
  issues: number;
  environment: {
    hostname: string;
    /** Coarse, for code: `ubuntu` stands for any Linux that is not WSL (see `OsType`). */
    osType: string;
    /**
     * For people: os-release's PRETTY_NAME ("Debian GNU/Linux 12 (bookworm)"), `(WSL 2)` after
     * it inside WSL; `Windows`, `macOS`.
     */
    osName: string;
    /** os-release of a Linux or WSL host; none on Windows and macOS. */
    distro:
      | { id: string; versionId: string | undefined; prettyName: string | undefined }
      | undefined;
    role: string;
    syncthingHome: string;
    sharedFolder: string;
  };
  tailscale: {
    running: boolean;
    backendState: string | undefined;
    ip: string | undefined;
    peers: PeerReport[];
  };
  syncthing: {
    running: boolean;
    port: number;
    deviceId: string | undefined;
    connected: SyncthingPeerReport[];
    folder:
      | { id: string; state: string | undefined; needFiles: number; needBytes: number }
      | undefined;
  };
  trust: TrustReport;
  headscale?: Omit<ServerStatus, 'keys'> & { keys: number };
  serverUrl: string | undefined;
  conflicts: string[];
  checks: StatusCheck[];
}

export interface MeshStatusOptions {
  /** Ping peers for latency and list more detail. @default false */
  verbose?: boolean;
}

/** The command that sets this machine up, for the fixes of what was never set up. */
export function setupCommandFor(ctx: { role: string }): string {
  return ctx.role === 'server'
    ? 'mesh server setup'
    : 'mesh client setup --server URL --key-file FILE';
}
