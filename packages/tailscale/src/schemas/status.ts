import * as z from 'zod/mini';

// tailscaled speaks Go JSON: PascalCase names, `null` for empty slices and maps. Every schema is
// lenient (unknown keys kept, nearly everything optional) so a newer daemon still parses.

const strings = z.nullish(z.array(z.string()));

/** One node as `ipnstate.PeerStatus` (also used for `Self`). */
export const PeerStatusSchema = z.looseObject({
  ID: z.optional(z.string()),
  PublicKey: z.optional(z.string()),
  HostName: z.optional(z.string()),
  DNSName: z.optional(z.string()),
  OS: z.optional(z.string()),
  UserID: z.optional(z.number()),
  TailscaleIPs: strings,
  AllowedIPs: strings,
  Tags: strings,
  PrimaryRoutes: strings,
  Addrs: strings,
  /** `ip:port` of the direct path; empty while relayed. */
  CurAddr: z.optional(z.string()),
  /** DERP region code in use (or preferred). */
  Relay: z.optional(z.string()),
  PeerRelay: z.optional(z.string()),
  RxBytes: z.optional(z.number()),
  TxBytes: z.optional(z.number()),
  Created: z.optional(z.string()),
  LastWrite: z.optional(z.string()),
  LastSeen: z.optional(z.string()),
  LastHandshake: z.optional(z.string()),
  /** Connected to control (not the same as reachable). */
  Online: z.optional(z.boolean()),
  ExitNode: z.optional(z.boolean()),
  ExitNodeOption: z.optional(z.boolean()),
  Active: z.optional(z.boolean()),
  InNetworkMap: z.optional(z.boolean()),
  InMagicSock: z.optional(z.boolean()),
  InEngine: z.optional(z.boolean()),
  Expired: z.optional(z.boolean()),
  KeyExpiry: z.optional(z.string()),
});
export type PeerStatus = z.infer<typeof PeerStatusSchema>;

/** `GET /localapi/v0/status` and `tailscale status --json` (`ipnstate.Status`). */
export const StatusSchema = z.looseObject({
  Version: z.optional(z.string()),
  TUN: z.optional(z.boolean()),
  BackendState: z.string(),
  HaveNodeKey: z.optional(z.boolean()),
  AuthURL: z.optional(z.string()),
  TailscaleIPs: strings,
  Self: z.nullish(PeerStatusSchema),
  Health: strings,
  MagicDNSSuffix: z.optional(z.string()),
  CurrentTailnet: z.nullish(
    z.looseObject({
      Name: z.optional(z.string()),
      MagicDNSSuffix: z.optional(z.string()),
      MagicDNSEnabled: z.optional(z.boolean()),
    }),
  ),
  CertDomains: strings,
  Peer: z.nullish(z.record(z.string(), PeerStatusSchema)),
  User: z.nullish(z.record(z.string(), z.looseObject({}))),
});
export type Status = z.infer<typeof StatusSchema>;
