import type { MeshContext } from '../context.js';
import { configurationSection } from './status/configuration.js';
import { environmentSection } from './status/environment.js';
import { headscaleSection } from './status/headscale.js';
import { securitySection } from './status/security.js';
import { syncthingSection } from './status/syncthing.js';
import { tailscaleSection } from './status/tailscale.js';
import { trustChecks } from './status/trust.js';
import {
  type MeshStatus,
  type MeshStatusOptions,
  type StatusCheck,
  setupCommandFor,
} from './status/types.js';

export type {
  MeshStatus,
  MeshStatusOptions,
  PeerReport,
  StatusCheck,
  SyncthingPeerReport,
  TrustReport,
} from './status/types.js';

/**
 * `mesh status`: Environment, Headscale (server only), Tailscale, Syncthing, Pairing Trust,
 * Configuration, Security, conflicts. The sections ask their daemons at the same time; their
 * checks come back in this order. Healthy means no failed check; the CLI exits 0 only then.
 */
export async function meshStatus(ctx: MeshContext, o: MeshStatusOptions = {}): Promise<MeshStatus> {
  const setupCommand = setupCommandFor(ctx);
  const trustList: StatusCheck[] = [];
  const [environment, headscale, tailscale, syncthing, trust, configuration, security] =
    await Promise.all([
      environmentSection(ctx),
      ctx.role === 'server'
        ? headscaleSection(ctx)
        : Promise.resolve({ checks: [], headscale: undefined }),
      tailscaleSection(ctx, o, setupCommand),
      syncthingSection(ctx, setupCommand),
      trustChecks(ctx, (c) => trustList.push(c)),
      configurationSection(ctx, setupCommand),
      securitySection(ctx),
    ]);
  const checks = [
    ...environment.checks,
    ...headscale.checks,
    ...tailscale.checks,
    ...syncthing.checks,
    ...trustList,
    ...configuration.checks,
    ...security.checks,
  ];
  const issues = checks.filter((c) => c.level === 'fail').length;
  return {
    healthy: issues === 0,
    issues,
    environment: environment.env,
    tailscale: tailscale.tailscale,
    syncthing: syncthing.syncthing,
    trust,
    ...(headscale.headscale ? { headscale: headscale.headscale } : {}),
    serverUrl: configuration.serverUrl,
    conflicts: configuration.conflicts,
    checks,
  };
}
