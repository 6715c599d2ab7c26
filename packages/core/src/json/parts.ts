/**
 * The pieces several `--json` documents share (nodes, checks, peers, keys by fingerprint...).
 * Each mirrors a core result type as `JSON.stringify` with the CLI's replacer writes it: a key
 * typed `T | undefined` is always there, `null` when unknown; a key typed `k?: T` may be absent.
 */
import * as z from 'zod/mini';
import { AgentStateSchema } from '../steps/agent-state.js';

export const strings = z.array(z.string());

/** What an idempotent step reports: whether it changed anything, one line per change. */
export const changeFields = { changed: z.boolean(), changes: strings };

/** One health check of `mesh status` and `mesh doctor`. */
export const statusCheck = z.object({
  section: z.enum([
    'environment',
    'headscale',
    'tailscale',
    'syncthing',
    'trust',
    'configuration',
    'security',
    'conflicts',
  ]),
  name: z.string(),
  level: z.enum(['ok', 'info', 'warn', 'fail']),
  message: z.string(),
  fix: z.optional(z.string()),
});

/** A Headscale node as Mesh shows it (no keys). */
export const nodeSummary = z.object({
  id: z.string(),
  name: z.string(),
  hostname: z.string(),
  ips: strings,
  online: z.boolean(),
  lastSeen: z.nullable(z.string()),
  expiry: z.nullable(z.string()),
  user: z.nullable(z.string()),
  tags: strings,
});

/** A pre-auth key as Mesh shows it: never the secret. */
export const keySummary = z.object({
  id: z.string(),
  reusable: z.boolean(),
  ephemeral: z.boolean(),
  used: z.boolean(),
  expiration: z.nullable(z.string()),
  expired: z.boolean(),
});

/** What `mesh server status` and the Headscale part of `mesh status` have in common. */
export const headscaleFields = {
  service: z.enum(['running', 'stopped']),
  serverUrl: z.nullable(z.string()),
  healthy: z.boolean(),
  configProblem: z.nullable(z.string()),
  version: z.nullable(z.string()),
};

/** What the mesh agent last published (its state file, read with the same schema): no secret. */
export const agentState = AgentStateSchema;

/** A Syncthing device by ID and name. */
export const device = z.object({ deviceId: z.string(), name: z.string() });

const dialled = z.object({ deviceId: z.string(), name: z.string(), address: z.string() });

/** What `mesh peer` (and setup's pairing) did. */
export const pairPeersResult = z.object({
  deviceId: z.string(),
  changed: z.boolean(),
  added: z.array(dialled),
  updated: z.array(dialled),
  shared: strings,
  sharedWith: z.array(device),
  accepted: strings,
  refused: z.array(
    z.object({
      deviceId: z.string(),
      name: z.string(),
      address: z.string(),
      reason: z.string(),
    }),
  ),
  unvouched: z.array(z.object({ hostname: z.string(), ip: z.string(), reason: z.string() })),
  passive: strings,
  peers: z.number(),
});

const clientStepId = z.enum([
  'save-server-url',
  'health-check',
  'install',
  'tailscaled',
  'join',
  'syncthing',
  'wsl-systemd',
  'wsl-sshd',
  'windows-firewall',
  'windows-wsl-autostart',
  'windows-tailscale',
  'windows-script',
  'peer',
]);

/** A step of `mesh client setup` as it ran: `ms` is its wall time. */
export const timedClientStep = z.object({
  id: clientStepId,
  title: z.string(),
  mode: z.enum(['auto', 'manual']),
  ms: z.number(),
});

/** What one machine step (installs, WSL2, Windows, sshd) found or did. */
export const machineStep = z.object({
  id: clientStepId,
  status: z.enum(['ok', 'changed', 'manual']),
  changes: strings,
  manual: z.optional(strings),
  files: z.optional(z.array(z.object({ path: z.string(), backupPath: z.optional(z.string()) }))),
});

/** An SSH public key as Mesh reports it: type, fingerprint and comment, never the key's body. */
export const sshKeySummary = z.object({
  type: z.string(),
  fingerprint: z.string(),
  comment: z.string(),
});

/** A registered host (`hosts.yaml`). */
export const hostEntry = z.object({
  name: z.string(),
  ip: z.string(),
  port: z.number(),
  user: z.nullable(z.string()),
});

/** A registered host with what this machine knows of it. */
export const hostReportFields = {
  ...hostEntry.shape,
  sshUser: z.string(),
  sshConfig: z.boolean(),
  inMesh: z.boolean(),
  tailnetIp: z.nullable(z.string()),
};

/** What provisioning did to one host. */
export const provisionFields = {
  name: z.string(),
  outcome: z.enum(['provisioned', 'already', 'windows', 'failed']),
  changes: strings,
  message: z.nullable(z.string()),
  exitCode: z.number(),
};

const conflictDevice = z.object({ shortId: z.string(), name: z.nullable(z.string()) });

/** One conflict copy; paths relative to the shared folder, with `/`. */
export const conflictCopyFields = {
  copy: z.string(),
  original: z.string(),
  winner: conflictDevice,
  madeOn: z.nullable(conflictDevice),
  madeAt: z.string(),
  copyBytes: z.number(),
  originalBytes: z.nullable(z.number()),
};

const portEntry = z.object({
  port: z.number(),
  protocol: z.enum(['tcp', 'udp', 'tcp+udp']),
  service: z.string(),
  listens: z.boolean(),
});

/** The port plan of one role, as `mesh ports` describes it. */
export const rolePorts = z.object({
  role: z.enum(['server', 'wsl2', 'windows']),
  syncthingGuiUrl: z.string(),
  ports: z.object({
    headscale: portEntry,
    derpStun: portEntry,
    wireguard: portEntry,
    syncthingSync: portEntry,
    syncthingGui: portEntry,
    ssh: portEntry,
    packages: portEntry,
    vouch: portEntry,
  }),
});
