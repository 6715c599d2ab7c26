import type { MeshContext } from '../context.js';
import { toMeshError } from '../map-error.js';
import { type PairPeersOptions, type PairPeersResult, pairPeers } from './peer.js';
import { wantsPairing } from './sync-plan.js';
import { followSyncthingEvents } from './syncthing-events.js';

export interface WatchPeersOptions extends PairPeersOptions {
  /** Stops watching; `watchPeers` then resolves. */
  signal: AbortSignal;
  /** Safety-net re-run period, in milliseconds. @default 30000 */
  intervalMs?: number;
  /** Called after every pairing run (the CLI prints it). */
  onPair?: (result: PairPeersResult) => void;
  /** Called when a run or the event stream fails; watching goes on. */
  onError?: (error: unknown) => void;
  /**
   * A `pair` event on it asks for a run now (a node this one does not know is pairing). One
   * whose `detail` is a tailnet IP asks only that node, unless a run for all is due anyway.
   */
  wake?: EventTarget;
}

const QUICK_RETRY_MS = 250;
const QUICK_RETRY_LAST_MS = 8000;

/**
 * A run for all that found nothing to do and nothing left: no change, no device refused or
 * waiting for its node, every node vouching, and every listed node's device shared (an offline
 * node not paired yet counts as something left).
 */
export function quietRun(r: PairPeersResult): boolean {
  return (
    !r.changed &&
    r.refused.length + r.unvouched.length + r.passive.length === 0 &&
    r.sharedWith.length >= r.peers
  );
}

/** The safety net's next wait: `intervalMs`, then twice and four times that while runs are quiet. */
export function safetyNetMs(intervalMs: number, quietRuns: number): number {
  return intervalMs * 2 ** Math.min(quietRuns, 2);
}

/**
 * `mesh peer --watch`: keeps this member accepting new mesh nodes as they appear. It runs the
 * same rule as {@link pairPeers} (membership from this node's tailscaled, device IDs vouched for
 * by each node's mesh agent), once at start, again whenever the local Syncthing
 * reports a device waiting (`PendingDevicesChanged` with additions, `DeviceRejected`, or lost
 * events), when `wake` says a node is pairing with this one, and every `intervalMs` as a
 * safety net (up to four times as long after quiet runs, {@link quietRun}; back to
 * `intervalMs` when a node knocks or asks, or a run was not quiet). Runs never overlap;
 * requests during a run coalesce into one more run. A failing run is reported and tried again
 * soon (after 0.25 s, doubling up to 8 s), and watching goes on.
 */
export async function watchPeers(
  ctx: MeshContext,
  o: WatchPeersOptions,
): Promise<{ runs: number }> {
  const { signal } = o;
  let dirty = true;
  let wake: (() => void) | undefined;
  const request = () => {
    dirty = true;
    wake?.();
  };
  // Every node asks every other in a run for all, so on a quiet mesh the safety net spaces out;
  // joins and knocks ask for runs of their own and bring it back to intervalMs.
  const intervalMs = o.intervalMs ?? 30_000;
  let quietRuns = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const schedule = (quiet: boolean) => {
    quietRuns = quiet ? quietRuns + 1 : 0;
    clearTimeout(timer);
    timer = setTimeout(request, safetyNetMs(intervalMs, quietRuns));
  };
  schedule(false);
  signal.addEventListener('abort', () => wake?.(), { once: true });
  // A joining node's Syncthing may knock before its agent listens: while a member is not
  // vouched for, it is asked again after 0.25, 0.5, 1, 2, 4 and 8 s, not only at its next knock
  // (which Syncthing spaces 5 s and more apart). So is a failed run.
  let retryMs = QUICK_RETRY_MS;
  let retry: ReturnType<typeof setTimeout> | undefined;
  const retrySoon = () => {
    if (retryMs > QUICK_RETRY_LAST_MS) return;
    clearTimeout(retry);
    retry = setTimeout(request, retryMs);
    retryMs *= 2;
  };
  // A knock or an ask: something is happening, so both the quick series and the safety net
  // start over.
  const startOver = () => {
    retryMs = QUICK_RETRY_MS;
    schedule(false);
  };
  const onKnock = () => {
    startOver();
    request();
  };
  // Nodes that asked while pairing with this one: a run for them alone costs one question
  // each, where a run for all asks every node (every member does it when one joins).
  const askers = new Set<string>();
  const onAsker = (event: Event) => {
    const ip = (event as CustomEvent<unknown>).detail;
    if (typeof ip !== 'string') return onKnock();
    startOver();
    askers.add(ip);
    wake?.();
  };
  o.wake?.addEventListener('pair', onAsker);
  const events = followSyncthingEvents(ctx, {
    signal,
    types: ['PendingDevicesChanged', 'DeviceRejected'],
    onEvent: (event) => {
      if (wantsPairing(event)) onKnock();
    },
    onError: o.onError,
  });
  const pairOptions: PairPeersOptions = o.folderId === undefined ? {} : { folderId: o.folderId };
  let runs = 0;
  try {
    while (!signal.aborted) {
      if (!dirty && askers.size === 0) {
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = undefined;
        continue;
      }
      const only = dirty ? undefined : [...askers];
      dirty = false;
      askers.clear();
      try {
        const r = await pairPeers(
          { ...ctx, signal },
          only ? { ...pairOptions, only } : pairOptions,
        );
        runs++;
        o.onPair?.(r);
        if (!only) schedule(quietRun(r));
        // A device added without an address is asked again soon too: its address is filled in
        // once its node knows this one (or at once from an agent that does not say). So is a
        // node that asked but is not listed online here yet (it has just joined).
        const unlisted = only?.some((ip) => !r.asked?.includes(ip)) ?? false;
        if (r.unvouched.length === 0 && r.passive.length === 0 && !unlisted) {
          retryMs = QUICK_RETRY_MS;
        } else retrySoon();
      } catch (error) {
        if (signal.aborted) break;
        schedule(false);
        // Mostly a node still joining (an agent started beside the join) or a Syncthing still
        // starting: soon over.
        retrySoon();
        o.onError?.(toMeshError(error, 'pairing'));
      }
    }
  } finally {
    o.wake?.removeEventListener('pair', onAsker);
    clearTimeout(timer);
    clearTimeout(retry);
    await events;
  }
  return { runs };
}
