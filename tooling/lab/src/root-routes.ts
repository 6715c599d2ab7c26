import type { Runner } from '@mesh/platform';
import { LabError } from './errors.js';

/**
 * Address ranges that exist only inside labs: the lab subnets and the tailnet's. From the root
 * namespace they would follow the default route out of the machine; an `unreachable` route
 * makes any such request fail at once ("network is unreachable") with no packet sent.
 */
export const LAB_ONLY_RANGES: ReadonlyArray<{ family: '-4' | '-6'; prefix: string }> = [
  { family: '-4', prefix: '10.99.0.0/16' },
  { family: '-4', prefix: '100.64.0.0/10' },
  { family: '-6', prefix: 'fd7a:115c:a1e0::/48' },
];

/** The `ip` argv that keeps one range from leaving the machine (idempotent: `replace`). */
export function sealCommand(range: (typeof LAB_ONLY_RANGES)[number]): string[] {
  return [range.family, 'route', 'replace', 'unreachable', range.prefix];
}

/**
 * Makes sure the root namespace drops traffic to every lab-only range. Runs before any lab
 * host exists, and stays: a later `curl` typed outside `lab exec` fails instead of leaving.
 */
export async function sealRootNamespace(runner: Runner): Promise<void> {
  for (const range of LAB_ONLY_RANGES) {
    const r = await runner.run('ip', sealCommand(range), { timeout: 10_000 });
    if (r.exitCode !== 0) {
      throw new LabError(
        `cannot add the route that keeps ${range.prefix} on this machine: ${r.stderr.trim()}`,
        {
          hint: 'the lab needs root (CAP_NET_ADMIN) in the root network namespace',
        },
      );
    }
  }
}
