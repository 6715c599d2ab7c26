import { setTimeout as sleep } from 'node:timers/promises';
import { HeadscaleClient, type HealthStatus } from '@mesh/headscale';
import { osName, writeSavedServerUrl } from '@mesh/platform';
import type { MeshContext } from '../context.js';
import { discoverServerUrl } from '../discovery/discover.js';
import { MeshError } from '../errors.js';
import { withMachineLock } from '../internal/machine-lock.js';
import { toMeshError } from '../map-error.js';
import { agentAnswers, ensureAgent } from './agent.js';
import { validateAuthKey } from './auth-key.js';
import { type ClientStep, clientSetupPlan } from './client-plan.js';
import { type EarlyStart, startAgentEarly, startSyncthingEarly } from './early-start.js';
import { isMachineStep, runMachineStep } from './machine.js';
import type { MachineStepResult, MachineStepsOptions } from './machine-step.js';
import { withServerPackages } from './package-server.js';
import { type PairPeersResult, pairPeers } from './peer.js';
import {
  bringUpWithoutKey,
  joinedBefore,
  recheckIsolatedNode,
  startStoppedDaemons,
} from './repair.js';
import { isTransientJoinError, retryDelayMs } from './retry.js';
import { validateServerUrl } from './server.js';
import { controlServerUrl } from './server-url.js';
import { checkSharedFolder, ensureSyncthing, type LocalSyncthing } from './syncthing.js';
import { checkSyncthingPorts } from './syncthing-ports.js';
import { ensureTailscaled, joinTailnet, tailnetStatus, tailscaleUpCommand } from './tailscale.js';

const NOT_HEADSCALE_HINT =
  "check the URL: it is Headscale's server_url, as mesh server keygen prints it (e.g. http://10.0.0.1:8080)";

/**
 * Fails with `serverUnreachable` unless `<url>/health` answers as Headscale does (200
 * `{"status":"pass"}`). Something else answering there (another service, a web page) fails
 * too, naming the URL: otherwise setup would start tailscaled and wait for a control server
 * that is not there.
 */
export async function checkServerHealth(ctx: MeshContext, serverUrl: string): Promise<void> {
  const wait = ctx.reporter.wait(`Checking ${serverUrl}/health`);
  let health: HealthStatus;
  try {
    const hs = new HeadscaleClient({ rest: { url: serverUrl, timeout: 5000 } });
    health = await hs.health({ timeout: 5000, ...(ctx.signal ? { signal: ctx.signal } : {}) });
  } catch (error) {
    wait.fail();
    // The client asks GET /version first; an answer it cannot read came from something else.
    const e = error as { name?: unknown; status?: unknown };
    if (e.name === 'HeadscaleApiError' && typeof e.status === 'number') {
      throw new MeshError(
        `${serverUrl} answers, but does not look like Headscale (GET /version: HTTP ${e.status}, not a Headscale version)`,
        { kind: 'serverUnreachable', cause: error, hint: NOT_HEADSCALE_HINT },
      );
    }
    const m = toMeshError(error, `server ${serverUrl} is unreachable`);
    throw new MeshError(m.message, {
      kind: 'serverUnreachable',
      cause: error,
      hint: 'check the URL and that Headscale runs there (mesh server status on the server)',
    });
  }
  if (health.ok) {
    wait.done();
    return;
  }
  wait.fail();
  const http = health.httpStatus === undefined ? '' : `HTTP ${health.httpStatus}, `;
  if (health.status !== undefined && health.status !== 'pass') {
    throw new MeshError(
      `Headscale at ${serverUrl} is not healthy (GET /health: ${http}status ${JSON.stringify(health.status)})`,
      {
        kind: 'serverUnreachable',
        hint: 'on the server, mesh server status and the Headscale log say why (often its database)',
      },
    );
  }
  throw new MeshError(
    `${serverUrl} answers, but does not look like Headscale (GET /health: ${http}not {"status":"pass"})`,
    { kind: 'serverUnreachable', hint: NOT_HEADSCALE_HINT },
  );
}

export interface JoinMeshOptions {
  /** Headscale URL. @default the saved one (`mesh client setup` saved it) */
  serverUrl?: string;
  /**
   * The pre-auth key. Without one, a node that is joined already is brought back (tailscaled,
   * Syncthing and the agent started, `tailscale down` undone); one that needs a new login fails
   * saying so.
   */
  authKey?: string | undefined;
  /** Tags to advertise (`tag:ci`); the key must allow them. @default none */
  tags?: readonly string[];
  /** Accept subnet routes other nodes advertise. @default true */
  acceptRoutes?: boolean;
  /**
   * Extra attempts after a transient failure (server or control unreachable, timeout), with
   * exponential backoff; a rejected key is never retried. Bounded by `ctx.signal`. @default 0
   */
  retries?: number;
}

export interface JoinMeshResult {
  serverUrl: string;
  changed: boolean;
  /** Mesh's daemons it found stopped and started. */
  started: string[];
  tailnetIp: string | undefined;
  tailnetIpv6: string | undefined;
  hostname: string;
  /**
   * This node's ID at the control server: tailscaled's StableID for itself, which Headscale
   * sets to its numeric node ID (what `headscale nodes list` shows). Read without an API key.
   */
  nodeId: string | undefined;
}

/**
 * The key, checked; or undefined on a machine that joined before (a repair needs none). A
 * machine that never joined needs one: that fails here, before anything changes.
 */
async function keyOrJoinedBefore(
  ctx: MeshContext,
  key: string | undefined,
): Promise<string | undefined> {
  if (key !== undefined || !(await joinedBefore(ctx))) return validateAuthKey(key);
  return undefined;
}

/** The server URL by the one rule ({@link controlServerUrl}); fails when there is none. */
async function serverUrlOrSaved(ctx: MeshContext, given: string | undefined): Promise<string> {
  const url = await controlServerUrl(ctx, { option: given });
  if (!url) {
    throw new MeshError('No server URL given and none saved', {
      kind: 'badInput',
      hint: 'pass --server URL once (mesh client setup --server http://10.0.0.1:8080 ...); it is saved',
    });
  }
  return validateServerUrl(url);
}

/**
 * `mesh client join --print-command`: the `tailscale up` command equivalent to joining this
 * machine with its saved (or given) server URL, changing nothing.
 */
export async function joinCommand(
  ctx: MeshContext,
  o: { serverUrl?: string; keyFile?: string } = {},
): Promise<string[]> {
  return tailscaleUpCommand(ctx, await serverUrlOrSaved(ctx, o.serverUrl), o.keyFile);
}

/**
 * `mesh client join`: (re)join the tailnet with the saved server URL, then start whatever of
 * Mesh's daemons is installed here and not running. Without a key it repairs a joined node.
 */
export function joinMesh(ctx: MeshContext, o: JoinMeshOptions): Promise<JoinMeshResult> {
  return withMachineLock(ctx, () => joinMeshLocked(ctx, o));
}

// The work itself; callers go through the lock above.
async function joinMeshLocked(ctx: MeshContext, o: JoinMeshOptions): Promise<JoinMeshResult> {
  const authKey = await keyOrJoinedBefore(ctx, o.authKey);
  const serverUrl = await serverUrlOrSaved(ctx, o.serverUrl);
  const retries = o.retries ?? 0;
  let r: { changed: boolean; ipv4: string | undefined; ipv6: string | undefined };
  for (let attempt = 0; ; attempt++) {
    try {
      // A join needs the server: it must answer as Headscale before tailscaled is started.
      if (authKey !== undefined) await checkServerHealth(ctx, serverUrl);
      const started = await ensureTailscaled(ctx, serverUrl);
      if (authKey === undefined) {
        r = await bringUpWithoutKey(ctx);
        if (started) r = { ...r, changed: true };
        break;
      }
      if (!started) await recheckIsolatedNode(ctx);
      r = await joinTailnet(ctx, serverUrl, authKey, {
        ...(o.tags ? { tags: o.tags } : {}),
        ...(o.acceptRoutes === undefined ? {} : { acceptRoutes: o.acceptRoutes }),
      });
      break;
    } catch (error) {
      if (attempt >= retries || ctx.signal?.aborted || !isTransientJoinError(error)) throw error;
      const ms = retryDelayMs(attempt + 1);
      ctx.reporter.warn(
        `Join attempt ${attempt + 1} failed (${(error as Error).message}); retrying in ${Math.round(ms / 100) / 10}s`,
      );
      await sleep(ms, undefined, ctx.signal ? { signal: ctx.signal } : {}).catch(() => {
        throw error;
      });
    }
  }
  ctx.reporter.ok(
    r.changed ? `Joined the tailnet: ${r.ipv4 ?? '?'}` : `Already in the tailnet: ${r.ipv4 ?? '?'}`,
  );
  const started = await startStoppedDaemons(ctx);
  const self = (await tailnetStatus(ctx))?.self;
  return {
    serverUrl,
    changed: r.changed || started.length > 0,
    started,
    tailnetIp: r.ipv4,
    tailnetIpv6: r.ipv6,
    hostname: ctx.hostname,
    nodeId: self?.id || undefined,
  };
}

/**
 * Fails on the coordination server: `mesh server setup` joins it and sets up its Syncthing,
 * and client setup there would point its tailscaled and folder at client settings.
 */
function requireClientRole(ctx: MeshContext): void {
  if (ctx.role !== 'server') return;
  const why =
    (ctx.env['MESH_ROLE'] ?? '') === 'server'
      ? 'unset MESH_ROLE'
      : `remove ${ctx.hostname} from MESH_SERVER_HOSTNAMES`;
  throw new MeshError(
    `Client setup must not be run on the coordination server (current role: ${ctx.role})`,
    {
      kind: 'badInput',
      hint: `run mesh server setup here instead; if this is not the server, ${why}`,
    },
  );
}

export interface ClientSetupOptions {
  /** Headscale URL. @default the saved one */
  serverUrl?: string | undefined;
  /** Without a URL: find the server announcing itself on this LAN (mDNS, 5 s). */
  discover?: boolean | undefined;
  /** The pre-auth key; not needed when this node is joined already (a repair). */
  authKey?: string | undefined;
  /** Run `mesh peer` at the end. @default true */
  peer?: boolean;
  /** The command that runs `mesh agent` here; installed as a service before pairing. @default none */
  agentExec?: readonly string[];
  /** Package/service managers, sshd check and Windows runner for the machine steps. @default this machine's */
  machine?: MachineStepsOptions;
  /**
   * Install Tailscale and Syncthing (those missing, on Linux with apt or dnf) from the packages
   * the server keeps, `http://<server URL host>:8091/tailscale/stable` and `.../syncthing`,
   * instead of `MESH_TAILSCALE_PACKAGES_URL` and `MESH_SYNCTHING_RELEASES_URL`: for machines
   * that must not reach the internet. The checksums are verified as for any source.
   * @default false
   */
  fromServer?: boolean | undefined;
  /** The port of the server's package source. @default PACKAGES_PORT (8091; tests pick another) */
  packagesPort?: number | undefined;
}

/** A step of `mesh client setup` as it ran. */
export interface TimedClientStep extends ClientStep {
  /** Wall time of the step, in milliseconds. */
  ms: number;
}

export interface ClientSetupResult {
  changed: boolean;
  changes: string[];
  serverUrl: string;
  tailnetIp: string | undefined;
  deviceId: string;
  folderPath: string;
  /** The steps run, in order, each with how long it took (`ms`): where a setup's time went. */
  steps: TimedClientStep[];
  /** What the machine steps (installs, WSL2, Windows) found or did, in order. */
  machine: MachineStepResult[];
  /** What the user still has to do by hand (`wsl --shutdown` from Windows, the Windows script...). */
  manual: string[];
  peer?: PairPeersResult;
}

/**
 * `mesh client setup`: runs {@link clientSetupPlan} for this platform in order: check the server,
 * install what is missing, start and join Tailscale, save the URL, the WSL2 steps (systemd,
 * sshd on 2222), Syncthing for the role, the Windows steps (or, from WSL2, the hand-off of the
 * Windows script), then start the mesh agent and pair (`mesh peer`). Inputs are all checked before
 * anything changes; the URL is saved only once the join succeeded. With `fromServer`, Tailscale's
 * package comes from the server's package source (its agent serves it on port 8091).
 */
export function clientSetup(ctx: MeshContext, o: ClientSetupOptions): Promise<ClientSetupResult> {
  return withMachineLock(ctx, () => clientSetupLocked(ctx, o));
}

// The work itself; callers go through the lock above.
async function clientSetupLocked(
  ctx: MeshContext,
  o: ClientSetupOptions,
): Promise<ClientSetupResult> {
  requireClientRole(ctx);
  const authKey = await keyOrJoinedBefore(ctx, o.authKey);
  const serverUrl = await serverUrlOrSaved(
    ctx,
    o.serverUrl ?? (o.discover ? await discoverServerUrl(ctx) : undefined),
  );
  await checkSharedFolder(ctx);
  await checkSyncthingPorts(ctx);
  // The machine steps install; with --from-server they see the server's package source.
  const machineCtx = o.fromServer ? withServerPackages(ctx, serverUrl, o.packagesPort) : ctx;
  const steps = clientSetupPlan(ctx.platform, ctx.role, { peer: o.peer ?? true });
  const r = ctx.reporter;
  const changes: string[] = [];
  const machine: MachineStepResult[] = [];
  const windowsDone = { value: false };
  let joined: { changed: boolean; ipv4: string | undefined } | undefined;
  let st: Awaited<ReturnType<typeof ensureSyncthing>> | undefined;
  let peer: PairPeersResult | undefined;
  r.info(`OS: ${osName(ctx.platform)}, role: ${ctx.role}, server: ${serverUrl}`);
  if (o.fromServer) {
    r.info(
      `Tailscale and Syncthing packages from the server: ${machineCtx.settings.tailscalePackagesUrl}, ${machineCtx.settings.syncthingReleasesUrl}`,
    );
  }

  const timed: TimedClientStep[] = [];
  let early: EarlyStart<{ st: LocalSyncthing; changes: string[] }> | undefined;
  let earlyAgent: EarlyStart<{ changed: boolean }> | undefined;
  try {
    for (const step of steps) {
      const t0 = performance.now();
      await runStep(step);
      timed.push({ ...step, ms: Math.round(performance.now() - t0) });
      // A first Syncthing and agent start beside tailscaled and the join (a wrong key then
      // undoes them).
      if (step.id === 'install' && authKey !== undefined) {
        early = await startSyncthingEarly(ctx);
        if (early && o.agentExec) earlyAgent = await startAgentEarly(ctx, o.agentExec);
      }
    }
  } catch (error) {
    // What the Syncthing step took over is set up for good, and no longer undone.
    for (const e of [earlyAgent, early]) {
      await e?.undo().catch((undo: unknown) => {
        r.warn(`what this setup started early could not be removed: ${String(undo)}`);
      });
    }
    throw error;
  }
  async function runStep(step: ClientStep): Promise<void> {
    if (isMachineStep(step.id)) {
      const done = await runMachineStep(machineCtx, step, serverUrl, {
        ...o.machine,
        windowsDone,
      });
      for (const m of done) changes.push(...m.changes);
      machine.push(...done);
      return;
    }
    switch (step.id) {
      case 'health-check':
        await checkServerHealth(ctx, serverUrl);
        r.ok('Server is healthy');
        break;
      case 'tailscaled':
        if (await ensureTailscaled(ctx, serverUrl)) changes.push('started tailscaled');
        break;
      case 'join':
        if (authKey === undefined) joined = await bringUpWithoutKey(ctx);
        else {
          await recheckIsolatedNode(ctx);
          joined = await joinTailnet(ctx, serverUrl, authKey);
        }
        if (joined.changed) changes.push(`joined the tailnet (${joined.ipv4 ?? '?'})`);
        r.ok(`Tailscale IP: ${joined.ipv4 ?? '?'}`);
        break;
      case 'save-server-url': {
        const saved = await writeSavedServerUrl(serverUrl, { env: ctx.env });
        if (saved.changed) {
          changes.push(`saved the server URL in ${saved.path}`);
          r.ok(`Server URL saved: ${saved.path}`);
        }
        break;
      }
      case 'syncthing': {
        // The agent vouches for this device: the members accept it only then. It reads the
        // device ID from Syncthing's certificate on each request, so it starts beside Syncthing
        // rather than after it (Syncthing 1.30 takes about a second to answer).
        const [started, startedAgent] = [early, earlyAgent];
        early = earlyAgent = undefined;
        const [synced, agent] = await Promise.allSettled([
          started
            ? started.take(r).then((s) => ensureSyncthing(ctx, { started: s }))
            : ensureSyncthing(ctx),
          startedAgent
            ? startedAgent.take(r)
            : o.agentExec
              ? ensureAgent(ctx, o.agentExec)
              : Promise.resolve({ changed: false }),
        ]);
        if (synced.status === 'rejected') throw synced.reason;
        if (agent.status === 'rejected') throw agent.reason;
        st = synced.value;
        changes.push(...st.changes);
        if (agent.value.changed) {
          changes.push('started the mesh agent');
          // The members ask it as soon as this device knocks (pairing, next): an agent still
          // starting then has them ask again later, and the first file comes that much later.
          if (joined?.ipv4) await agentAnswers(joined.ipv4);
        }
        break;
      }
      case 'peer':
        peer = await pairPeers(ctx);
        if (peer.changed) changes.push(`paired ${peer.added.length} device(s)`);
        break;
    }
  }
  if (!st) throw new MeshError('internal: the plan has no Syncthing step', { kind: 'failure' });
  return {
    changed: changes.length > 0,
    changes,
    serverUrl,
    tailnetIp: joined?.ipv4,
    deviceId: st.deviceId,
    folderPath: st.folderPath,
    steps: timed,
    machine,
    manual: machine.flatMap((m) => m.manual ?? []),
    ...(peer ? { peer } : {}),
  };
}
