import { mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { findOnPath } from '@mesh/platform';
import {
  type JoinResult,
  join,
  LocalApiClient,
  type Prefs,
  pingUntilAnswered,
  type TailnetStatus,
  TailscaleCli,
  tailscaledLaunch,
  toTailnetStatus,
} from '@mesh/tailscale';
import type { MeshContext } from '../context.js';
import { MeshError } from '../errors.js';
import {
  ensureService,
  privilegedRunner,
  serviceManager,
  servicesDir,
} from '../internal/services.js';
import { toMeshError } from '../map-error.js';
import { findMeshProgram, meshProgram } from './release-programs.js';

function localApi(ctx: MeshContext): LocalApiClient {
  return new LocalApiClient({ socketPath: ctx.paths.tailscale.socketPath });
}

/** tailscaled's service name on every manager. */
export const TAILSCALED_SERVICE = 'mesh-tailscaled';

/** This machine's tailnet status, or undefined when tailscaled does not answer. */
export async function tailnetStatus(ctx: MeshContext): Promise<TailnetStatus | undefined> {
  return (await readTailnetStatus(ctx)).status;
}

/**
 * tailscaled's status, or why there is none: `error` is what the LocalAPI call raised (no
 * daemon on the socket, a refusal, an answer that is not a status).
 */
export async function readTailnetStatus(
  ctx: MeshContext,
): Promise<{ status?: TailnetStatus; error?: unknown }> {
  const client = localApi(ctx);
  try {
    return { status: toTailnetStatus(await client.status({ timeout: 3000 })) };
  } catch (error) {
    return { error };
  } finally {
    await client.close();
  }
}

/**
 * Waits (at most 2 s) until the peer at `ip` answers a disco ping: it then knows this node's
 * current disco key. A peer that learns the new key of a restarted tailscaled only after a
 * connection to it began drops that connection's first packets, and TCP sends them again only
 * a second later.
 */
export async function untilPeerKnowsUs(ctx: MeshContext, ip: string): Promise<void> {
  const client = localApi(ctx);
  try {
    await pingUntilAnswered(client, ip, ctx.signal ? { signal: ctx.signal } : {});
  } finally {
    await client.close();
  }
}

/** Like {@link tailnetStatus} but fails (serviceDown) when tailscaled does not answer. */
export async function requireTailnetStatus(ctx: MeshContext): Promise<TailnetStatus> {
  const s = await tailnetStatus(ctx);
  if (!s) {
    throw new MeshError(
      `tailscaled is not running (no answer on ${ctx.paths.tailscale.socketPath})`,
      {
        kind: 'serviceDown',
        hint: 'run mesh client setup (or mesh client join) to start and join it',
      },
    );
  }
  return s;
}

/**
 * Starts tailscaled when its socket does not answer, through the platform service manager
 * (systemd when it is PID 1, else the supervised-process fallback).
 * Returns whether it had to start it.
 */
export async function ensureTailscaled(ctx: MeshContext, serverUrl: string): Promise<boolean> {
  if (await tailnetStatus(ctx)) {
    ctx.reporter.ok('tailscaled is running');
    return false;
  }
  const tun = ctx.env['MESH_TAILSCALE_TUN'];
  const launch = tailscaledLaunch({
    stateDir: ctx.paths.tailscale.stateDir,
    socketPath: ctx.paths.tailscale.socketPath,
    // Headscale's embedded DERP on an http:// URL has no TLS; tailscaled must dial DERP over HTTP.
    derpOverHttp: serverUrl.startsWith('http://'),
    ...(tun ? { tun } : {}),
    // A release install's /usr/local/bin may be missing from the service manager's PATH.
    binary: meshProgram(ctx, 'tailscaled', ctx.paths.binaries.tailscaled),
  });
  for (const d of [...launch.dirs, path.dirname(ctx.paths.tailscale.socketPath)]) {
    await mkdir(d, { recursive: true, mode: 0o700 });
  }
  try {
    await ensureService(
      ctx,
      {
        name: TAILSCALED_SERVICE,
        description: 'Tailscale daemon for the Mesh tailnet',
        exec: [await findOnPath(launch.file, ctx.env), ...launch.args],
        env: launch.env,
        restart: 'always',
      },
      { privileged: true },
    );
  } catch (error) {
    throw toMeshError(error, 'starting tailscaled');
  }
  const wait = ctx.reporter.wait('Starting tailscaled');
  const until = Date.now() + 30_000;
  while (!(await tailnetStatus(ctx))) {
    if (Date.now() > until) {
      wait.fail();
      throw new MeshError('tailscaled did not start', {
        kind: 'serviceDown',
        hint: `see the service log (${TAILSCALED_SERVICE}.log in ${servicesDir(ctx)})`,
      });
    }
    // Its socket answers within about 0.3 s of the start: a coarser poll is most of a join's wait.
    await sleep(50);
  }
  wait.done();
  // The wait line is progress on stderr, and none at all when tailscaled answered at once.
  ctx.reporter.ok('tailscaled started');
  await becomeOperator(ctx);
  return true;
}

/**
 * A tailscaled started behind `ctx.daemonPrefix` runs as root and answers every other user
 * read-only ("Access denied: checkprefs access denied"), so the LocalAPI join would fail.
 * `tailscale set --operator=<this user>`, run behind the same prefix, gives this user write
 * access (what `sudo tailscale set --operator=$USER` does by hand).
 */
async function becomeOperator(ctx: MeshContext): Promise<void> {
  if (!ctx.daemonPrefix || ctx.daemonPrefix.length === 0 || process.getuid?.() === 0) return;
  const user = os.userInfo().username;
  try {
    const cli = new TailscaleCli({
      // The prefix (sudo) may search another PATH: hand it an absolute path.
      binary: await findMeshProgram(ctx, 'tailscale', ctx.paths.binaries.tailscale),
      socketPath: ctx.paths.tailscale.socketPath,
      runner: privilegedRunner(ctx),
      timeout: 15_000,
    });
    const r = await cli.run(['set', `--operator=${user}`], {
      ...(ctx.signal ? { signal: ctx.signal } : {}),
    });
    if (r.exitCode !== 0) {
      throw new MeshError(
        `could not make ${user} the operator of tailscaled: ${r.stderr.trim().split('\n')[0] ?? ''}`,
        { hint: `check that ${ctx.daemonPrefix.join(' ')} works for ${user}` },
      );
    }
  } catch (error) {
    throw toMeshError(error, 'making this user the operator of tailscaled');
  }
  ctx.reporter.ok(`${user} may control tailscaled (operator)`);
}

/** Options of {@link joinTailnet}. */
export interface JoinTailnetOptions {
  /** @default 60000 (ms) */
  timeoutMs?: number;
  /** Accept subnet routes other nodes advertise. @default true */
  acceptRoutes?: boolean;
  /** Tags to advertise (`tag:ci`); the key must allow them. @default none */
  tags?: readonly string[];
}

/**
 * The `tailscale up` command that does what joining does here, for a person who would rather
 * type it: `tailscale up` refuses to run unless every setting that is not its default is named
 * again, so the flags come from this node's live settings (or, before a join, from what
 * {@link joinTailnet} sets). The key is read from a file (`--auth-key=file:`), never typed.
 */
export async function tailscaleUpCommand(
  ctx: MeshContext,
  serverUrl: string,
  keyFile = 'KEY_FILE',
): Promise<string[]> {
  const client = localApi(ctx);
  let prefs: Prefs | undefined;
  try {
    prefs = await client.getPrefs({ timeout: 3000 });
  } catch {
    // tailscaled does not answer (stopped, not installed yet): the flags a join would set.
    prefs = undefined;
  } finally {
    await client.close();
  }
  const routes = prefs ? prefs.RouteAll === true : true;
  const tags = prefs?.AdvertiseTags ?? [];
  return [
    'tailscale',
    'up',
    `--login-server=${serverUrl}`,
    `--accept-dns=${prefs?.CorpDNS === true}`,
    ...(routes ? ['--accept-routes'] : []),
    `--hostname=${prefs?.Hostname || ctx.hostname}`,
    ...(prefs?.OperatorUser ? [`--operator=${prefs.OperatorUser}`] : []),
    ...(tags.length > 0 ? [`--advertise-tags=${tags.join(',')}`] : []),
    `--auth-key=file:${keyFile}`,
  ];
}

/**
 * A joined node's DNS setting made to match `MESH_MAGIC_DNS` (a join sets it; this mends a node
 * joined before, or with the other setting). True when it changed.
 */
export async function alignMagicDns(ctx: MeshContext): Promise<boolean> {
  const client = localApi(ctx);
  const call = { timeout: 5000, ...(ctx.signal ? { signal: ctx.signal } : {}) };
  try {
    const prefs = await client.getPrefs(call);
    if ((prefs.CorpDNS === true) === ctx.settings.magicDns) return false;
    await client.patchPrefs({ CorpDNS: ctx.settings.magicDns }, call);
  } catch (error) {
    throw toMeshError(error, 'setting MagicDNS');
  } finally {
    await client.close();
  }
  ctx.reporter.ok(`MagicDNS ${ctx.settings.magicDns ? 'on' : 'off'} (MESH_MAGIC_DNS)`);
  return true;
}

/** Joins (or confirms membership of) the tailnet at `serverUrl` with `authKey` (never on argv). */
export async function joinTailnet(
  ctx: MeshContext,
  serverUrl: string,
  authKey: string,
  o: JoinTailnetOptions = {},
): Promise<JoinResult> {
  const wait = ctx.reporter.wait(`Joining the tailnet at ${serverUrl}`);
  try {
    if (o.tags && o.tags.length > 0) {
      // `join` starts from the daemon's current prefs, so tags set here go with the login
      // (what `tailscale up --advertise-tags` does).
      const client = localApi(ctx);
      try {
        await client.patchPrefs(
          { AdvertiseTags: [...o.tags] },
          { timeout: 5000, ...(ctx.signal ? { signal: ctx.signal } : {}) },
        );
      } finally {
        await client.close();
      }
    }
    const r = await join({
      controlUrl: serverUrl,
      authKey,
      hostname: ctx.hostname,
      acceptRoutes: o.acceptRoutes ?? true,
      // MagicDNS: machine names resolve across the mesh (tailscaled takes over resolv.conf
      // and forwards other names to what it held); MESH_MAGIC_DNS=off leaves DNS alone.
      acceptDns: ctx.settings.magicDns,
      timeout: o.timeoutMs ?? 60_000,
      socketPath: ctx.paths.tailscale.socketPath,
      restartDaemon: async () =>
        (await serviceManager(ctx, { privileged: true })).restart(TAILSCALED_SERVICE),
      ...(ctx.signal ? { signal: ctx.signal } : {}),
    });
    wait.done(r.ipv4);
    return (await alignMagicDns(ctx)) ? { ...r, changed: true } : r;
  } catch (error) {
    wait.fail();
    throw toMeshError(error, 'joining the tailnet');
  }
}
