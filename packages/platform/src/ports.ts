/** The three kinds of machine a mesh is made of. */
export type MeshRole = 'server' | 'wsl2' | 'windows';

/** The ports a machine of one role listens on; they differ so the roles can share a host. */
export interface PortPlan {
  /** Syncthing GUI/REST port. */
  syncthingGui: number;
  /** Syncthing sync protocol port (TCP and QUIC). */
  syncthingSync: number;
  /** SSH port (WSL2 uses 2222 so it does not clash with Windows' own sshd). */
  ssh: number;
  /** Headscale's HTTP port; only the server listens on it. */
  headscale: number;
}

const PLANS: Record<MeshRole, PortPlan> = {
  server: { syncthingGui: 8384, syncthingSync: 22000, ssh: 22, headscale: 8080 },
  wsl2: { syncthingGui: 8385, syncthingSync: 22001, ssh: 2222, headscale: 8080 },
  windows: { syncthingGui: 8386, syncthingSync: 22002, ssh: 22, headscale: 8080 },
};

/** The port plan of a role, as the earlier tool laid it out. */
export function portPlan(role: MeshRole): PortPlan {
  return { ...PLANS[role] };
}
