import { z } from 'zod';

/** `GET /localapi/v0/prefs` (`ipn.Prefs`). Persist is never sent by the LocalAPI. */
export const PrefsSchema = z.looseObject({
  ControlURL: z.string().optional(),
  RouteAll: z.boolean().optional(),
  ExitNodeID: z.string().optional(),
  ExitNodeIP: z.string().optional(),
  CorpDNS: z.boolean().optional(),
  RunSSH: z.boolean().optional(),
  WantRunning: z.boolean().optional(),
  LoggedOut: z.boolean().optional(),
  ShieldsUp: z.boolean().optional(),
  AdvertiseTags: z.array(z.string()).nullish(),
  Hostname: z.string().optional(),
  AdvertiseRoutes: z.array(z.string()).nullish(),
  ForceDaemon: z.boolean().optional(),
  OperatorUser: z.string().optional(),
  NoSNAT: z.boolean().optional(),
  /** 0 off, 1 nodivert, 2 on. */
  NetfilterMode: z.number().optional(),
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
