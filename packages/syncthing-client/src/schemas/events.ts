import { englishError } from '@mesh/errors';
import * as z from 'zod/mini';
import { dict, list, timestamp } from './common.js';
import { ConfigSchema } from './config.js';
import { FolderStatusSchema } from './db.js';

const deviceRef = z.looseObject({ device: z.string() });
const folderRef = z.looseObject({ id: z.string(), label: z.optional(z.string()) });
/** Go `url.URL` as serialised in `ListenAddressesChanged` (capitalised keys). */
const goUrl = z.nullable(
  z.looseObject({ Scheme: z.optional(z.string()), Host: z.optional(z.string()) }),
);
const diskChange = z.looseObject({
  folder: z.string(),
  /** Deprecated alias of `folder`. */
  folderID: z.optional(z.string()),
  label: z.optional(z.string()),
  path: z.string(),
  /** `file`, `dir`, `symlink`, … */
  type: z.string(),
  /** `added`, `modified`, `deleted` */
  action: z.string(),
  modifiedBy: z.optional(z.string()),
});
const item = z.looseObject({
  folder: z.string(),
  item: z.string(),
  type: z.string(),
  action: z.string(),
});

/**
 * `data` schemas of every event type in Syncthing 1.19 – 2.x. Loose: newer fields pass through.
 */
export const EVENT_DATA_SCHEMAS = {
  Starting: z.looseObject({ home: z.string(), myID: z.optional(z.string()) }),
  StartupComplete: z.unknown(),
  ConfigSaved: ConfigSchema,
  DeviceConnected: z.looseObject({
    id: z.string(),
    addr: z.optional(z.string()),
    deviceName: z.optional(z.string()),
    clientName: z.optional(z.string()),
    clientVersion: z.optional(z.string()),
    type: z.optional(z.string()),
  }),
  DeviceDisconnected: z.looseObject({ id: z.string(), error: z.nullish(z.string()) }),
  DeviceDiscovered: z.looseObject({ device: z.string(), addrs: list(z.string()) }),
  DevicePaused: deviceRef,
  DeviceResumed: deviceRef,
  DeviceRejected: z.looseObject({
    device: z.string(),
    name: z.optional(z.string()),
    address: z.optional(z.string()),
  }),
  PendingDevicesChanged: z.looseObject({
    added: list(
      z.looseObject({
        deviceID: z.string(),
        name: z.optional(z.string()),
        address: z.optional(z.string()),
      }),
    ),
    removed: list(z.looseObject({ deviceID: z.string() })),
  }),
  FolderRejected: z.looseObject({
    device: z.string(),
    folder: z.string(),
    folderLabel: z.optional(z.string()),
  }),
  PendingFoldersChanged: z.looseObject({
    added: list(
      z.looseObject({
        deviceID: z.string(),
        folderID: z.string(),
        folderLabel: z.optional(z.string()),
        receiveEncrypted: z.optional(z.boolean()),
        remoteEncrypted: z.optional(z.boolean()),
      }),
    ),
    /** Without `deviceID`: no longer pending for anyone. */
    removed: list(z.looseObject({ folderID: z.string(), deviceID: z.optional(z.string()) })),
  }),
  ClusterConfigReceived: deviceRef,
  LocalIndexUpdated: z.looseObject({
    folder: z.string(),
    items: z.optional(z.number()),
    filenames: list(z.string()),
    sequence: z.optional(z.number()),
    version: z.optional(z.number()),
  }),
  RemoteIndexUpdated: z.looseObject({
    device: z.string(),
    folder: z.string(),
    items: z.optional(z.number()),
    sequence: z.optional(z.number()),
    version: z.optional(z.number()),
  }),
  ItemStarted: item,
  ItemFinished: z.extend(item, { error: z.nullish(z.string()) }),
  StateChanged: z.looseObject({
    folder: z.string(),
    from: z.string(),
    to: z.string(),
    duration: z.optional(z.number()),
    error: z.optional(z.string()),
  }),
  FolderSummary: z.looseObject({ folder: z.string(), summary: FolderStatusSchema }),
  FolderCompletion: z.looseObject({
    folder: z.string(),
    device: z.string(),
    completion: z.number(),
    globalBytes: z.optional(z.number()),
    globalItems: z.optional(z.number()),
    needBytes: z.optional(z.number()),
    needItems: z.optional(z.number()),
    needDeletes: z.optional(z.number()),
    sequence: z.optional(z.number()),
    remoteState: z.optional(z.string()),
  }),
  FolderErrors: z.looseObject({
    folder: z.string(),
    errors: list(z.looseObject({ path: z.string(), error: z.string() })),
  }),
  FolderScanProgress: z.looseObject({
    folder: z.string(),
    current: z.number(),
    total: z.number(),
    rate: z.optional(z.number()),
  }),
  FolderPaused: folderRef,
  FolderResumed: folderRef,
  FolderWatchStateChanged: z.looseObject({
    folder: z.string(),
    from: z.optional(z.string()),
    to: z.optional(z.string()),
  }),
  DownloadProgress: dict(dict(z.looseObject({}))),
  RemoteDownloadProgress: z.looseObject({
    device: z.string(),
    folder: z.string(),
    state: dict(z.number()),
  }),
  LocalChangeDetected: diskChange,
  RemoteChangeDetected: diskChange,
  ListenAddressesChanged: z.looseObject({
    address: z.optional(goUrl),
    lan: list(goUrl),
    wan: list(goUrl),
  }),
  LoginAttempt: z.looseObject({
    remoteAddress: z.optional(z.string()),
    username: z.string(),
    success: z.boolean(),
    proxy: z.optional(z.string()),
  }),
  Failure: z.string(),
  UpgradeRestartScheduled: z.looseObject({
    delayS: z.optional(z.number()),
    newVersion: z.optional(z.string()),
  }),
} as const;

/** Every event type this package knows. */
export type EventType = keyof typeof EVENT_DATA_SCHEMAS;
/** The list of known event types (useful for `types:` masks). */
export const EVENT_TYPES = Object.keys(EVENT_DATA_SCHEMAS) as EventType[];
/** Types only on the disk stream (`/rest/events/disk`), never on the default mask. */
export const DISK_EVENT_TYPES = ['LocalChangeDetected', 'RemoteChangeDetected'] as const;
export type DiskEventType = (typeof DISK_EVENT_TYPES)[number];

/** `data` of an event type. */
export type EventData<T extends EventType> = z.output<(typeof EVENT_DATA_SCHEMAS)[T]>;

/** The raw envelope every event arrives in. */
export const EventEnvelopeSchema = z.looseObject({
  /** Position in this subscription mask's stream (restarts at 1 with the process). */
  id: z.number(),
  /** Position across all masks (≥ id). */
  globalID: z.optional(z.number()),
  time: timestamp,
  type: z.string(),
  data: z.unknown(),
});
export const EventEnvelopesSchema = list(EventEnvelopeSchema);
export type EventEnvelope = z.infer<typeof EventEnvelopeSchema>;

interface EventBase {
  id: number;
  globalID: number | undefined;
  /** RFC 3339 */
  time: string;
}

/** A known event, typed by `type`. */
export type KnownEvent = {
  [T in EventType]: EventBase & { type: T; data: EventData<T> };
}[EventType];

/**
 * An event whose type this package does not know (or whose `data` did not match): passed through
 * untouched. `originalType` is Syncthing's type name.
 */
export interface UnknownEvent extends EventBase {
  type: 'Unknown';
  originalType: string;
  data: unknown;
  /** Why the typed parse failed, when the type is known but the shape was not. */
  issues?: readonly unknown[];
}

/**
 * Synthetic marker from {@link EventStream}: events were lost (id gap, server restart, or the
 * subscription was re-created). Re-read state (config, db/status, connections) when you see it.
 */
export interface MissedEvents {
  type: 'MissedEvents';
  synthetic: true;
  reason: 'gap' | 'restart';
  /** First missing id (in the old numbering for `restart`). */
  fromId: number;
  /** Last missing id, when known. */
  toId: number | undefined;
  /** How many were lost, when known. */
  count: number | undefined;
}

/** What an event stream yields. Narrow with `switch (event.type)`. */
export type SyncthingEvent = KnownEvent | UnknownEvent | MissedEvents;
/** Events on the disk stream. */
export type DiskEvent = Extract<KnownEvent, { type: DiskEventType }> | UnknownEvent | MissedEvents;

/** Turns a raw envelope into a typed event (unknown or mismatching ones become {@link UnknownEvent}). */
export function toTypedEvent(raw: EventEnvelope): KnownEvent | UnknownEvent {
  const base = { id: raw.id, globalID: raw.globalID, time: raw.time };
  const schema = (EVENT_DATA_SCHEMAS as Record<string, z.ZodMiniType>)[raw.type];
  if (!schema) return { ...base, type: 'Unknown', originalType: raw.type, data: raw.data };
  const parsed = schema.safeParse(raw.data);
  if (!parsed.success) {
    return {
      ...base,
      type: 'Unknown',
      originalType: raw.type,
      data: raw.data,
      issues: englishError(parsed).issues,
    };
  }
  return { ...base, type: raw.type, data: parsed.data } as KnownEvent;
}
