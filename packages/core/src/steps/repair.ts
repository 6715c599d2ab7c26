import path from 'node:path';
import { pathExists } from '@mesh/platform';
import { LocalApiClient, waitForState } from '@mesh/tailscale';
import type { MeshContext } from '../context.js';
import { MeshError } from '../errors.js';
import { serviceManager } from '../internal/services.js';
import { toMeshError } from '../map-error.js';
import { validateAuthKey } from './auth-key.js';
import { MESH_DAEMONS } from './leave.js';
import { reachPeers } from './reach.js';
import { nodeStanding } from './standing.js';
import { alignMagicDns, TAILSCALED_SERVICE, tailnetStatus } from './tailscale.js';

/**
 * Whether this machine has joined a tailnet before: tailscaled answers with a node key, or its
 * state file is there (tailscaled not started yet, as after a reboot). Without that, a setup or
 * join with no key fails before it changes anything.
 */
export async function joinedBefore(ctx: MeshContext): Promise<boolean> {
  const ts = await tailnetStatus(ctx);
  if (ts) return ts.raw.HaveNodeKey === true;
  return pathExists(path.join(ctx.paths.tailscale.stateDir, 'tailscaled.state'));
}

/** What {@link bringUpWithoutKey} did. */
export interface KeylessJoin {
  changed: boolean;
  ipv4: string | undefined;
  ipv6: string | undefined;
}

/**
 * Brings a node that is already joined back without a key: tailscaled must be answering; a
 * node that was only stopped (`tailscale down`) is started again. A node that needs a new
 * login (key expired, removed at the control server, logged out) cannot be mended without a
 * key: that is a `badInput` error saying how to get one.
 */
export async function bringUpWithoutKey(ctx: MeshContext): Promise<KeylessJoin> {
  const ts = await tailnetStatus(ctx);
  const standing = nodeStanding(ts);
  const ips = (s: typeof ts) => ({
    ipv4: s?.ips.find((i) => i.includes('.')),
    ipv6: s?.ips.find((i) => i.includes(':')),
  });
  if (standing.ok) return { changed: await alignMagicDns(ctx), ...ips(ts) };
  // Never joined: the plain "no key" error says what to pass.
  if (ts && !ts.raw.HaveNodeKey) validateAuthKey(undefined);
  if (standing.state !== 'Stopped') {
    throw new MeshError(`${standing.message}; no key was given`, {
      kind: 'badInput',
      hint: 'create a key with mesh server keygen on the server, then mesh client join --key-file FILE',
    });
  }
  const api = new LocalApiClient({ socketPath: ctx.paths.tailscale.socketPath });
  try {
    const call = { timeout: 30_000, ...(ctx.signal ? { signal: ctx.signal } : {}) };
    await api.patchPrefs({ WantRunning: true }, call);
    await waitForState(api, 'Running', call);
  } catch (error) {
    throw toMeshError(error, 'starting Tailscale again');
  } finally {
    await api.close();
  }
  ctx.reporter.ok('Tailscale is up again');
  await alignMagicDns(ctx);
  return { changed: true, ...ips(await tailnetStatus(ctx)) };
}

/**
 * Before a join with a key: a node that reads "Running" while no online peer answers may have
 * been removed at the control server, which tailscaled learns only when it connects anew. It is
 * restarted so the join that follows sees the node's real standing (and logs in with the key
 * when the server no longer knows it) rather than "already in the tailnet".
 */
export async function recheckIsolatedNode(ctx: MeshContext): Promise<boolean> {
  const ts = await tailnetStatus(ctx);
  if (!ts || !nodeStanding(ts).ok) return false;
  const reach = await reachPeers(ctx, ts, ctx.signal ? { signal: ctx.signal } : {});
  if (reach.asked === 0 || reach.answered) return false;
  ctx.reporter.warn(
    `No peer answers over the tailnet: restarting tailscaled to learn whether the server still knows this node`,
  );
  const sm = await serviceManager(ctx, { privileged: true });
  await sm.restart(TAILSCALED_SERVICE);
  for (let i = 0; i < 100 && !(await tailnetStatus(ctx)); i++) {
    await new Promise((r) => setTimeout(r, 100));
  }
  // Give the control connection a moment to report the node's standing.
  const api = new LocalApiClient({ socketPath: ctx.paths.tailscale.socketPath });
  try {
    for (let i = 0; i < 50; i++) {
      const s = await api.status({ timeout: 3000, peers: false }).catch(() => undefined);
      if (s && s.BackendState !== 'NoState' && s.BackendState !== 'Starting') break;
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    await api.close();
  }
  return true;
}

/**
 * Starts each of Mesh's daemons that is installed and enabled on this machine but not running
 * (a stopped Syncthing, a dead agent): a repair that needs no key. Returns what it started.
 */
export async function startStoppedDaemons(ctx: MeshContext): Promise<string[]> {
  const started: string[] = [];
  try {
    const sm = await serviceManager(ctx, { privileged: true });
    for (const name of MESH_DAEMONS) {
      const s = await sm.status(name);
      if (!s.installed || !s.enabled || s.active) continue;
      await sm.start(name);
      started.push(name);
      ctx.reporter.ok(`Started ${name}`);
    }
  } catch (error) {
    throw toMeshError(error, 'starting the mesh daemons');
  }
  return started;
}
