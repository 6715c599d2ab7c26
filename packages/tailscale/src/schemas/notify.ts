import { z } from 'zod';
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
  WarnableCode: z.string().optional(),
  Severity: z.string().optional(),
  Title: z.string().optional(),
  Text: z.string().optional(),
  BrokenSince: z.string().nullish(),
  ImpactsConnectivity: z.boolean().optional(),
});
export type HealthWarning = z.infer<typeof HealthWarningSchema>;

/** One message of `GET /localapi/v0/watch-ipn-bus` (`ipn.Notify`). */
export const NotifySchema = z.looseObject({
  Version: z.string().optional(),
  SessionID: z.string().optional(),
  /** A fatal-for-the-frontend error, e.g. Headscale's "authkey expired". */
  ErrMessage: z.string().nullish(),
  LoginFinished: z.looseObject({}).nullish(),
  /** `ipn.State` as an int; see {@link backendStateName}. */
  State: z.number().nullish(),
  Prefs: PrefsSchema.nullish(),
  NetMap: z.looseObject({}).nullish(),
  Engine: z.looseObject({}).nullish(),
  BrowseToURL: z.string().nullish(),
  Health: z
    .looseObject({ Warnings: z.record(z.string(), HealthWarningSchema).nullish() })
    .nullish(),
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
