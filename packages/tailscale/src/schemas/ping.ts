import * as z from 'zod/mini';

/** `POST /localapi/v0/ping` (`ipnstate.PingResult`). */
export const PingResultSchema = z.looseObject({
  IP: z.optional(z.string()),
  NodeIP: z.optional(z.string()),
  NodeName: z.optional(z.string()),
  /** Non-empty when the ping failed (e.g. timeout). */
  Err: z.optional(z.string()),
  LatencySeconds: z.optional(z.number()),
  /** `ip:port` when the pong came over a direct path. */
  Endpoint: z.optional(z.string()),
  PeerRelay: z.optional(z.string()),
  DERPRegionID: z.optional(z.number()),
  DERPRegionCode: z.optional(z.string()),
  PeerAPIPort: z.optional(z.number()),
  PeerAPIURL: z.optional(z.string()),
  IsLocalIP: z.optional(z.boolean()),
});
export type PingResult = z.infer<typeof PingResultSchema>;

/** `GET /localapi/v0/whois?addr=` (`apitype.WhoIsResponse`). */
export const WhoIsSchema = z.looseObject({
  Node: z.nullish(
    z.looseObject({
      ID: z.optional(z.number()),
      StableID: z.optional(z.string()),
      Name: z.optional(z.string()),
      Addresses: z.nullish(z.array(z.string())),
      Hostinfo: z.nullish(
        z.looseObject({ Hostname: z.optional(z.string()), OS: z.optional(z.string()) }),
      ),
    }),
  ),
  UserProfile: z.nullish(
    z.looseObject({
      ID: z.optional(z.number()),
      LoginName: z.optional(z.string()),
      DisplayName: z.optional(z.string()),
    }),
  ),
  CapMap: z.nullish(z.record(z.string(), z.unknown())),
});
export type WhoIs = z.infer<typeof WhoIsSchema>;
