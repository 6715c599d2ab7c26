import { setMaxListeners } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathExists, tcpListens } from '@mesh/platform';
import type { MeshContext } from '../context.js';
import { ensureService, serviceManager } from '../internal/services.js';
import { toMeshError } from '../map-error.js';
import { VOUCH_PORT } from '../trust/protocol.js';
import { serveVouches } from '../trust/vouch-server.js';
import {
  type AgentState,
  AgentStateWriter,
  agentStateFresh,
  readAgentState,
} from './agent-state.js';
import { forgetDeparted } from './departed.js';
import { resumePaused, reviveCrashed } from './heal.js';
import { instantSync } from './instant-sync.js';
import { followJoiningPeers } from './joining-peers.js';
import { servePackages } from './package-server.js';
import type { PairPeersResult } from './peer.js';
import { reachPeers } from './reach.js';
import { controlServerUrl } from './server-url.js';
import { controlServerAnswers, nodeStanding } from './standing.js';
import { TAILSCALED_SERVICE, tailnetStatus } from './tailscale.js';
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
  /** Called with what the agent resumed (paused devices, a paused folder). */
  onResume?: (what: readonly string[]) => void;
  /** Called when this node's standing or the control server's answer changes. */
  onStanding?: (what: string) => void;
  /** Called with the daemons it started again (supervised fallback only). */
  onRevive?: (names: readonly string[]) => void;
  onListening?: (address: string) => void;
  /** Called once the server's agent serves the kept packages on `address` (port 8091). */
  onServingPackages?: (address: string) => void;
  onPair?: (result: PairPeersResult) => void;
  onError?: (error: unknown) => void;
}

/**
 * `mesh agent`: the long-running part of Mesh on every machine. It vouches for this node's
 * Syncthing device to the other nodes' agents (the trust rule in the README), pairs this
 * machine with every node whose agent vouches (whenever a device knocks and every
 * `intervalMs`), has Syncthing rescan what changes in the shared folder at once, and forgets
 * the devices of nodes the control server stopped listing, after a grace period; it resumes
 * paused devices and a paused shared folder, which Mesh never pauses itself. What it saw
 * goes to its state file (`readAgentState`), which `mesh status` reads. On the server it also
 * serves the release packages setup kept, on port 8091 (`servePackages`). Runs until `signal`
 * aborts.
 */
export async function runAgent(ctx: MeshContext, o: RunAgentOptions): Promise<void> {
  const { signal } = o;
  // Every loop below waits on this one signal, several at a time: past Node's default of 10
  // listeners it warns of a leak that is not one.
  setMaxListeners(100, signal);
  const state = new AgentStateWriter(ctx);
  const isolation: { since?: number; lastRestart?: number } = {};
  const now = () => new Date().toISOString();
  // A node that does not know this one yet asked for its vouch: pairing now lets it connect.
  const pairing = new EventTarget();
  let standingOk = true;
  const onError = (error: unknown) => {
    state.error(error instanceof Error ? error.message : String(error));
    o.onError?.(error);
  };
  await Promise.all([
    state.run(signal),
    serveVouches(ctx, {
      signal,
      onStranger: (ip) => pairing.dispatchEvent(new CustomEvent('pair', { detail: ip })),
      onListening: (address) => {
        state.update((s) => {
          s.vouchingOn = address;
        });
        o.onListening?.(address);
      },
      onError,
    }),
    // A node that has just joined is asked from here as soon as it answers: its own first
    // question to this node may have come before this node had any address for it.
    followJoiningPeers(ctx, {
      signal,
      onReached: (ip) => pairing.dispatchEvent(new CustomEvent('pair', { detail: ip })),
    }),
    watchPeers(ctx, {
      signal,
      wake: pairing,
      intervalMs: o.intervalMs ?? 15_000,
      onPair: (r) => {
        // A run for the one node that asked says nothing of the others.
        if (!r.asked)
          state.update((s) => {
            s.lastPairing = {
              at: now(),
              peers: r.peers,
              added: r.added.length,
              refused: r.refused.length,
              unvouched: r.unvouched.map(({ hostname, reason }) => ({ hostname, reason })),
            };
          });
        o.onPair?.(r);
      },
      onError,
    }),
    o.instantSync === false
      ? Promise.resolve()
      : instantSync(ctx, {
          signal,
          onScan: (paths) =>
            state.update((s) => {
              s.lastScan = { at: now(), paths: paths.length };
            }),
          onError,
        }),
    every(5000, signal, async () => {
      const revived = await reviveCrashed(ctx).catch((error: unknown) => {
        onError(error);
        return [];
      });
      if (revived.length > 0) {
        state.update((s) => {
          s.revived = [...s.revived, { at: now(), names: revived }].slice(-20);
        });
        o.onRevive?.(revived);
      }
    }),
    // Out of the tailnet (a join going on, a removal, a logout) it looks every second: its word
    // that this node needs a login must not outlive the login by a whole interval.
    every(
      () => (standingOk ? (o.intervalMs ?? 15_000) : 1000),
      signal,
      async () => {
        standingOk = await lookAtStanding(ctx, state, signal, isolation, o.onStanding).catch(
          (error: unknown) => {
            onError(error);
            return true;
          },
        );
      },
    ),
    every(o.intervalMs ?? 15_000, signal, async () => {
      const resumed = await resumePaused(ctx).catch((error: unknown) => {
        onError(error);
        return [];
      });
      if (resumed.length > 0) o.onResume?.(resumed);
    }),
    announce(ctx, signal, onError),
    // The server only: the packages its setup kept, for clients that must not reach the internet.
    servePackages(ctx, {
      signal,
      onError,
      ...(o.onServingPackages ? { onListening: o.onServingPackages } : {}),
    }).catch(onError),
    forgetDeparted(ctx, {
      signal,
      graceMs: o.forgetAfterMs ?? ctx.settings.agentForgetAfterS * 1000,
      onForget: (d) => {
        state.update((s) => {
          s.forgotten = [...s.forgotten, { at: now(), ...d }].slice(-20);
        });
        o.onForget?.(d);
      },
      onError,
    }),
  ]);
}

/**
 * Publishes this node's standing (logged in, key valid) and whether the control server answers;
 * says so once when either changes. Sync between machines that already know each other goes on
 * meanwhile: nothing here stops anything. Returns whether this node is in the tailnet.
 */
async function lookAtStanding(
  ctx: MeshContext,
  state: AgentStateWriter,
  signal: AbortSignal,
  isolation: { since?: number; lastRestart?: number },
  report: ((what: string) => void) | undefined,
): Promise<boolean> {
  const at = new Date().toISOString();
  const ts = await tailnetStatus(ctx);
  const standing = nodeStanding(ts);
  const url = await controlServerUrl(ctx);
  const reachable = url === undefined ? undefined : await controlServerAnswers(url, signal);
  const reach = ts && standing.ok ? await reachPeers(ctx, ts, { signal }) : undefined;
  const before = state.current;
  state.update((s) => {
    s.tailnet = { at, ok: standing.ok, state: standing.state, message: standing.message };
    s.controlServer = url === undefined || reachable === undefined ? null : { at, url, reachable };
    s.peersAnswer = reach && reach.asked > 0 ? reach.answered : null;
  });
  if (before.tailnet?.state !== standing.state) {
    report?.(standing.ok ? standing.message : `${standing.message}: ${standing.fix}`);
  }
  if (url !== undefined && before.controlServer?.reachable !== reachable) {
    report?.(
      reachable
        ? `the control server ${url} answers`
        : `the control server ${url} does not answer: sync between known machines goes on`,
    );
  }
  await restartIfIsolated(ctx, reach, isolation, report);
  return standing.ok;
}

/**
 * tailscaled learns that the control server removed this node only when it connects anew; until
 * then it reads "Running" while every peer has dropped it. When no peer has answered for a
 * while, a restart of tailscaled asks (at most every 10 minutes; harmless when the link is what
 * is cut).
 */
async function restartIfIsolated(
  ctx: MeshContext,
  reach: Awaited<ReturnType<typeof reachPeers>> | undefined,
  isolation: { since?: number; lastRestart?: number },
  report: ((what: string) => void) | undefined,
): Promise<void> {
  const now = Date.now();
  if (!reach || reach.asked === 0 || reach.answered) {
    delete isolation.since;
    return;
  }
  isolation.since ??= now;
  const quietMs = now - isolation.since;
  if (quietMs < ctx.settings.agentRecheckAfterS * 1000) return;
  if (isolation.lastRestart !== undefined && now - isolation.lastRestart < 600_000) return;
  isolation.lastRestart = now;
  report?.(
    `no peer has answered for ${Math.round(quietMs / 1000)} s: restarting tailscaled to learn this node's standing at the control server`,
  );
  const sm = await serviceManager(ctx, { privileged: true });
  await sm.restart(TAILSCALED_SERVICE);
}

/**
 * On a server set up with `--advertise`: announces it over mDNS until the agent stops. The mDNS
 * code is loaded only there, so other agents do not carry it.
 */
async function announce(
  ctx: MeshContext,
  signal: AbortSignal,
  onError: (error: unknown) => void,
): Promise<void> {
  if (ctx.role !== 'server') return;
  const { advertiseMarker } = await import('../discovery/discover.js');
  if (!(await pathExists(advertiseMarker(ctx)))) return;
  const url = await controlServerUrl(ctx);
  if (url === undefined) return;
  const { announceServer } = await import('../discovery/mdns.js');
  await announceServer({ url, hostname: ctx.hostname, signal }).catch(onError);
}

/** Runs `task` now and every `ms` until `signal` aborts; runs never overlap. */
async function every(
  ms: number | (() => number),
  signal: AbortSignal,
  task: () => Promise<void>,
): Promise<void> {
  while (!signal.aborted) {
    await task();
    await sleep(typeof ms === 'number' ? ms : ms(), undefined, { signal }).catch(() => undefined);
  }
}

/**
 * Installs and starts the agent as a service that runs as root (it binds a port below 1024):
 * `exec` is the command that runs `mesh agent` on this machine (the CLI passes itself).
 */
export async function ensureAgent(
  ctx: MeshContext,
  exec: readonly string[],
  o: { restart?: boolean } = {},
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
    // A choice the agent reads when it starts changed, and its service did not.
    const restart = o.restart === true && !done.started && !done.restarted;
    if (restart) await (await serviceManager(ctx, { privileged: true })).restart(AGENT_SERVICE);
    if (done.started || done.restarted || restart) ctx.reporter.ok('mesh agent started');
    else ctx.reporter.ok('mesh agent is running');
    return { changed: done.installed || done.started || done.restarted || restart };
  } catch (error) {
    throw toMeshError(error, 'starting the mesh agent');
  }
}

/**
 * Waits until the agent answers on this node's tailnet address (`ip`, the vouch port), at most
 * `timeoutMs`; false when it does not by then (it pairs anyway once it does, only later).
 */
export async function agentAnswers(
  ip: string,
  timeoutMs = 5000,
  port = VOUCH_PORT,
): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (!(await tcpListens(port, ip, 500))) {
    if (Date.now() > until) return false;
    await sleep(50);
  }
  return true;
}

/**
 * glibc's allocator keeps freed memory for reuse, in one arena per thread: for a process that
 * runs all day, one arena and memory handed back above 128 KiB keep what it holds near what it
 * uses (about 16 MiB less resident, measured in the lab). Other C libraries ignore these.
 */
const LEAN_MALLOC = {
  MALLOC_ARENA_MAX: '1',
  MALLOC_TRIM_THRESHOLD_: '131072',
  MALLOC_MMAP_THRESHOLD_: '131072',
};

/**
 * The settings of this run the agent must share, so it finds the same files and plays the same
 * role: every non-empty MESH_* but the key, HOME, the XDG directories, WSL's distro name, and
 * the role setup detected (a service does not see the login session WSL is detected from).
 */
export function agentEnv(ctx: MeshContext): Record<string, string> {
  const env: Record<string, string> = { HOME: ctx.paths.home, ...LEAN_MALLOC };
  for (const [k, v] of Object.entries(ctx.env)) {
    const wanted =
      (k.startsWith('MESH_') && k !== 'MESH_AUTH_KEY') ||
      k.startsWith('XDG_') ||
      k === 'WSL_DISTRO_NAME';
    if (wanted && v) env[k] = v;
  }
  if (ctx.role !== 'unknown') env['MESH_ROLE'] = ctx.role;
  return env;
}

/** What `mesh agent status` shows: the service, and what the agent last published. */
export interface AgentStatus {
  /** The service manager runs it. */
  running: boolean;
  /** Its state file was written within two heartbeats. */
  fresh: boolean;
  state: AgentState | undefined;
}

/** The agent's service state and its last published view. */
export async function agentStatus(ctx: MeshContext): Promise<AgentStatus> {
  const [running, state] = await Promise.all([agentRunning(ctx), readAgentState(ctx)]);
  return { running, fresh: state !== undefined && agentStateFresh(state), state };
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

/** The agent's last `lines` log lines, from its service manager (journald, or its log file). */
export async function agentLogs(ctx: MeshContext, lines = 50): Promise<string[]> {
  try {
    const sm = await serviceManager(ctx, { privileged: true });
    const text = await sm.logs(AGENT_SERVICE, { lines });
    return text.split('\n').filter((l) => l !== '');
  } catch (error) {
    throw toMeshError(error, "reading the agent's log");
  }
}
