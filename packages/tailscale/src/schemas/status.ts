import { z } from 'zod';

// tailscaled speaks Go JSON: PascalCase names, `null` for empty slices and maps. Every schema is
// lenient (unknown keys kept, nearly everything optional) so a newer daemon still parses.

const strings = z.array(z.string()).nullish();

/** One node as `ipnstate.PeerStatus` (also used for `Self`). */
export const PeerStatusSchema = z.looseObject({
  ID: z.string().optional(),
  PublicKey: z.string().optional(),
  HostName: z.string().optional(),
  DNSName: z.string().optional(),
  OS: z.string().optional(),
  UserID: z.number().optional(),
  TailscaleIPs: strings,
  AllowedIPs: strings,
  Tags: strings,
  PrimaryRoutes: strings,
  Addrs: strings,
  /** `ip:port` of the direct path; empty while relayed. */
  CurAddr: z.string().optional(),
  /** DERP region code in use (or preferred). */
  Relay: z.string().optional(),
  PeerRelay: z.string().optional(),
  RxBytes: z.number().optional(),
  TxBytes: z.number().optional(),
  Created: z.string().optional(),
  LastWrite: z.string().optional(),
  LastSeen: z.string().optional(),
  LastHandshake: z.string().optional(),
  /** Connected to control (not the same as reachable). */
  Online: z.boolean().optional(),
  ExitNode: z.boolean().optional(),
  ExitNodeOption: z.boolean().optional(),
  Active: z.boolean().optional(),
  InNetworkMap: z.boolean().optional(),
  InMagicSock: z.boolean().optional(),
  InEngine: z.boolean().optional(),
  Expired: z.boolean().optional(),
  KeyExpiry: z.string().optional(),
});
export type PeerStatus = z.infer<typeof PeerStatusSchema>;

/** `GET /localapi/v0/status` and `tailscale status --json` (`ipnstate.Status`). */
export const StatusSchema = z.looseObject({
  Version: z.string().optional(),
  TUN: z.boolean().optional(),
  BackendState: z.string(),
  HaveNodeKey: z.boolean().optional(),
  AuthURL: z.string().optional(),
  TailscaleIPs: strings,
  Self: PeerStatusSchema.nullish(),
  Health: strings,
  MagicDNSSuffix: z.string().optional(),
  CurrentTailnet: z
    .looseObject({
      Name: z.string().optional(),
      MagicDNSSuffix: z.string().optional(),
      MagicDNSEnabled: z.boolean().optional(),
    })
    .nullish(),
  CertDomains: strings,
  Peer: z.record(z.string(), PeerStatusSchema).nullish(),
  User: z.record(z.string(), z.looseObject({})).nullish(),
});
export type Status = z.infer<typeof StatusSchema>;
