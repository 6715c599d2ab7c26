import { backoffDelay, sleep } from '@mesh/errors';
import {
  SyncthingAbortError,
  SyncthingAuthError,
  SyncthingError,
  SyncthingInvalidResponseError,
  SyncthingNotFoundError,
  SyncthingUnsupportedError,
} from '../errors.js';
import { RETRY_BACKOFF, type SyncthingCallOptions, type Transport } from '../internal/transport.js';
import {
  type DiskEvent,
  type EventEnvelope,
  EventEnvelopesSchema,
  type EventType,
  type KnownEvent,
  type MissedEvents,
  type SyncthingEvent,
  toTypedEvent,
  type UnknownEvent,
} from '../schemas/events.js';
import { SystemStatusSchema } from '../schemas/system.js';
import { Resource } from './resource.js';

/** Options of {@link EventsResource.stream}. */
export interface EventStreamOptions {
  /**
   * Event types to subscribe to (the `events=` mask). Each distinct mask is its own server-side
   * stream, created by the first request and never holding earlier events.
   * @default the default mask: every type except LocalChangeDetected/RemoteChangeDetected
   */
  types?: readonly (EventType | (string & {}))[];
  /**
   * Start after this event id (of this mask). `0` replays what the server still buffers (≤ 1000).
   * @default the current position: only events from now on
   */
  since?: number;
  /** Stops the stream cleanly (the iterator just ends). */
  signal?: AbortSignal;
  /**
   * Milliseconds the stream may stay unable to reach the server (e.g. during a restart) before the
   * iterator throws the last error. @default 300000
   */
  timeout?: number;
  /** Server-side long-poll duration in seconds (`timeout=`). @default 60 */
  pollTimeoutS?: number;
  /** Largest reconnect back-off delay in milliseconds. @default 10000 */
  maxReconnectDelayMs?: number;
}

/** Options of a single poll ({@link EventsResource.get}). */
export interface EventPollParams {
  types?: readonly string[] | undefined;
  since?: number;
  /** Keep only the last n events. */
  limit?: number;
  /** Server-side long-poll seconds; 0 answers at once. @default 60 */
  timeoutS?: number;
}

type StreamKind = 'default' | 'disk';

/** `/rest/events` and `/rest/events/disk`. */
export class EventsResource extends Resource {
  constructor(transport: Transport) {
    super(transport);
  }

  /**
   * One long-poll of `GET /rest/events`: typed events with `id > since`, waiting up to `timeoutS`.
   * Prefer {@link stream} for continuous consumption.
   */
  async get(
    params: EventPollParams = {},
    options?: SyncthingCallOptions,
  ): Promise<(KnownEvent | UnknownEvent)[]> {
    const raw = await poll(this.transport, 'default', params, options);
    return raw.map(toTypedEvent);
  }

  /** One long-poll of `GET /rest/events/disk` (LocalChangeDetected / RemoteChangeDetected). */
  async getDisk(
    params: Omit<EventPollParams, 'types'> = {},
    options?: SyncthingCallOptions,
  ): Promise<DiskEvent[]> {
    const raw = await poll(this.transport, 'disk', params, options);
    return raw.map(toTypedEvent) as DiskEvent[];
  }

  /**
   * Continuous typed event stream over long polling. Yields {@link MissedEvents} markers when ids
   * jump (events were dropped) or the server restarted (ids start again at 1), reconnects with
   * exponential back-off, and ends quietly when `signal` aborts or the loop `break`s.
   *
   * @example
   * for await (const event of client.events.stream({ types: ['DeviceConnected'] })) {
   *   if (event.type === 'DeviceConnected') console.log(event.data.id);
   * }
   */
  stream(options: EventStreamOptions = {}): AsyncIterable<SyncthingEvent> {
    return { [Symbol.asyncIterator]: () => runStream(this.transport, 'default', options) };
  }

  /** Like {@link stream} for `/rest/events/disk` (the `types` option does not apply). */
  diskStream(options: Omit<EventStreamOptions, 'types'> = {}): AsyncIterable<DiskEvent> {
    return {
      [Symbol.asyncIterator]: () =>
        runStream(this.transport, 'disk', options) as AsyncGenerator<DiskEvent, void, undefined>,
    };
  }
}

function poll(
  transport: Transport,
  kind: StreamKind,
  params: EventPollParams,
  options?: SyncthingCallOptions,
): Promise<EventEnvelope[]> {
  const timeoutS = params.timeoutS ?? 60;
  return transport.request({
    method: 'GET',
    path: kind === 'disk' ? '/rest/events/disk' : '/rest/events',
    query: {
      events: kind === 'default' && params.types?.length ? params.types.join(',') : undefined,
      since: params.since,
      limit: params.limit,
      timeout: timeoutS,
    },
    schema: EventEnvelopesSchema,
    retry: false,
    // The body arrives only when the long poll ends: the HTTP timeout must exceed it.
    options: { signal: options?.signal, timeout: options?.timeout ?? timeoutS * 1000 + 15_000 },
  });
}

/** The synthetic event for a server whose ids began again at 1: everything after `lastId` may be lost. */
function restartMarker(lastId: number): MissedEvents {
  return {
    type: 'MissedEvents',
    synthetic: true,
    reason: 'restart',
    fromId: lastId + 1,
    toId: undefined,
    count: undefined,
  };
}

/** Errors that reconnecting cannot fix. */
function isFatal(error: unknown): boolean {
  return (
    error instanceof SyncthingAuthError ||
    error instanceof SyncthingNotFoundError ||
    error instanceof SyncthingInvalidResponseError ||
    error instanceof SyncthingUnsupportedError ||
    !(error instanceof SyncthingError)
  );
}

async function* runStream(
  transport: Transport,
  kind: StreamKind,
  options: EventStreamOptions,
): AsyncGenerator<SyncthingEvent, void, undefined> {
  // Our own controller cancels the in-flight poll when the consumer stops early (break/return).
  const stop = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
  const pollTimeoutS = options.pollTimeoutS ?? 60;
  const giveUpAfter = options.timeout ?? 300_000;
  const maxDelay = options.maxReconnectDelayMs ?? 10_000;
  const types = kind === 'default' ? options.types : undefined;
  let lastId: number | undefined = options.since;
  // The server process identity (its start time): a change means ids restarted at 1.
  let startedAt: string | undefined;
  let checkRestart = false;
  let checkStaleSince = options.since !== undefined;
  let failingSince: number | undefined;
  let attempt = 0;

  const processStart = async (): Promise<string | undefined> => {
    const status = await transport.request({
      method: 'GET',
      path: '/rest/system/status',
      schema: SystemStatusSchema,
      retry: false,
      options: { signal, timeout: 10_000 },
    });
    return status.startTime;
  };

  try {
    while (!signal.aborted) {
      try {
        if (startedAt === undefined || checkRestart) {
          const current = await processStart();
          if (
            checkRestart &&
            startedAt !== undefined &&
            current !== startedAt &&
            lastId !== undefined
          ) {
            const marker = restartMarker(lastId);
            // The new process numbers from 1; everything it still buffers is news to us.
            lastId = 0;
            yield marker;
          }
          startedAt = current;
          checkRestart = false;
        }
        if (checkStaleSince && lastId !== undefined && lastId > 0) {
          // A `since` from an earlier server process would block forever (ids restarted at 1 and
          // the server only answers ids > since): compare with the newest id it has.
          const latest = await poll(
            transport,
            kind,
            { types, since: 0, limit: 1, timeoutS: 0 },
            { signal },
          );
          const latestId = latest.at(-1)?.id ?? 0;
          if (latestId < lastId) {
            const marker = restartMarker(lastId);
            lastId = 0;
            yield marker;
          }
        }
        checkStaleSince = false;
        if (lastId === undefined) {
          // Current position: `since=0&limit=1&timeout=0` returns only the latest event (and
          // creates the subscription for a new mask).
          const latest = await poll(
            transport,
            kind,
            { types, since: 0, limit: 1, timeoutS: 0 },
            { signal },
          );
          lastId = latest.at(-1)?.id ?? 0;
        }
        const events = await poll(
          transport,
          kind,
          { types, since: lastId, timeoutS: pollTimeoutS },
          { signal },
        );
        attempt = 0;
        failingSince = undefined;
        for (const raw of events) {
          if (raw.id <= lastId) {
            // Ids went backwards without us seeing a disconnect: a restart between two polls.
            yield restartMarker(lastId);
          } else if (raw.id > lastId + 1) {
            yield {
              type: 'MissedEvents',
              synthetic: true,
              reason: 'gap',
              fromId: lastId + 1,
              toId: raw.id - 1,
              count: raw.id - 1 - lastId,
            };
          }
          lastId = raw.id;
          yield toTypedEvent(raw);
        }
      } catch (error) {
        if (signal.aborted || error instanceof SyncthingAbortError) return;
        if (isFatal(error)) throw error;
        const now = Date.now();
        failingSince ??= now;
        if (now - failingSince > giveUpAfter) throw error;
        checkRestart = true;
        try {
          await sleep(Math.min(maxDelay, backoffDelay(attempt++, RETRY_BACKOFF)), signal);
        } catch {
          return;
        }
      }
    }
  } finally {
    stop.abort();
  }
}
