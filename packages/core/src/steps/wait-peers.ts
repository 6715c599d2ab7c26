import { setTimeout as sleep } from 'node:timers/promises';
import { LocalApiClient, type TailnetStatus, toTailnetStatus } from '@mesh/tailscale';
import type { MeshContext } from '../context.js';
import { MeshError } from '../errors.js';

const IPV4 = /^\d+\.\d+\.\d+\.\d+$/;

/**
 * The tailnet IP to ping for `host`: an IP literal as is, else the peer whose hostname, MagicDNS
 * name or its first label matches (case-insensitive). Undefined while no such peer is known
 * (it may not have joined yet).
 */
export function resolvePeerHost(
  status: Pick<TailnetStatus, 'peers'>,
  host: string,
): string | undefined {
  if (IPV4.test(host) || host.includes(':')) return host;
  const h = host.toLowerCase().replace(/\.$/, '');
  const peer = status.peers.find((p) => {
    const dns = p.dnsName.toLowerCase();
    return p.hostname.toLowerCase() === h || dns === h || dns.split('.')[0] === h;
  });
  return peer?.ips.find((ip) => IPV4.test(ip)) ?? peer?.ips[0];
}

export interface WaitForPeersOptions {
  /** Tailnet IPs or names (hostname or MagicDNS name) that must answer. */
  hosts: readonly string[];
  /** Bound in milliseconds (besides `ctx.signal`). @default 120000 */
  timeout?: number;
}

/**
 * Waits until every host answers a `tailscale ping` (a disco ping through this node's own
 * tailscaled, as the CLI sends it). Names are resolved from this node's peer list, so a peer
 * that joins later is waited for too.
 * @throws MeshError (`failure`) naming the hosts that never answered
 */
export async function waitForPeers(
  ctx: MeshContext,
  o: WaitForPeersOptions,
): Promise<{ answered: string[] }> {
  const signal = AbortSignal.any([
    AbortSignal.timeout(o.timeout ?? 120_000),
    ...(ctx.signal ? [ctx.signal] : []),
  ]);
  const pending = new Set(o.hosts);
  const lastError = new Map<string, string>();
  const client = new LocalApiClient({ socketPath: ctx.paths.tailscale.socketPath });
  const wait = ctx.reporter.wait(`Waiting for ${[...pending].join(', ')} to answer`);
  try {
    while (pending.size > 0 && !signal.aborted) {
      let status: TailnetStatus | undefined;
      try {
        status = toTailnetStatus(await client.status({ timeout: 3000, signal }));
      } catch (error) {
        lastError.set('*', (error as Error).message);
      }
      await Promise.all(
        [...pending].map(async (host) => {
          const ip = status ? resolvePeerHost(status, host) : undefined;
          if (!ip) {
            if (status) lastError.set(host, 'no such peer in the tailnet (yet)');
            return;
          }
          try {
            const r = await client.ping(ip, { timeout: 5000, signal });
            if (r.Err) lastError.set(host, r.Err);
            else {
              pending.delete(host);
              ctx.reporter.ok(`${host} answered (${ip})`);
            }
          } catch (error) {
            lastError.set(host, (error as Error).message);
          }
        }),
      );
      if (pending.size > 0) await sleep(1000, undefined, { signal }).catch(() => undefined);
    }
  } finally {
    await client.close();
  }
  if (pending.size > 0) {
    wait.fail();
    const why = [...pending].map(
      (h) => `${h}: ${lastError.get(h) ?? lastError.get('*') ?? 'no answer'}`,
    );
    throw new MeshError(`no answer from ${why.join('; ')}`, {
      hint: 'check that the peer is online (mesh status on it) and named as the tailnet knows it',
    });
  }
  wait.done();
  return { answered: [...o.hosts] };
}
