import type { EventType } from '@mesh/syncthing-client';
import type { MeshContext } from '../context.js';
import { aborted } from '../internal/aborted.js';
import { silentReporter } from '../reporter.js';
import type { MeshStatus, MeshStatusOptions } from './status/types.js';
import { meshStatus } from './status.js';
import { followSyncthingEvents } from './syncthing-events.js';

export interface StatusKeeperOptions {
  /** How old a kept report may be when it is served. @default 2000 (ms) */
  maxAgeMs?: number;
  /** How long after the last request the report is kept fresh in the background. @default 10000 (ms) */
  warmForMs?: number;
  /** Makes a report. @default meshStatus */
  compute?: (ctx: MeshContext, o: MeshStatusOptions) => Promise<MeshStatus>;
  /** @default Date.now */
  now?: () => number;
}

/** Syncthing events after which a kept report may be wrong: connections, pauses, errors, config, files. */
export const STATUS_EVENTS: readonly EventType[] = [
  'ConfigSaved',
  'DeviceConnected',
  'DeviceDisconnected',
  'DevicePaused',
  'DeviceResumed',
  'DeviceRejected',
  'PendingDevicesChanged',
  'PendingFoldersChanged',
  'FolderErrors',
  'FolderPaused',
  'FolderResumed',
  'FolderSummary',
  'StateChanged',
  'ListenAddressesChanged',
  'LocalIndexUpdated',
  'RemoteIndexUpdated',
];

interface Kept {
  ctx: MeshContext;
  options: MeshStatusOptions;
  status?: MeshStatus;
  /** When the kept report's checks began. */
  at: number;
  /** The invalidation count its checks began under. */
  epoch: number;
  /** Which run made it: a run that began earlier never replaces it. */
  run: number;
  pending?: { promise: Promise<MeshStatus>; epoch: number } | undefined;
  askedAt: number;
  timer?: ReturnType<typeof setTimeout> | undefined;
}

/** Different callers (environment, `.env` files, flags) are different reports; a few are kept. */
const MAX_KEPT = 4;

/**
 * The agent's `mesh status` report, kept so that a status asked again soon is answered at once:
 * a report is served while it is at most `maxAgeMs` old (counted from when its checks began)
 * and no Syncthing event that could change it came after, and for `warmForMs` after a request
 * it is made again in the background as it ages, so the next request finds it fresh. Any other
 * request runs the checks live.
 */
export class StatusKeeper {
  readonly #kept = new Map<string, Kept>();
  readonly #maxAgeMs: number;
  readonly #warmForMs: number;
  readonly #compute: (ctx: MeshContext, o: MeshStatusOptions) => Promise<MeshStatus>;
  readonly #now: () => number;
  #epoch = 0;
  #runs = 0;
  /** False only while {@link follow} runs and cannot follow Syncthing's events (or waits). */
  #following = true;
  /** Wakes {@link follow} when a request comes while it waits. */
  #wake: (() => void) | undefined;

  constructor(o: StatusKeeperOptions = {}) {
    this.#maxAgeMs = o.maxAgeMs ?? 2000;
    this.#warmForMs = o.warmForMs ?? 10_000;
    this.#compute = o.compute ?? meshStatus;
    this.#now = o.now ?? Date.now;
  }

  /** The report for this context and these options: kept when fresh, else made now. */
  get(ctx: MeshContext, options: MeshStatusOptions = {}): Promise<MeshStatus> {
    const key = fingerprint(ctx, options);
    const now = this.#now();
    let k = this.#kept.get(key);
    if (!k) {
      // Made in the background too, after the caller whose output this is has gone.
      k = {
        ctx: { ...ctx, reporter: silentReporter },
        options,
        at: 0,
        epoch: -1,
        run: 0,
        askedAt: now,
      };
      this.#kept.set(key, k);
      this.#forgetOldest();
    }
    k.askedAt = now;
    this.#wake?.();
    const fresh =
      this.#following &&
      k.status !== undefined &&
      k.epoch === this.#epoch &&
      now - k.at <= this.#maxAgeMs;
    const answer = fresh && k.status ? Promise.resolve(k.status) : this.#make(k);
    this.#keepWarm(k);
    return answer;
  }

  /** Something changed: no kept report is served again; the warm ones are made again at once. */
  invalidate(): void {
    this.#epoch++;
    for (const k of this.#kept.values()) {
      if (this.#warm(k)) this.#schedule(k, 0);
    }
  }

  /**
   * Invalidates on every Syncthing event in {@link STATUS_EVENTS} until `signal` aborts. Reports
   * are kept only while this follows: when Syncthing cannot be reached (stopped, restarting)
   * nothing tells what changed, so every status runs live until it follows again. It follows
   * only while a report could be served (from a request until `warmForMs + maxAgeMs` after the
   * last one): every file that moves makes Syncthing events, and reading them when nobody asks
   * costs an idle agent more than anything else it does.
   */
  async follow(ctx: MeshContext, o: { signal: AbortSignal }): Promise<void> {
    this.#following = false;
    while (!o.signal.aborted) {
      if (!this.#wanted()) {
        // The agent's signal lives for days: each wait takes its listener off again.
        await new Promise<void>((resolve) => {
          const done = () => {
            o.signal.removeEventListener('abort', done);
            resolve();
          };
          this.#wake = done;
          o.signal.addEventListener('abort', done, { once: true });
        });
        this.#wake = undefined;
        continue;
      }
      const idle = new AbortController();
      const check = setInterval(() => {
        if (!this.#wanted()) idle.abort();
      }, 1000);
      check.unref?.();
      const until = AbortSignal.any([o.signal, idle.signal]);
      try {
        await followSyncthingEvents(ctx, {
          signal: until,
          types: STATUS_EVENTS,
          unreachableMs: 0,
          onFollowing: () => {
            this.#following = true;
            this.invalidate();
          },
          onEvent: () => this.invalidate(),
          onError: () => {
            this.#following = false;
            this.invalidate();
          },
        });
        // It returns only once told to stop; should it return sooner, this waits all the same.
        await aborted(until);
      } finally {
        clearInterval(check);
        this.#following = false;
      }
    }
  }

  /** Whether a report was asked for recently enough that one could still be served. */
  #wanted(): boolean {
    const now = this.#now();
    for (const k of this.#kept.values()) {
      if (now - k.askedAt <= this.#warmForMs + this.#maxAgeMs) return true;
    }
    return false;
  }

  /** Stops every background refresh (the kept reports stay until they age). */
  close(): void {
    for (const k of this.#kept.values()) clearTimeout(k.timer);
  }

  #make(k: Kept): Promise<MeshStatus> {
    if (k.pending && k.pending.epoch === this.#epoch) return k.pending.promise;
    const epoch = this.#epoch;
    const at = this.#now();
    const run = ++this.#runs;
    const promise = this.#compute(k.ctx, k.options).then(
      (status) => {
        if (k.pending?.promise === promise) k.pending = undefined;
        // A run that began later may have ended first; this older one must not replace it.
        if (run > k.run) Object.assign(k, { status, at, epoch, run });
        return status;
      },
      (error: unknown) => {
        if (k.pending?.promise === promise) k.pending = undefined;
        throw error;
      },
    );
    k.pending = { promise, epoch };
    return promise;
  }

  #warm(k: Kept): boolean {
    return this.#now() - k.askedAt <= this.#warmForMs;
  }

  /** While warm, the report is made again when it is half its allowed age. */
  #keepWarm(k: Kept): void {
    if (k.timer === undefined) this.#schedule(k, this.#maxAgeMs / 2);
  }

  #schedule(k: Kept, delayMs: number): void {
    clearTimeout(k.timer);
    const timer = setTimeout(() => {
      if (!this.#warm(k)) {
        k.timer = undefined;
        return;
      }
      void this.#make(k)
        .catch(() => undefined)
        .then(() => {
          if (k.timer === timer) {
            k.timer = undefined;
            this.#keepWarm(k);
          }
        });
    }, delayMs);
    timer.unref?.();
    k.timer = timer;
  }

  #forgetOldest(): void {
    while (this.#kept.size > MAX_KEPT) {
      const [key, k] = this.#kept.entries().next().value as [string, Kept];
      clearTimeout(k.timer);
      this.#kept.delete(key);
    }
  }
}

/** What makes two requests the same report: this machine as the caller's settings see it, and the flags. */
function fingerprint(ctx: MeshContext, o: MeshStatusOptions): string {
  return JSON.stringify([
    ctx.hostname,
    ctx.role,
    ctx.paths,
    ctx.ports,
    ctx.settings,
    ctx.syncthingUser ?? null,
    ctx.daemonPrefix ?? [],
    o,
  ]);
}
