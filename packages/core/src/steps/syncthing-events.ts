import { setTimeout as sleep } from 'node:timers/promises';
import type { EventType, SyncthingEvent } from '@mesh/syncthing-client';
import type { MeshContext } from '../context.js';
import { toMeshError } from '../map-error.js';
import { connectSyncthing } from './syncthing.js';

/**
 * Follows the local Syncthing's event stream of `types` until `signal` aborts, calling
 * `onEvent` for each (and for `MissedEvents` markers). A Syncthing that is not there yet or
 * goes away is reported through `onError` (after `unreachableMs` of trying, for one that goes
 * away) and asked again 5 s later; `onFollowing` is called each time following begins.
 */
export async function followSyncthingEvents(
  ctx: MeshContext,
  o: {
    signal: AbortSignal;
    types: readonly EventType[];
    onEvent: (event: SyncthingEvent) => void;
    onError?: ((error: unknown) => void) | undefined;
    onFollowing?: () => void;
    /** How long a Syncthing that went away is tried again before `onError`. @default 300000 */
    unreachableMs?: number;
  },
): Promise<void> {
  while (!o.signal.aborted) {
    try {
      const st = await connectSyncthing(ctx);
      const events = st.client.events.stream({
        types: o.types,
        signal: o.signal,
        ...(o.unreachableMs === undefined ? {} : { timeout: o.unreachableMs }),
      });
      o.onFollowing?.();
      for await (const event of events) {
        o.onEvent(event);
      }
    } catch (error) {
      if (o.signal.aborted) return;
      o.onError?.(toMeshError(error, 'following Syncthing events'));
    }
    await sleep(5000, undefined, { signal: o.signal }).catch(() => undefined);
  }
}
