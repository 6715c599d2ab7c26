import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/**
 * Can this machine run a lab? Needs root (namespaces, veth, TUN) and `ip`. Cheap and
 * synchronous so test files can decide at collection time.
 */
export function labAvailable(
  env: NodeJS.ProcessEnv = process.env,
): { ok: true } | { ok: false; reason: string } {
  if (env['MESH_SKIP_LAB'] === '1')
    return { ok: false, reason: 'MESH_SKIP_LAB=1 (unit tests only: pnpm test:fast)' };
  if (process.platform !== 'linux')
    return { ok: false, reason: `needs Linux, this is ${process.platform}` };
  if (process.getuid?.() !== 0)
    return { ok: false, reason: 'needs root (network namespaces, veth, TUN)' };
  if (!existsSync('/dev/net/tun')) return { ok: false, reason: '/dev/net/tun is missing' };
  // A synchronous probe: vitest collects describe blocks synchronously.
  const ip = spawnSync('ip', ['netns', 'list'], { timeout: 5000, stdio: 'ignore' });
  if (ip.error || ip.status !== 0)
    return {
      ok: false,
      reason: '`ip netns` does not work here (iproute2 missing or no CAP_NET_ADMIN)',
    };
  return { ok: true };
}
