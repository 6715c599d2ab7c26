import { Lab, type LabOptions } from '@mesh/lab';

/** Phase timings a machine suite prints at its end. */
export type Timings = Array<[string, number]>;

/**
 * Boots `hosts` as systemd machines with nothing of the lab's running on them (mesh sets up
 * what runs there), and records how long the boot took.
 */
export async function bootMachines(
  hosts: readonly string[],
  timings: Timings,
  more: Pick<LabOptions, 'machinePrograms' | 'packageSource' | 'meshBinary'> = {},
): Promise<Lab> {
  const t0 = performance.now();
  const lab = await Lab.up({
    hosts: [...hosts],
    machines: 'systemd',
    headscale: false,
    tailscale: false,
    syncthing: false,
    ...more,
  });
  timings.push([`${hosts.length} machines booted`, Math.round(performance.now() - t0)]);
  return lab;
}

/** Prints a suite's timings under `title`, aligned. */
export function printTimings(title: string, timings: Timings): void {
  console.log(`\n[${title}]`);
  for (const [what, ms] of timings)
    console.log(`  ${what.padEnd(60)} ${String(ms).padStart(7)} ms`);
}
