import {
  type HeadscaleClient,
  HeadscaleNotFoundError,
  headscalePolicyOf,
  isGeneratedPolicy,
  readHeadscaleConfig,
  renderOpenPolicy,
  selfHostedNodeAttrs,
} from '@mesh/headscale';
import type { MeshContext } from '../context.js';

/** What {@link ensureNodePolicy} did: `change` when it stored the policy, `note` when it left one. */
export interface NodePolicyOutcome {
  change?: string;
  note?: string;
}

/**
 * The policy Headscale keeps in its database (0.29+): every node reaches every other, as with
 * none, and every node gets `SELF_HOSTED_NODE_ATTRS`, so none probes Tailscale's own hosts
 * for a captive portal. Where Headscale reads a policy file, `mesh harden server` writes the
 * attributes there; a stored policy mesh did not write is a person's own and is kept.
 */
export async function ensureNodePolicy(
  ctx: MeshContext,
  hs: HeadscaleClient,
): Promise<NodePolicyOutcome> {
  const config = await readHeadscaleConfig(ctx.paths.headscale.configPath);
  if (headscalePolicyOf(config).mode !== 'database') return {};
  const nodeAttrs = selfHostedNodeAttrs((await hs.version()).version);
  if (nodeAttrs.length === 0) return {};
  const wanted = renderOpenPolicy({ nodeAttrs });
  const stored = await hs.policy.get().then(
    (p) => p.policy,
    (error: unknown) => {
      if (error instanceof HeadscaleNotFoundError) return undefined;
      throw error;
    },
  );
  if (stored === wanted) return {};
  if (stored !== undefined && !isGeneratedPolicy(stored)) {
    return {
      note: `Headscale's stored ACL policy is not one mesh wrote: left as it is (give every node "${nodeAttrs.join('", "')}" in its nodeAttrs, or nodes probe Tailscale's hosts for captive portals)`,
    };
  }
  await hs.policy.set(wanted);
  return {
    change: `stored an ACL policy that lets every node reach every other and gives each ${nodeAttrs.join(', ')}`,
  };
}
