import type { MeshContext } from '../context.js';
import { ensureService, serviceManager } from '../internal/services.js';
import { toMeshError } from '../map-error.js';
import { serveVouches } from '../trust/vouch-server.js';
import { forgetDeparted } from './departed.js';
import { instantSync } from './instant-sync.js';
import type { PairPeersResult } from './peer.js';
import { watchPeers } from './watch.js';

/** The service name of the agent on every manager (systemd unit, supervised, Windows task). */
export const AGENT_SERVICE = 'mesh-agent';

export interface RunAgentOptions {
  /** Stops the agent; `runAgent` then resolves. */
  signal: AbortSignal;
  /** Safety-net pairing period, in ms. @default 15000 */
  intervalMs?: number;
  /** Rescan exactly what changed in the shared folder as it changes. @default true */
  instantSync?: boolean;
  /**
   * How long a node may be missing from the control server's list before its device is
   * forgotten (removed, expired for good). @default `MESH_AGENT_FORGET_AFTER` seconds (600)
   */
  forgetAfterMs?: number;
  onForget?: (device: { deviceId: string; name: string }) => void;
  onListening?: (address: string) => void;
  onPair?: (result: PairPeersResult) => void;
  onError?: (error: unknown) => void;
}

/**
 * `mesh agent`: the long-running part of Mesh on every machine. It vouches for this node's
 * Syncthing device to the other nodes' agents (the trust rule in the README), pairs this
 * machine with every node whose agent vouches (whenever a device knocks and every
 * `intervalMs`), has Syncthing rescan what changes in the shared folder at once, and forgets
 * the devices of nodes the control server stopped listing, after a grace period.
 * Runs until `signal` aborts.
 */
export async function runAgent(ctx: MeshContext, o: RunAgentOptions): Promise<void> {
  const { signal } = o;
  await Promise.all([
    serveVouches(ctx, {
      signal,
      ...(o.onListening ? { onListening: o.onListening } : {}),
      ...(o.onError ? { onError: o.onError } : {}),
    }),
    watchPeers(ctx, {
      signal,
      intervalMs: o.intervalMs ?? 15_000,
      ...(o.onPair ? { onPair: o.onPair } : {}),
      ...(o.onError ? { onError: o.onError } : {}),
    }),
    o.instantSync === false
      ? Promise.resolve()
      : instantSync(ctx, { signal, ...(o.onError ? { onError: o.onError } : {}) }),
    forgetDeparted(ctx, {
      signal,
      graceMs: o.forgetAfterMs ?? ctx.settings.agentForgetAfterS * 1000,
      ...(o.onForget ? { onForget: o.onForget } : {}),
      ...(o.onError ? { onError: o.onError } : {}),
    }),
  ]);
}

/**
 * Installs and starts the agent as a service that runs as root (it binds a port below 1024):
 * `exec` is the command that runs `mesh agent` on this machine (the CLI passes itself).
 */
export async function ensureAgent(
  ctx: MeshContext,
  exec: readonly string[],
): Promise<{ changed: boolean }> {
  try {
    const done = await ensureService(
      ctx,
      {
        name: AGENT_SERVICE,
        description: 'Mesh agent: vouches for this node and pairs the shared folder',
        exec,
        // What setup was told (role lists, paths, binaries) holds for the agent too; no secret.
        env: agentEnv(ctx),
        restart: 'always',
        restartSec: 2,
      },
      { privileged: true },
    );
    if (done.started || done.restarted) ctx.reporter.ok('mesh agent started');
    else ctx.reporter.ok('mesh agent is running');
    return { changed: done.installed || done.started || done.restarted };
  } catch (error) {
    throw toMeshError(error, 'starting the mesh agent');
  }
}

/**
 * The settings of this run the agent must share, so it finds the same files: every non-empty
 * MESH_* but the key, HOME and the XDG directories.
 */
function agentEnv(ctx: MeshContext): Record<string, string> {
  const env: Record<string, string> = { HOME: ctx.paths.home };
  for (const [k, v] of Object.entries(ctx.env)) {
    const wanted = (k.startsWith('MESH_') && k !== 'MESH_AUTH_KEY') || k.startsWith('XDG_');
    if (wanted && v) env[k] = v;
  }
  return env;
}

/** Whether the agent service runs on this machine (false when no manager knows it). */
export async function agentRunning(ctx: MeshContext): Promise<boolean> {
  try {
    const sm = await serviceManager(ctx, { privileged: true });
    return (await sm.status(AGENT_SERVICE)).active;
  } catch {
    return false;
  }
}
