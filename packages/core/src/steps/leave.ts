import { setTimeout as sleep } from 'node:timers/promises';
import { LocalApiClient } from '@mesh/tailscale';
import type { MeshContext } from '../context.js';
import { serviceManager } from '../internal/services.js';
import { toMeshError } from '../map-error.js';

/** The supervised daemons core starts for a machine, by service name. */
export const MESH_DAEMONS = ['mesh-agent', 'mesh-syncthing', 'mesh-tailscaled'] as const;

/**
 * Leaves the tailnet: LocalAPI `logout`, which expires this node's key at the control server;
 * Headscale deletes an **ephemeral** node at once. A no-op when tailscaled does not answer or
 * the node is already logged out. Returns whether it logged out.
 */
export async function leaveMesh(ctx: MeshContext): Promise<{ changed: boolean }> {
  const client = new LocalApiClient({ socketPath: ctx.paths.tailscale.socketPath });
  const call = { timeout: 15_000, ...(ctx.signal ? { signal: ctx.signal } : {}) };
  try {
    let state: string;
    try {
      state = (await client.status({ ...call, timeout: 3000, peers: false })).BackendState;
    } catch {
      ctx.reporter.info('tailscaled is not running: nothing to log out');
      return { changed: false };
    }
    if (state === 'NeedsLogin' || state === 'NoState') {
      ctx.reporter.ok('Already logged out');
      return { changed: false };
    }
    try {
      await client.logout(call);
    } catch (error) {
      // tailscaled tells the control server over a connection its map poll may be replacing
      // at that moment; a second request goes over a fresh one.
      if (!/closed network connection|connection reset|EOF/i.test((error as Error).message)) {
        throw error;
      }
      await sleep(500, undefined, ctx.signal ? { signal: ctx.signal } : {});
      // The first request was written before its connection went: the node key may already be
      // gone here, which is the logged-out state this asked for.
      await client.logout(call).catch((again: unknown) => {
        if (!/no nodekey/i.test((again as Error).message)) throw again;
      });
    }
    ctx.reporter.ok('Logged out of the tailnet');
    return { changed: true };
  } catch (error) {
    throw toMeshError(error, 'logging out');
  } finally {
    await client.close();
  }
}

/**
 * Stops the daemons core supervises for this context (`mesh-syncthing`, `mesh-tailscaled`,
 * under `ctx.paths.stateDir`): SIGTERM, then SIGKILL when one does not exit (the service
 * manager's stop), and disables them, so the next boot starts none. tailscaled removes its own
 * routes and TUN device on SIGTERM. A no-op for a daemon that does not run. Returns the names
 * it stopped.
 */
export async function stopMeshDaemons(ctx: MeshContext): Promise<{ stopped: string[] }> {
  const stopped: string[] = [];
  try {
    // Privileged: it may have to signal a supervisor started behind ctx.daemonPrefix (sudo).
    const sm = await serviceManager(ctx, { privileged: true });
    for (const name of MESH_DAEMONS) {
      const s = await sm.status(name);
      if (!s.installed) continue;
      // Stop even a supervisor between restarts (not `active`), or it would start the child again.
      await sm.stop(name);
      // Nor may the next boot start it: the machine left (setup enables it again).
      if (s.enabled) await sm.disable(name);
      if (s.active || s.detail === 'restarting') {
        stopped.push(name);
        ctx.reporter.ok(`Stopped ${name}`);
      }
    }
  } catch (error) {
    throw toMeshError(error, 'stopping the mesh daemons');
  }
  return { stopped };
}
