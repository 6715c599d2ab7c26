import { describe, it } from 'vitest';
import { labAvailable } from './available.js';

/** What a lab suite does on this machine. */
export type LabGate =
  | { action: 'run' }
  | { action: 'fail'; message: string }
  | { action: 'skip'; message: string };

/** Pure decision behind {@link describeLab}. */
export function labGate(
  available: ReturnType<typeof labAvailable>,
  env: NodeJS.ProcessEnv = process.env,
): LabGate {
  if (available.ok) return { action: 'run' };
  if (env['MESH_REQUIRE_LAB'] === '1') {
    return { action: 'fail', message: `lab required but unavailable: ${available.reason}` };
  }
  return {
    action: 'skip',
    message: `${available.reason} (set MESH_REQUIRE_LAB=1 to fail instead)`,
  };
}

/**
 * How often a failed lab test runs again: `MESH_LAB_RETRY`, one by default. A lab test waits on
 * real daemons sharing two cores, so a slow moment can fail one; the test summary names every
 * test that passed only on a retry, so a flaky one is seen, not hidden. `0` shows every flake.
 */
export function labRetries(env: NodeJS.ProcessEnv = process.env): number {
  const n = Number(env['MESH_LAB_RETRY'] ?? 1);
  return Number.isInteger(n) && n >= 0 ? n : 1;
}

/**
 * `describe` for tests that need a lab. When the lab cannot run here it skips loudly (printing
 * why), or fails when `MESH_REQUIRE_LAB=1` (CI), so a broken runner never passes silently.
 */
export const describeLab = (name: string, fn: () => void): void => {
  const gate = labGate(labAvailable());
  if (gate.action === 'run') {
    describe(name, { retry: labRetries() }, fn);
  } else if (gate.action === 'fail') {
    describe(name, () => {
      it('lab is available (MESH_REQUIRE_LAB=1)', () => {
        throw new Error(gate.message);
      });
    });
  } else {
    console.warn(`[lab] SKIPPING "${name}": ${gate.message}`);
    describe.skip(name, fn);
  }
};
