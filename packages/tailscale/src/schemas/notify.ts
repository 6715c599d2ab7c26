import * as z from 'zod/mini';
import { PrefsSchema } from './prefs.js';

/** `ipn.State` as sent on the IPN bus (an int), by name. */
export const BACKEND_STATES = [
  'NoState',
  'InUseOtherUser',
  'NeedsLogin',
  'NeedsMachineAuth',
  'Stopped',
  'Starting',
  'Running',
] as const;
export type BackendState = (typeof BACKEND_STATES)[number];

/** Maps the bus's int state to its name (unknown ints keep their number in the name). */
export function backendStateName(n: number): BackendState | `Unknown(${number})` {
  return BACKEND_STATES[n] ?? `Unknown(${n})`;
}

/** One health warning (`health.UnhealthyState`). */
export const HealthWarningSchema = z.looseObject({
  WarnableCode: z.optional(z.string()),
  Severity: z.optional(z.string()),
  Title: z.optional(z.string()),
  Text: z.optional(z.string()),
  BrokenSince: z.nullish(z.string()),
  ImpactsConnectivity: z.optional(z.boolean()),
});
export type HealthWarning = z.infer<typeof HealthWarningSchema>;

/** One message of `GET /localapi/v0/watch-ipn-bus` (`ipn.Notify`). */
export const NotifySchema = z.looseObject({
  Version: z.optional(z.string()),
  SessionID: z.optional(z.string()),
  /** A fatal-for-the-frontend error, e.g. Headscale's "authkey expired". */
  ErrMessage: z.nullish(z.string()),
  LoginFinished: z.nullish(z.looseObject({})),
  /** `ipn.State` as an int; see {@link backendStateName}. */
  State: z.nullish(z.number()),
  Prefs: z.nullish(PrefsSchema),
  NetMap: z.nullish(z.looseObject({})),
  Engine: z.nullish(z.looseObject({})),
  BrowseToURL: z.nullish(z.string()),
  Health: z.nullish(
    z.looseObject({ Warnings: z.nullish(z.record(z.string(), HealthWarningSchema)) }),
  ),
});
export type Notify = z.infer<typeof NotifySchema>;

/** Bits of the `mask` query parameter (`ipn.NotifyWatchOpt`). */
export const NotifyWatchOpt = {
  EngineUpdates: 1,
  InitialState: 2,
  InitialPrefs: 4,
  InitialNetMap: 8,
  NoPrivateKeys: 16,
  InitialHealthState: 128,
  RateLimit: 256,
} as const;
