import { setTimeout as sleep } from 'node:timers/promises';
import { HeadscaleClient } from '@mesh/headscale';
import { readSavedServerUrl, writeSavedServerUrl } from '@mesh/platform';
import type { JoinResult } from '@mesh/tailscale';
import type { MeshContext } from '../context.js';
import { MeshError } from '../errors.js';
import { toMeshError } from '../map-error.js';
import { ensureAgent } from './agent.js';
import { type ClientStep, clientSetupPlan } from './client-plan.js';
import {
  isMachineStep,
  type MachineStepResult,
  type MachineStepsOptions,
  runMachineStep,
} from './machine.js';
import { type PairPeersResult, pairPeers } from './peer.js';
import { isTransientJoinError, retryDelayMs } from './retry.js';
import { validateServerUrl } from './server.js';
import { ensureSyncthing } from './syncthing.js';
import { ensureTailscaled, joinTailnet, tailnetStatus } from './tailscale.js';

/** Rejects keys that cannot be right before anything is changed. */
export function validateAuthKey(key: string | undefined): string {
  const k = (key ?? '').trim();
  if (k === '') {
    throw new MeshError('no pre-auth key given', {
      kind: 'badInput',
      hint: 'pass --key-file FILE, pipe the key on stdin, or set MESH_AUTH_KEY (create one with mesh server keygen)',
    });
  }
  if (/\s/.test(k) || k.length < 16 || k.length > 200) {
    throw new MeshError(
      'the pre-auth key is malformed (expected one word, as mesh server keygen prints it)',
      {
        kind: 'badInput',
        hint: 'create a new key with mesh server keygen',
      },
    );
  }
  return k;
}

/** Fails with `serverUnreachable` unless `<url>/health` answers. */
export async function checkServerHealth(ctx: MeshContext, serverUrl: string): Promise<void> {
  const wait = ctx.reporter.wait(`Checking ${serverUrl}/health`);
  try {
    const hs = new HeadscaleClient({ rest: { url: serverUrl, timeout: 5000 } });
    await hs.health({ timeout: 5000, ...(ctx.signal ? { signal: ctx.signal } : {}) });
    wait.done();
  } catch (error) {
    wait.fail();
    const e = toMeshError(error, `server ${serverUrl} is unreachable`);
    throw new MeshError(e.message, {
      kind: 'serverUnreachable',
      cause: error,
      hint: 'check the URL and that Headscale runs there (mesh server status on the server)',
    });
  }
}

export interface JoinMeshOptions {
  /** Headscale URL. @default the saved one (`mesh client setup` saved it) */
  serverUrl?: string;
  authKey: string;
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
  tailnetIp: string | undefined;
  tailnetIpv6: string | undefined;
  hostname: string;
  /**
   * This node's ID at the control server: tailscaled's StableID for itself, which Headscale
   * sets to its numeric node ID (what `headscale nodes list` shows). Read without an API key.
   */
  nodeId: string | undefined;
}

/** `mesh client join`: (re)join the tailnet with the saved server URL. */
export async function joinMesh(ctx: MeshContext, o: JoinMeshOptions): Promise<JoinMeshResult> {
  const authKey = validateAuthKey(o.authKey);
  const saved =
    o.serverUrl ??
    ctx.settings.serverUrl ??
    (await readSavedServerUrl({ env: ctx.env }).catch(() => undefined));
  if (!saved) {
    throw new MeshError('No saved server URL found', {
      kind: 'badInput',
      hint: "Run 'mesh client setup --server URL' first",
    });
  }
  const serverUrl = validateServerUrl(saved);
  const retries = o.retries ?? 0;
  let r: JoinResult;
  for (let attempt = 0; ; attempt++) {
    try {
      await checkServerHealth(ctx, serverUrl);
      await ensureTailscaled(ctx, serverUrl);
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
  const self = (await tailnetStatus(ctx))?.self;
  return {
    serverUrl,
    changed: r.changed,
    tailnetIp: r.ipv4,
    tailnetIpv6: r.ipv6,
    hostname: r.hostname,
    nodeId: self?.id || undefined,
  };
}

export interface ClientSetupOptions {
  serverUrl: string;
  authKey: string;
  /** Run `mesh peer` at the end. @default true */
  peer?: boolean;
  /** The command that runs `mesh agent` here; installed as a service before pairing. @default none */
  agentExec?: readonly string[];
  /** Package/service managers, sshd check and Windows runner for the machine steps. @default this machine's */
  machine?: MachineStepsOptions;
}

export interface ClientSetupResult {
  changed: boolean;
  changes: string[];
  serverUrl: string;
  tailnetIp: string | undefined;
  deviceId: string;
  folderPath: string;
  steps: ClientStep[];
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
 * anything changes; the URL is saved only once the join succeeded.
 */
export async function clientSetup(
  ctx: MeshContext,
  o: ClientSetupOptions,
): Promise<ClientSetupResult> {
  const serverUrl = validateServerUrl(o.serverUrl);
  const authKey = validateAuthKey(o.authKey);
  const steps = clientSetupPlan(ctx.platform, ctx.role, { peer: o.peer ?? true });
  const r = ctx.reporter;
  const changes: string[] = [];
  const machine: MachineStepResult[] = [];
  const windowsDone = { value: false };
  let joined: JoinResult | undefined;
  let st: Awaited<ReturnType<typeof ensureSyncthing>> | undefined;
  let peer: PairPeersResult | undefined;
  r.info(`OS: ${ctx.platform.osType}, role: ${ctx.role}, server: ${serverUrl}`);

  for (const step of steps) {
    if (isMachineStep(step.id)) {
      const done = await runMachineStep(ctx, step, serverUrl, { ...o.machine, windowsDone });
      for (const m of done) changes.push(...m.changes);
      machine.push(...done);
      continue;
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
        joined = await joinTailnet(ctx, serverUrl, authKey);
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
      case 'syncthing':
        st = await ensureSyncthing(ctx);
        changes.push(...st.changes);
        // The agent vouches for this device: the members accept it only then.
        if (o.agentExec && (await ensureAgent(ctx, o.agentExec)).changed) {
          changes.push('started the mesh agent');
        }
        break;
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
    steps,
    machine,
    manual: machine.flatMap((m) => m.manual ?? []),
    ...(peer ? { peer } : {}),
  };
}
