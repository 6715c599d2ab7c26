import { z } from 'zod';

/** `POST /localapi/v0/ping` (`ipnstate.PingResult`). */
export const PingResultSchema = z.looseObject({
  IP: z.string().optional(),
  NodeIP: z.string().optional(),
  NodeName: z.string().optional(),
  /** Non-empty when the ping failed (e.g. timeout). */
  Err: z.string().optional(),
  LatencySeconds: z.number().optional(),
  /** `ip:port` when the pong came over a direct path. */
  Endpoint: z.string().optional(),
  PeerRelay: z.string().optional(),
  DERPRegionID: z.number().optional(),
  DERPRegionCode: z.string().optional(),
  PeerAPIPort: z.number().optional(),
  PeerAPIURL: z.string().optional(),
  IsLocalIP: z.boolean().optional(),
});
export type PingResult = z.infer<typeof PingResultSchema>;

/** `GET /localapi/v0/whois?addr=` (`apitype.WhoIsResponse`). */
export const WhoIsSchema = z.looseObject({
  Node: z
    .looseObject({
      ID: z.number().optional(),
      StableID: z.string().optional(),
      Name: z.string().optional(),
      Addresses: z.array(z.string()).nullish(),
      Hostinfo: z
        .looseObject({ Hostname: z.string().optional(), OS: z.string().optional() })
        .nullish(),
    })
    .nullish(),
  UserProfile: z
    .looseObject({
      ID: z.number().optional(),
      LoginName: z.string().optional(),
      DisplayName: z.string().optional(),
    })
    .nullish(),
  CapMap: z.record(z.string(), z.unknown()).nullish(),
});
export type WhoIs = z.infer<typeof WhoIsSchema>;

/** `{Error}` bodies of failing prefs/start calls. */
export const ErrorBodySchema = z.looseObject({ Error: z.string().optional() });
