import { z } from 'zod';
import { dict, list, timestamp } from './common.js';
import { ConfigSchema } from './config.js';
import { FolderStatusSchema } from './db.js';

const deviceRef = z.looseObject({ device: z.string() });
const folderRef = z.looseObject({ id: z.string(), label: z.string().optional() });
/** Go `url.URL` as serialised in `ListenAddressesChanged` (capitalised keys). */
const goUrl = z
  .looseObject({ Scheme: z.string().optional(), Host: z.string().optional() })
  .nullable();
const diskChange = z.looseObject({
  folder: z.string(),
  /** Deprecated alias of `folder`. */
  folderID: z.string().optional(),
  label: z.string().optional(),
  path: z.string(),
  /** `file`, `dir`, `symlink`, … */
  type: z.string(),
  /** `added`, `modified`, `deleted` */
  action: z.string(),
  modifiedBy: z.string().optional(),
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
  Starting: z.looseObject({ home: z.string(), myID: z.string().optional() }),
  StartupComplete: z.unknown(),
  ConfigSaved: ConfigSchema,
  DeviceConnected: z.looseObject({
    id: z.string(),
    addr: z.string().optional(),
    deviceName: z.string().optional(),
    clientName: z.string().optional(),
    clientVersion: z.string().optional(),
    type: z.string().optional(),
  }),
  DeviceDisconnected: z.looseObject({ id: z.string(), error: z.string().nullish() }),
  DeviceDiscovered: z.looseObject({ device: z.string(), addrs: list(z.string()) }),
  DevicePaused: deviceRef,
  DeviceResumed: deviceRef,
  DeviceRejected: z.looseObject({
    device: z.string(),
    name: z.string().optional(),
    address: z.string().optional(),
  }),
  PendingDevicesChanged: z.looseObject({
    added: list(
      z.looseObject({
        deviceID: z.string(),
        name: z.string().optional(),
        address: z.string().optional(),
      }),
    ),
    removed: list(z.looseObject({ deviceID: z.string() })),
  }),
  FolderRejected: z.looseObject({
    device: z.string(),
    folder: z.string(),
    folderLabel: z.string().optional(),
  }),
  PendingFoldersChanged: z.looseObject({
    added: list(
      z.looseObject({
        deviceID: z.string(),
        folderID: z.string(),
        folderLabel: z.string().optional(),
        receiveEncrypted: z.boolean().optional(),
        remoteEncrypted: z.boolean().optional(),
      }),
    ),
    /** Without `deviceID`: no longer pending for anyone. */
    removed: list(z.looseObject({ folderID: z.string(), deviceID: z.string().optional() })),
  }),
  ClusterConfigReceived: deviceRef,
  LocalIndexUpdated: z.looseObject({
    folder: z.string(),
    items: z.number().optional(),
    filenames: list(z.string()),
    sequence: z.number().optional(),
    version: z.number().optional(),
  }),
  RemoteIndexUpdated: z.looseObject({
    device: z.string(),
    folder: z.string(),
    items: z.number().optional(),
    sequence: z.number().optional(),
    version: z.number().optional(),
  }),
  ItemStarted: item,
  ItemFinished: item.extend({ error: z.string().nullish() }),
  StateChanged: z.looseObject({
    folder: z.string(),
    from: z.string(),
    to: z.string(),
    duration: z.number().optional(),
    error: z.string().optional(),
  }),
  FolderSummary: z.looseObject({ folder: z.string(), summary: FolderStatusSchema }),
  FolderCompletion: z.looseObject({
    folder: z.string(),
    device: z.string(),
    completion: z.number(),
    globalBytes: z.number().optional(),
    globalItems: z.number().optional(),
    needBytes: z.number().optional(),
    needItems: z.number().optional(),
    needDeletes: z.number().optional(),
    sequence: z.number().optional(),
    remoteState: z.string().optional(),
  }),
  FolderErrors: z.looseObject({
    folder: z.string(),
    errors: list(z.looseObject({ path: z.string(), error: z.string() })),
  }),
  FolderScanProgress: z.looseObject({
    folder: z.string(),
    current: z.number(),
    total: z.number(),
    rate: z.number().optional(),
  }),
  FolderPaused: folderRef,
  FolderResumed: folderRef,
  FolderWatchStateChanged: z.looseObject({
    folder: z.string(),
    from: z.string().optional(),
    to: z.string().optional(),
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
    address: goUrl.optional(),
    lan: list(goUrl),
    wan: list(goUrl),
  }),
  LoginAttempt: z.looseObject({
    remoteAddress: z.string().optional(),
    username: z.string(),
    success: z.boolean(),
    proxy: z.string().optional(),
  }),
  Failure: z.string(),
  UpgradeRestartScheduled: z.looseObject({
    delayS: z.number().optional(),
    newVersion: z.string().optional(),
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
  globalID: z.number().optional(),
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
  const schema = (EVENT_DATA_SCHEMAS as Record<string, z.ZodType>)[raw.type];
  if (!schema) return { ...base, type: 'Unknown', originalType: raw.type, data: raw.data };
  const parsed = schema.safeParse(raw.data);
  if (!parsed.success) {
    return {
      ...base,
      type: 'Unknown',
      originalType: raw.type,
      data: raw.data,
      issues: parsed.error.issues,
    };
  }
  return { ...base, type: raw.type, data: parsed.data } as KnownEvent;
}
