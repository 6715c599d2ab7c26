import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type JoinResult,
  join,
  LocalApiClient,
  type TailnetStatus,
  tailscaledLaunch,
  toTailnetStatus,
} from '@mesh/tailscale';
import type { MeshContext } from '../context.js';
import { MeshError } from '../errors.js';
import { toMeshError } from '../map-error.js';
import { daemonLogTail, runningPid, startDaemon } from '../internal/supervise.js';

function localApi(ctx: MeshContext): LocalApiClient {
  return new LocalApiClient({ socketPath: ctx.paths.tailscale.socketPath });
}

/** This machine's tailnet status, or undefined when tailscaled does not answer. */
export async function tailnetStatus(ctx: MeshContext): Promise<TailnetStatus | undefined> {
  const client = localApi(ctx);
  try {
    return toTailnetStatus(await client.status({ timeout: 3000 }));
  } catch {
    return undefined;
  } finally {
    await client.close();
  }
}

/** Like {@link tailnetStatus} but fails (serviceDown) when tailscaled does not answer. */
export async function requireTailnetStatus(ctx: MeshContext): Promise<TailnetStatus> {
  const s = await tailnetStatus(ctx);
  if (!s) {
    throw new MeshError(`tailscaled is not running (no answer on ${ctx.paths.tailscale.socketPath})`, {
      kind: 'serviceDown',
      hint: 'run mesh client setup (or mesh client join) to start and join it',
    });
  }
  return s;
}

/**
 * Starts tailscaled when its socket does not answer: under the supervised-process fallback
 * (systemd units are managed by the platform package on machines where systemd is PID 1).
 * Returns whether it had to start it.
 */
export async function ensureTailscaled(ctx: MeshContext, serverUrl: string): Promise<boolean> {
  if (await tailnetStatus(ctx)) {
    ctx.reporter.ok('tailscaled is running');
    return false;
  }
  const runDir = path.join(ctx.paths.stateDir, 'run');
  const tun = ctx.env['MESH_TAILSCALE_TUN'];
  const launch = tailscaledLaunch({
    stateDir: ctx.paths.tailscale.stateDir,
    socketPath: ctx.paths.tailscale.socketPath,
    // Headscale's embedded DERP on an http:// URL has no TLS; tailscaled must dial DERP over HTTP.
    derpOverHttp: serverUrl.startsWith('http://'),
    ...(tun ? { tun } : {}),
    ...(ctx.paths.binaries.tailscaled ? { binary: ctx.paths.binaries.tailscaled } : {}),
  });
  if ((await runningPid('tailscaled', { runDir })) === undefined) {
    await startDaemon(
      {
        name: 'tailscaled',
        file: launch.file,
        args: launch.args,
        env: launch.env,
        dirs: [...launch.dirs, path.dirname(ctx.paths.tailscale.socketPath)],
      },
      { runDir },
    );
  }
  const wait = ctx.reporter.wait('Starting tailscaled');
  const until = Date.now() + 30_000;
  while (!(await tailnetStatus(ctx))) {
    if (Date.now() > until || (await runningPid('tailscaled', { runDir })) === undefined) {
      wait.fail();
      const tail = await daemonLogTail('tailscaled', { runDir }, 3);
      throw new MeshError('tailscaled did not start', {
        kind: 'serviceDown',
        hint: `see ${path.join(runDir, 'tailscaled.log')}${tail ? `: ${tail.split('\n').pop()}` : ''}`,
      });
    }
    await sleep(200);
  }
  wait.done();
  return true;
}

/** Joins (or confirms membership of) the tailnet at `serverUrl` with `authKey` (never on argv). */
export async function joinTailnet(
  ctx: MeshContext,
  serverUrl: string,
  authKey: string,
  timeoutMs = 60_000,
): Promise<JoinResult> {
  const wait = ctx.reporter.wait(`Joining the tailnet at ${serverUrl}`);
  try {
    const r = await join({
      controlUrl: serverUrl,
      authKey,
      hostname: ctx.hostname,
      acceptRoutes: true,
      // MagicDNS would rewrite the machine's resolv.conf; Mesh dials tailnet IPs only.
      acceptDns: false,
      timeout: timeoutMs,
      socketPath: ctx.paths.tailscale.socketPath,
      ...(ctx.signal ? { signal: ctx.signal } : {}),
    });
    wait.done(r.ipv4);
    return r;
  } catch (error) {
    wait.fail();
    throw toMeshError(error, 'joining the tailnet');
  }
}

/** True when this node is Running against `serverUrl` (so no key is needed). */
export function isJoinedTo(status: TailnetStatus | undefined, serverUrl: string): boolean {
  if (!status || status.backendState !== 'Running') return false;
  void serverUrl;
  return status.ips.length > 0;
}
