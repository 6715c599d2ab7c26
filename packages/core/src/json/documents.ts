/**
 * The `--json` contract of the `mesh` command: one zod schema per document a command prints,
 * each extending {@link documentSchema} (`ok`), and {@link errorDocumentSchema} for any
 * failure. A schema lists what a script may rely on: every key it names is there (`null` when
 * unknown), except the few marked optional; a newer mesh may add keys. No document carries a
 * secret: a pre-auth key is named by the file that holds it (`keyFile`), an SSH key by its
 * fingerprint.
 */
import * as z from 'zod/mini';
import { ExitCode, type MeshErrorKind } from '../errors.js';
import { CONFLICT_KEEP_CHOICES } from '../steps/conflicts.js';
import {
  agentState,
  changeFields,
  conflictCopyFields,
  device,
  headscaleFields,
  hostEntry,
  hostReportFields,
  keySummary,
  machineStep,
  nodeSummary,
  pairPeersResult,
  provisionFields,
  rolePorts,
  sshKeySummary,
  statusCheck,
  strings,
  timedClientStep,
} from './parts.js';

/**
 * What every document has: `ok`, true when the command did what it was asked (for `status`,
 * `doctor`, `agent status`, `server status`: when what it looked at is healthy).
 */
export const documentSchema = z.object({ ok: z.boolean() });

const document = <S extends z.core.$ZodLooseShape>(shape: S) => z.extend(documentSchema, shape);

const hostChange = document({ host: hostEntry, ...changeFields });

const windowsScriptFields = {
  serverUrl: z.string(),
  /** The WSL distro whose `Start WSL2` task the script makes; null: no such task. */
  distro: z.nullable(z.string()),
  sharedFolder: z.string(),
  /** The `Mesh Agent` task's command line; null without `--agent`. */
  agent: z.nullable(strings),
};

/** Every command's `--json` document, by command. */
export const jsonSchemas = {
  /** `mesh status [--verbose]`; `ok` is `healthy`. */
  status: document({
    healthy: z.boolean(),
    issues: z.number(),
    environment: z.object({
      hostname: z.string(),
      osType: z.string(),
      osName: z.string(),
      distro: z.nullable(
        z.object({
          id: z.string(),
          versionId: z.nullable(z.string()),
          prettyName: z.nullable(z.string()),
        }),
      ),
      role: z.string(),
      syncthingHome: z.string(),
      sharedFolder: z.string(),
    }),
    tailscale: z.object({
      running: z.boolean(),
      backendState: z.nullable(z.string()),
      ip: z.nullable(z.string()),
      peers: z.array(
        z.object({
          hostname: z.string(),
          ip: z.nullable(z.string()),
          online: z.boolean(),
          path: z.enum(['direct', 'relay', 'none']),
          /** With `--verbose`, for a peer that answered a ping. */
          latencyMs: z.optional(z.number()),
        }),
      ),
    }),
    syncthing: z.object({
      running: z.boolean(),
      port: z.number(),
      deviceId: z.nullable(z.string()),
      connected: z.array(
        z.object({
          deviceId: z.string(),
          name: z.string(),
          connected: z.boolean(),
          address: z.optional(z.string()),
        }),
      ),
      folder: z.nullable(
        z.object({
          id: z.string(),
          state: z.nullable(z.string()),
          needFiles: z.number(),
          needBytes: z.number(),
        }),
      ),
    }),
    trust: z.object({
      agent: z.boolean(),
      /** Absent when the agent has published nothing yet. */
      agentState: z.optional(agentState),
      vouched: z.array(device),
      manual: z.array(device),
      untrusted: z.array(device),
    }),
    /** On the server only. */
    headscale: z.optional(
      z.object({
        ...headscaleFields,
        nodes: z.array(nodeSummary),
        online: z.number(),
        offline: z.number(),
        /** How many pre-auth keys there are. */
        keys: z.number(),
      }),
    ),
    serverUrl: z.nullable(z.string()),
    conflicts: strings,
    checks: z.array(statusCheck),
    settings: z.array(
      z.object({ name: z.string(), value: z.nullable(z.string()), source: z.string() }),
    ),
  }),

  /** `mesh server setup`. */
  serverSetup: document({
    ...changeFields,
    serverUrl: z.string(),
    configPath: z.string(),
    database: z.enum(['sqlite', 'postgres']),
    service: z.enum(['supervised', 'systemd']),
    tailnetIp: z.nullable(z.string()),
    deviceId: z.string(),
    folderPath: z.string(),
  }),

  /**
   * `mesh server status`; `ok` when Headscale runs and answers. Nodes and keys are null when it
   * does not (unknown, not zero).
   */
  serverStatus: document({
    ...headscaleFields,
    nodes: z.nullable(z.array(nodeSummary)),
    online: z.nullable(z.number()),
    offline: z.nullable(z.number()),
    keys: z.nullable(z.array(keySummary)),
  }),

  /** `mesh server keygen --json`: the key is in the 0600 file `keyFile`, never in the JSON. */
  serverKeygen: document({
    id: z.string(),
    keyFile: z.string(),
    reusable: z.boolean(),
    ephemeral: z.boolean(),
    expiration: z.nullable(z.string()),
    tags: strings,
    serverUrl: z.string(),
    /** For a client, with `KEY_FILE` where the key's path there goes. */
    command: z.string(),
    /** The same, the key sent from this server on standard input. */
    commandOverSsh: z.string(),
  }),

  /** `mesh server nodes list`. */
  nodesList: document({ nodes: z.array(nodeSummary) }),

  /** `mesh server nodes rename|expire|remove`. */
  nodesAction: document({
    action: z.enum(['rename', 'expire', 'remove']),
    changed: z.boolean(),
    node: nodeSummary,
  }),

  /** `mesh client setup`. */
  clientSetup: document({
    ...changeFields,
    serverUrl: z.string(),
    tailnetIp: z.nullable(z.string()),
    deviceId: z.string(),
    folderPath: z.string(),
    steps: z.array(timedClientStep),
    machine: z.array(machineStep),
    manual: strings,
    /** Absent with `--no-peer`. */
    peer: z.optional(pairPeersResult),
  }),

  /** `mesh client join`. */
  clientJoin: document({
    serverUrl: z.string(),
    changed: z.boolean(),
    started: strings,
    tailnetIp: z.nullable(z.string()),
    tailnetIpv6: z.nullable(z.string()),
    hostname: z.string(),
    nodeId: z.nullable(z.string()),
  }),

  /** `mesh client join --print-command`: the `tailscale up` argv (the key only as `file:PATH`). */
  clientJoinCommand: document({ command: strings }),

  /** `mesh client leave`. */
  clientLeave: document({
    loggedOut: z.boolean(),
    stopped: strings,
    sharedFolder: z.string(),
  }),

  /** `mesh peer`. */
  peer: document(pairPeersResult.shape),

  /** `mesh peer --prune`. */
  peerPrune: document({
    changed: z.boolean(),
    removed: z.array(z.object({ ...device.shape, addresses: strings })),
    paired: pairPeersResult,
  }),

  /** `mesh peer --device-id ID --yes`: a device trusted by hand. */
  peerAdd: document({
    manual: z.literal(true),
    deviceId: z.string(),
    changed: z.boolean(),
    name: z.string(),
    address: z.nullable(z.string()),
  }),

  /** `mesh peer --watch` where the agent already runs (else it runs the agent: no document). */
  peerWatch: document({ agent: z.literal('running') }),

  /** `mesh doctor [--fix]`; `ok` is `healthy`. */
  doctor: document({
    healthy: z.boolean(),
    checks: z.array(statusCheck),
    fixes: z.array(
      z.object({
        check: z.string(),
        action: z.string(),
        ok: z.boolean(),
        error: z.optional(z.string()),
      }),
    ),
    leftForYou: z.array(statusCheck),
  }),

  /** `mesh conflicts`. */
  conflicts: document({
    folder: z.string(),
    deviceNamesKnown: z.boolean(),
    conflicts: z.array(z.object(conflictCopyFields)),
  }),

  /** `mesh conflicts resolve`. */
  conflictsResolve: document({
    folder: z.string(),
    keep: z.enum(CONFLICT_KEEP_CHOICES),
    dryRun: z.boolean(),
    changed: z.boolean(),
    nothingToDo: z.nullable(z.string()),
    archive: z.nullable(z.string()),
    stignoreUpdated: z.boolean(),
    resolutions: z.array(
      z.object({
        ...conflictCopyFields,
        kept: z.enum(['original', 'copy', 'both']),
        setAside: z.nullable(z.object({ version: z.enum(['original', 'copy']), to: z.string() })),
        renamedTo: z.nullable(z.string()),
      }),
    ),
  }),

  /** `mesh ports [role]`. */
  ports: document({
    role: z.enum(['server', 'wsl2', 'windows', 'unknown']),
    detected: z.boolean(),
    plans: z.array(rolePorts),
  }),

  /** `mesh agent status`; `ok` when the agent runs and reported lately. */
  agentStatus: document({
    running: z.boolean(),
    fresh: z.boolean(),
    state: z.nullable(agentState),
  }),

  /** `mesh agent logs`. */
  agentLogs: document({ lines: strings }),

  /** `mesh host add`. */
  hostAdd: hostChange,

  /** `mesh host remove`. */
  hostRemove: hostChange,

  /** `mesh host list`. */
  hostList: document({ hosts: z.array(z.object(hostReportFields)) }),

  /** `mesh host status NAME`. */
  hostStatus: document({
    ...hostReportFields,
    sshWorks: z.boolean(),
    sshError: z.nullable(z.string()),
  }),

  /** `mesh remote provision NAME`. */
  remoteProvision: document({ changed: z.boolean(), ...provisionFields }),

  /** `mesh remote provision-all`; `ok` when no host failed, `exitCode` the first failure's. */
  remoteProvisionAll: document({
    changed: z.boolean(),
    results: z.array(z.object(provisionFields)),
    exitCode: z.number(),
  }),

  /** `mesh remote status NAME`: the host's own `mesh status --json`, as that mesh printed it. */
  remoteStatus: document({
    name: z.string(),
    os: z.string(),
    status: z.nullable(z.looseObject({ healthy: z.boolean() })),
    exitCode: z.nullable(z.number()),
  }),

  /** `mesh harden server|client [--dry-run]`. */
  harden: document({
    side: z.enum(['server', 'client']),
    dryRun: z.boolean(),
    ...changeFields,
    notes: strings,
    backups: strings,
    /** On the server only. */
    policy: z.optional(z.object({ path: z.string(), tags: strings })),
  }),

  /** `mesh init`. */
  init: document({
    changed: z.boolean(),
    path: z.string(),
    backup: z.nullable(z.string()),
    content: z.string(),
  }),

  /** `mesh ssh add-key`. */
  sshAddKey: document({ ...changeFields, file: z.string(), key: sshKeySummary }),

  /** `mesh ssh copy-keys --from HOST`. */
  sshCopyKeys: document({
    ...changeFields,
    host: z.string(),
    mode: z.enum(['merge', 'replace']),
    file: z.string(),
    added: z.array(sshKeySummary),
    removed: z.array(sshKeySummary),
    present: z.number(),
    invalid: z.number(),
    backupPath: z.nullable(z.string()),
  }),

  /** `mesh ssh status`. */
  sshStatus: document({
    sshd: z.object({
      installed: z.boolean(),
      configFile: z.string(),
      ports: z.array(z.number()),
      listening: z.array(z.number()),
      passwordAuthentication: z.nullable(z.boolean()),
    }),
    authorizedKeys: z.object({
      file: z.string(),
      keys: z.number(),
      invalid: z.number(),
      mode: z.nullable(z.string()),
    }),
    hosts: z.array(z.object({ name: z.string(), sshConfig: z.boolean() })),
    problems: strings,
    healthy: z.boolean(),
  }),

  /** `mesh wsl setup-ssh`. */
  wslSetupSsh: document({
    ...changeFields,
    manual: strings,
    port: z.number(),
    sshd: machineStep,
    windowsKeys: z.nullable(
      z.object({
        source: z.nullable(z.string()),
        reason: z.nullable(z.string()),
        file: z.nullable(z.string()),
        added: z.array(sshKeySummary),
        present: z.number(),
      }),
    ),
  }),

  /**
   * `mesh windows script --json`: the script itself, or with `--out` the file written, or with
   * `--elevate` the exit code and log of its run. It never holds an auth key.
   */
  windowsScript: z.union([
    document({ ...windowsScriptFields, script: z.string() }),
    document({ ...windowsScriptFields, file: z.string() }),
    document({ ...windowsScriptFields, exitCode: z.number(), log: z.string() }),
  ]),
};

/** A command that prints a `--json` document: a key of {@link jsonSchemas}. */
export type JsonCommand = keyof typeof jsonSchemas;

const errorKinds = Object.keys(ExitCode).filter((k) => k !== 'ok') as [
  MeshErrorKind,
  ...MeshErrorKind[],
];

/** What any command prints with `--json` when it fails: its exit code says the same as `kind`. */
export const errorDocumentSchema = z.extend(documentSchema, {
  ok: z.literal(false),
  error: z.object({
    name: z.string(),
    kind: z.enum(errorKinds),
    message: z.string(),
    hint: z.string(),
    exitCode: z.number(),
  }),
});
