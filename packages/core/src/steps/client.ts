import { access } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { HeadscaleClient } from '@mesh/headscale';
import { readSavedServerUrl, writeSavedServerUrl } from '@mesh/platform';
import type { JoinResult } from '@mesh/tailscale';
import type { MeshContext } from '../context.js';
import { MeshError } from '../errors.js';
import { toMeshError } from '../map-error.js';
import { type ClientStep, clientSetupPlan } from './client-plan.js';
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

async function which(
  ctx: MeshContext,
  name: string,
  explicit: string | undefined,
): Promise<boolean> {
  if (explicit)
    return access(explicit).then(
      () => true,
      () => false,
    );
  if (
    await access(path.join('/var/cache/mesh/bin', name)).then(
      () => true,
      () => false,
    )
  )
    return true;
  const r = await ctx.runner.run('sh', ['-c', `command -v ${name}`], { timeout: 5000 });
  return r.exitCode === 0;
}

/** Which of tailscale, tailscaled, syncthing are missing on this machine. */
export async function missingPrograms(ctx: MeshContext): Promise<string[]> {
  const b = ctx.paths.binaries;
  const checks: Array<[string, string | undefined]> = [
    ['tailscale', b.tailscale],
    ['tailscaled', b.tailscaled],
    ['syncthing', b.syncthing],
  ];
  const missing: string[] = [];
  for (const [name, explicit] of checks)
    if (!(await which(ctx, name, explicit))) missing.push(name);
  return missing;
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
}

export interface ClientSetupResult {
  changed: boolean;
  changes: string[];
  serverUrl: string;
  tailnetIp: string | undefined;
  deviceId: string;
  folderPath: string;
  steps: ClientStep[];
  peer?: PairPeersResult;
}

/**
 * `mesh client setup`: validate, check the server, start and join Tailscale, save the URL,
 * configure Syncthing for the role, then pair (`mesh peer`, server as introducer). Inputs are
 * all checked before anything changes; the URL is saved only once the join succeeded.
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
  r.info(`OS: ${ctx.platform.osType}, role: ${ctx.role}, server: ${serverUrl}`);

  await checkServerHealth(ctx, serverUrl);
  r.ok('Server is healthy');

  const missing = await missingPrograms(ctx);
  if (missing.length > 0) {
    throw new MeshError(`missing programs: ${missing.join(', ')}`, {
      kind: 'badInput',
      hint: 'install them (apt install tailscale syncthing) or point MESH_TAILSCALE_BIN/MESH_TAILSCALED_BIN/MESH_SYNCTHING_BIN at them',
    });
  }
  r.ok('Tailscale and Syncthing are installed');

  if (await ensureTailscaled(ctx, serverUrl)) changes.push('started tailscaled');
  const joined = await joinTailnet(ctx, serverUrl, authKey);
  if (joined.changed) changes.push(`joined the tailnet (${joined.ipv4 ?? '?'})`);
  r.ok(`Tailscale IP: ${joined.ipv4 ?? '?'}`);

  const saved = await writeSavedServerUrl(serverUrl, { env: ctx.env });
  if (saved.changed) {
    changes.push(`saved the server URL in ${saved.path}`);
    r.ok(`Server URL saved: ${saved.path}`);
  }

  for (const step of steps) {
    if (step.mode === 'manual') r.warn(`Manual step: ${step.title}`);
  }

  const st = await ensureSyncthing(ctx);
  changes.push(...st.changes);

  let peer: PairPeersResult | undefined;
  if (o.peer ?? true) {
    peer = await pairPeers(ctx, { serverIsIntroducer: true });
    if (peer.changed) changes.push(`paired ${peer.added.length} device(s)`);
  }
  return {
    changed: changes.length > 0,
    changes,
    serverUrl,
    tailnetIp: joined.ipv4,
    deviceId: st.deviceId,
    folderPath: st.folderPath,
    steps,
    ...(peer ? { peer } : {}),
  };
}
