import { setTimeout as sleep } from 'node:timers/promises';
import type { MeshContext } from '../context.js';
import { withMachineLock } from '../internal/machine-lock.js';
import { serviceManager } from '../internal/services.js';
import { resumePaused } from './heal.js';
import { pairPeers } from './peer.js';
import { bringUpWithoutKey, startStoppedDaemons } from './repair.js';
import { headscaleService } from './server.js';
import { ensureWslSshdStep } from './sshd.js';
import { type MeshStatus, meshStatus, type StatusCheck } from './status.js';
import { SYNCTHING_SERVICE } from './syncthing.js';

/** One repair `mesh doctor --fix` tried. */
export interface DoctorFix {
  /** The check that called for it (`section/name`). */
  check: string;
  /** What was done, in words. */
  action: string;
  ok: boolean;
  /** Why it failed, when it did. */
  error?: string;
}

export interface DoctorReport {
  /** The checks before any repair. */
  before: StatusCheck[];
  fixes: DoctorFix[];
  /** The status after the repairs (the same as before without `fix`). */
  after: MeshStatus;
  /** Failed checks no safe repair covers, or that a repair did not mend: for a person. */
  leftForYou: StatusCheck[];
  healthy: boolean;
}

interface Repair {
  id: string;
  action: string;
  run(ctx: MeshContext): Promise<unknown>;
}

const START_DAEMONS: Repair = {
  id: 'start',
  action: "started Mesh's stopped services (tailscaled, Syncthing, the agent)",
  run: startStoppedDaemons,
};

/**
 * The safe repair for a failing check, if there is one. Safe: it starts, restarts, resumes or
 * pairs; it never removes a device, a node or a file, and needs no key.
 */
function repairFor(c: StatusCheck): Repair | undefined {
  switch (`${c.section}/${c.name}`) {
    case 'headscale/service':
      return {
        id: 'headscale',
        action: 'started Headscale',
        run: (ctx) => headscaleService(ctx).start(),
      };
    case 'tailscale/daemon':
    case 'syncthing/running':
    case 'trust/agent':
    case 'trust/agent-state':
      return START_DAEMONS;
    case 'tailscale/stopped':
      return { id: 'up', action: 'brought Tailscale up again', run: bringUpWithoutKey };
    case 'syncthing/listen':
      return {
        id: 'restart-syncthing',
        action: 'restarted Syncthing so it listens again',
        run: async (ctx) => (await serviceManager(ctx)).restart(SYNCTHING_SERVICE),
      };
    case 'syncthing/paused':
    case 'syncthing/folder-paused':
      return { id: 'resume', action: 'resumed paused devices and the folder', run: resumePaused };
    case 'trust/unpaired':
      return { id: 'pair', action: 'paired with every vouching node', run: pairPeers };
    case 'environment/sshd':
      return {
        id: 'sshd',
        action: 'set sshd to port 2222 and restarted it',
        run: (ctx) => ensureWslSshdStep(ctx),
      };
    default:
      return undefined;
  }
}

/**
 * `mesh doctor`: the status checks in order, each with its evidence; with `fix`, applies the
 * safe repair of each failing (or warning) check once, checks everything again, and lists what
 * is left for a person.
 */
export async function doctor(ctx: MeshContext, o: { fix?: boolean } = {}): Promise<DoctorReport> {
  const first = await meshStatus(ctx);
  const fixes: DoctorFix[] = [];
  let after = first;
  if (o.fix) await withMachineLock(ctx, () => repairAll(ctx, first, fixes));
  // A daemon just started needs a moment to connect (tailscaled to log in again, Syncthing to
  // find its peers): look again for up to 30 s.
  for (let i = 0; fixes.length > 0 && i < 15; i++) {
    after = await meshStatus(ctx);
    if (after.healthy) break;
    await sleep(2000, undefined, ctx.signal ? { signal: ctx.signal } : {});
  }
  return {
    before: first.checks,
    fixes,
    after,
    leftForYou: after.checks.filter((c) => c.level === 'fail'),
    healthy: after.healthy,
  };
}

/** Applies the safe repair of each failing or warning check once, recording each in `fixes`. */
async function repairAll(ctx: MeshContext, first: MeshStatus, fixes: DoctorFix[]): Promise<void> {
  const done = new Set<string>();
  for (const c of first.checks) {
    if (c.level !== 'fail' && c.level !== 'warn') continue;
    const repair = repairFor(c);
    if (!repair || done.has(repair.id)) continue;
    done.add(repair.id);
    try {
      await repair.run(ctx);
      fixes.push({ check: `${c.section}/${c.name}`, action: repair.action, ok: true });
    } catch (error) {
      fixes.push({
        check: `${c.section}/${c.name}`,
        action: repair.action,
        ok: false,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }
}
