import * as z from 'zod/mini';

/** `GET /localapi/v0/prefs` (`ipn.Prefs`). Persist is never sent by the LocalAPI. */
export const PrefsSchema = z.looseObject({
  ControlURL: z.optional(z.string()),
  RouteAll: z.optional(z.boolean()),
  ExitNodeID: z.optional(z.string()),
  ExitNodeIP: z.optional(z.string()),
  CorpDNS: z.optional(z.boolean()),
  RunSSH: z.optional(z.boolean()),
  WantRunning: z.optional(z.boolean()),
  LoggedOut: z.optional(z.boolean()),
  ShieldsUp: z.optional(z.boolean()),
  AdvertiseTags: z.nullish(z.array(z.string())),
  Hostname: z.optional(z.string()),
  AdvertiseRoutes: z.nullish(z.array(z.string())),
  ForceDaemon: z.optional(z.boolean()),
  OperatorUser: z.optional(z.string()),
  NoSNAT: z.optional(z.boolean()),
  /** 0 off, 1 nodivert, 2 on. */
  NetfilterMode: z.optional(z.number()),
});
export type Prefs = z.infer<typeof PrefsSchema>;

/** Fields of `Prefs` that {@link MaskedPrefs} can set (a practical subset; extra keys pass). */
export interface PrefsPatch {
  ControlURL?: string;
  RouteAll?: boolean;
  CorpDNS?: boolean;
  WantRunning?: boolean;
  LoggedOut?: boolean;
  ShieldsUp?: boolean;
  Hostname?: string;
  AdvertiseTags?: string[];
  AdvertiseRoutes?: string[];
  ForceDaemon?: boolean;
  OperatorUser?: string;
  NoSNAT?: boolean;
  NetfilterMode?: number;
  RunSSH?: boolean;
  ExitNodeID?: string;
  ExitNodeIP?: string;
}

/** The PATCH body: each field plus `<Field>Set: true` (Go's `ipn.MaskedPrefs`). */
export type MaskedPrefs = Record<string, unknown>;

/** Turns `{ Hostname: 'a' }` into `{ Hostname: 'a', HostnameSet: true }`. */
export function toMaskedPrefs(patch: PrefsPatch): MaskedPrefs {
  const out: MaskedPrefs = {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    out[key] = value;
    out[`${key}Set`] = true;
  }
  return out;
}
