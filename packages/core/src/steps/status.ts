import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { tcpListens, WSL2_SSH_PORT } from '@mesh/platform';
import { findConflicts } from '@mesh/syncthing-client';
import { LocalApiClient } from '@mesh/tailscale';
import type { MeshContext } from '../context.js';
import { serviceManager, servicesDir } from '../internal/services.js';
import { toMeshError } from '../map-error.js';
import { VOUCH_PORT } from '../trust/protocol.js';
import { agentStatus } from './agent.js';
import type { AgentState } from './agent-state.js';
import { DEFAULT_STIGNORE, SHARED_FOLDER_ID } from './constants.js';
import { type ServerStatus, serverStatus } from './nodes.js';
import { classifyDevices } from './peer.js';
import { reachPeers } from './reach.js';
import { joinedBefore } from './repair.js';
import { HEADSCALE_DOWN_FIX } from './server.js';
import { controlServerAnswers, controlServerUrl, nodeStanding } from './standing.js';
import { connectSyncthing, syncthingAnswers } from './syncthing.js';
import { tailnetStatus } from './tailscale.js';

/** The pattern lines of the shared folder's `.stignore` that Mesh did not write. */
async function extraIgnorePatterns(folder: string): Promise<string[]> {
  const patterns = (text: string) =>
    text
      .split(/\r?\n/)
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.startsWith('//'));
  const ours = new Set(patterns(DEFAULT_STIGNORE));
  const text = await readFile(path.join(folder, '.stignore'), 'utf8').catch(() => '');
  return patterns(text).filter((p) => !ours.has(p));
}

/** The services whose logs status points to (Headscale too on the server). */
const LOGGED = ['mesh-tailscaled', 'mesh-syncthing', 'mesh-agent'];

/** One health check; every failed (`fail`) check is one issue. */
export interface StatusCheck {
  section:
    | 'environment'
    | 'headscale'
    | 'tailscale'
    | 'syncthing'
    | 'trust'
    | 'configuration'
    | 'conflicts';
  name: string;
  level: 'ok' | 'info' | 'warn' | 'fail';
  message: string;
  /** What to do about it (failed checks). */
  fix?: string;
}

export interface PeerReport {
  hostname: string;
  ip: string | undefined;
  online: boolean;
  path: 'direct' | 'relay' | 'none';
  /** Round trip of a disco ping, ms (verbose only). */
  latencyMs?: number;
}

export interface SyncthingPeerReport {
  deviceId: string;
  name: string;
  connected: boolean;
  address?: string;
}

/** How this machine's Syncthing devices came to be trusted. */
export interface TrustReport {
  /** Whether the mesh agent (which vouches for this node) runs. */
  agent: boolean;
  /** What the agent last published (its state file), when there is one. */
  agentState?: AgentState;
  vouched: Array<{ deviceId: string; name: string }>;
  /** Added by a person with `mesh peer --device-id --yes`. */
  manual: Array<{ deviceId: string; name: string }>;
  /** In Syncthing's config with nothing behind it: `mesh peer --prune` removes them. */
  untrusted: Array<{ deviceId: string; name: string }>;
}

export interface MeshStatus {
  healthy: boolean;
  issues: number;
  environment: {
    hostname: string;
    osType: string;
    role: string;
    syncthingHome: string;
    sharedFolder: string;
  };
  tailscale: {
    running: boolean;
    backendState: string | undefined;
    ip: string | undefined;
    peers: PeerReport[];
  };
  syncthing: {
    running: boolean;
    port: number;
    deviceId: string | undefined;
    connected: SyncthingPeerReport[];
    folder:
      | { id: string; state: string | undefined; needFiles: number; needBytes: number }
      | undefined;
  };
  trust: TrustReport;
  headscale?: Omit<ServerStatus, 'keys'> & { keys: number };
  serverUrl: string | undefined;
  conflicts: string[];
  checks: StatusCheck[];
}

export interface MeshStatusOptions {
  /** Ping peers for latency and list more detail. @default false */
  verbose?: boolean;
}

/**
 * `mesh status`: Environment, Headscale (server only), Tailscale, Syncthing, Configuration,
 * conflicts. Healthy means no failed check; the CLI exits 0 only then.
 */
export async function meshStatus(ctx: MeshContext, o: MeshStatusOptions = {}): Promise<MeshStatus> {
  const checks: StatusCheck[] = [];
  const add = (c: StatusCheck) => checks.push(c);
  const env = {
    hostname: ctx.hostname,
    osType: ctx.platform.osType,
    role: ctx.role,
    syncthingHome: ctx.paths.syncthingHome,
    sharedFolder: ctx.paths.sharedFolder,
  };
  if (ctx.role === 'unknown') {
    add({
      section: 'environment',
      name: 'role',
      level: 'info',
      message: 'Role is unknown: default ports 8384/22000',
      fix: 'set MESH_SERVER_HOSTNAMES / MESH_WSL2_HOSTNAMES / MESH_WINDOWS_HOSTNAMES',
    });
  }

  // Where each service logs, for the person who reads the FAIL lines below.
  const manager = await serviceManager(ctx).catch(() => undefined);
  if (manager) {
    const names = ctx.role === 'server' ? ['headscale', ...LOGGED] : LOGGED;
    add({
      section: 'environment',
      name: 'logs',
      level: 'info',
      message:
        manager.kind === 'systemd'
          ? `Logs: ${names.map((n) => `journalctl -u ${n}`).join(', ')}`
          : `Logs: ${servicesDir(ctx)}/{${names.map((n) => (n === 'headscale' ? 'mesh-headscale' : n)).join(',')}}.log`,
    });
  }

  // What sets this machine up, for the fixes of what was never set up.
  const setupCommand =
    ctx.role === 'server' ? 'mesh server setup' : 'mesh client setup --server URL --key-file FILE';

  // WSL2: other machines reach this one over SSH on 2222; the file saying so is not enough.
  if (ctx.platform.wsl) {
    const up = await tcpListens(WSL2_SSH_PORT);
    add(
      up
        ? {
            section: 'environment',
            name: 'sshd',
            level: 'ok',
            message: `sshd listens on port ${WSL2_SSH_PORT}`,
          }
        : {
            section: 'environment',
            name: 'sshd',
            level: 'fail',
            message: `Nothing listens on port ${WSL2_SSH_PORT}: ssh -p ${WSL2_SSH_PORT} to this machine fails (sshd stopped, or not restarted since its port changed)`,
            fix: 'mesh doctor --fix (sets the port and restarts sshd)',
          },
    );
  }

  // Headscale (server only).
  let headscale: MeshStatus['headscale'];
  if (ctx.role === 'server') {
    try {
      const s = await serverStatus(ctx);
      headscale = { ...s, keys: s.keys.length };
      if (s.service !== 'running' || !s.healthy) {
        add({
          section: 'headscale',
          name: 'service',
          level: 'fail',
          message: 'Headscale is not running',
          fix: HEADSCALE_DOWN_FIX,
        });
      } else {
        add({
          section: 'headscale',
          name: 'service',
          level: 'ok',
          message: `Headscale ${s.version ?? ''} is running at ${s.serverUrl ?? '?'}`.replace(
            '  ',
            ' ',
          ),
        });
        add({
          section: 'headscale',
          name: 'nodes',
          level: 'info',
          message: `Nodes: ${s.online} online, ${s.offline} offline`,
        });
      }
    } catch (error) {
      const e = toMeshError(error);
      add({
        section: 'headscale',
        name: 'service',
        level: 'fail',
        message: e.message,
        fix: e.hint,
      });
    }
  }

  // Tailscale.
  const ts = await tailnetStatus(ctx);
  const tailscale: MeshStatus['tailscale'] = {
    running: ts !== undefined,
    backendState: ts?.backendState,
    ip: ts?.ips.find((i) => i.includes('.')),
    peers: [],
  };
  const standing = nodeStanding(ts);
  if (!ts) {
    const joined = await joinedBefore(ctx);
    add({
      section: 'tailscale',
      name: 'daemon',
      level: 'fail',
      message: `tailscaled is not running (${ctx.paths.tailscale.socketPath})`,
      fix: joined ? 'mesh doctor --fix starts it (no key needed)' : setupCommand,
    });
  } else if (!standing.ok) {
    add({
      section: 'tailscale',
      name: standing.state === 'Stopped' ? 'stopped' : 'connected',
      level: 'fail',
      message: standing.message,
      fix: standing.fix,
    });
  } else {
    add({
      section: 'tailscale',
      name: 'connected',
      level: 'ok',
      message: `Tailscale is connected, IP: ${tailscale.ip ?? '?'}`,
    });
    const api = new LocalApiClient({ socketPath: ctx.paths.tailscale.socketPath });
    try {
      for (const p of ts.peers) {
        const ip = p.ips.find((i) => i.includes('.'));
        const report: PeerReport = { hostname: p.hostname, ip, online: p.online, path: p.path };
        if (o.verbose && p.online && ip) {
          try {
            const pong = await api.ping(ip, { type: 'disco', timeout: 3000 });
            const latency = (pong as { LatencySeconds?: number }).LatencySeconds;
            if (latency !== undefined) report.latencyMs = Math.round(latency * 10_000) / 10;
          } catch {
            // A failed ping is shown as no latency; online/offline is the health signal.
          }
        }
        tailscale.peers.push(report);
      }
    } finally {
      await api.close();
    }
    const reach = await reachPeers(ctx, ts);
    if (reach.asked > 0 && !reach.answered) {
      add({
        section: 'tailscale',
        name: 'reach',
        level: 'fail',
        message: `This node reaches none of its ${reach.asked} online peer(s) over the tailnet: its network is cut, or the control server removed this node`,
        fix: "check this machine's network; if the server no longer lists this node, join again: mesh server keygen on the server, then mesh client join --key-file FILE",
      });
    }
    const offline = tailscale.peers.filter((p) => !p.online);
    if (offline.length > 0) {
      add({
        section: 'tailscale',
        name: 'peers',
        level: 'warn',
        message: `${offline.length} peer(s) offline: ${offline.map((p) => p.hostname).join(', ')}`,
      });
    }
  }

  // Syncthing.
  const syncthing: MeshStatus['syncthing'] = {
    running: false,
    port: ctx.ports.syncthingGui,
    deviceId: undefined,
    connected: [],
    folder: undefined,
  };
  try {
    const st = await connectSyncthing(ctx);
    syncthing.deviceId = st.deviceId;
    if (!(await syncthingAnswers(st))) {
      add({
        section: 'syncthing',
        name: 'running',
        level: 'fail',
        message: `Syncthing is not running (port ${ctx.ports.syncthingGui})`,
        fix: 'mesh doctor --fix starts it (no key needed)',
      });
    } else {
      syncthing.running = true;
      add({
        section: 'syncthing',
        name: 'running',
        level: 'ok',
        message: `Syncthing is running on port ${ctx.ports.syncthingGui}`,
      });
      const [conns, devices, system] = await Promise.all([
        st.client.system.connections(),
        st.client.config.devices.list(),
        st.client.system.status().catch(() => undefined),
      ]);
      // A sync port another program holds: Syncthing runs, and no peer can ever reach it.
      for (const [listener, l] of Object.entries(system?.connectionServiceStatus ?? {})) {
        if (!l.error) continue;
        const port = /:(\d+)$/.exec(listener)?.[1];
        add({
          section: 'syncthing',
          name: 'listen',
          level: 'fail',
          message: `Syncthing cannot accept peers on ${listener}: ${l.error}`,
          fix: `free the port (ss -ltnp 'sport = :${port ?? '?'}' shows who holds it), then mesh doctor --fix`,
        });
      }
      const names = new Map(devices.map((d) => [d.deviceID, d.name ?? '']));
      for (const [id, c] of Object.entries(conns.connections ?? {})) {
        if (id === st.deviceId) continue;
        const entry: SyncthingPeerReport = {
          deviceId: id,
          name: names.get(id) ?? '',
          connected: c.connected === true,
        };
        if (c.address) entry.address = c.address;
        syncthing.connected.push(entry);
      }
      const up = syncthing.connected.filter((c) => c.connected).length;
      add({
        section: 'syncthing',
        name: 'peers',
        level: up > 0 ? 'ok' : 'warn',
        message: `Connected peers: ${up}/${syncthing.connected.length}`,
      });
      const paused = devices.filter((d) => d.paused && d.deviceID !== st.deviceId);
      if (paused.length > 0) {
        add({
          section: 'syncthing',
          name: 'paused',
          level: 'fail',
          message: `${paused.length} device(s) paused, nothing syncs with them: ${paused.map((d) => d.name || d.deviceID.slice(0, 7)).join(', ')}`,
          fix: 'the mesh agent resumes them within 15 s (mesh agent status); or resume them in Syncthing',
        });
      }
      try {
        const [f, folderConfig, errors] = await Promise.all([
          st.client.db.status(SHARED_FOLDER_ID),
          st.client.config.folders.get(SHARED_FOLDER_ID),
          st.client.folder.errors(SHARED_FOLDER_ID).catch(() => undefined),
        ]);
        if (folderConfig.paused) {
          add({
            section: 'syncthing',
            name: 'folder-paused',
            level: 'fail',
            message: `Folder ${SHARED_FOLDER_ID} is paused: nothing in it syncs`,
            fix: 'the mesh agent resumes it within 15 s (mesh agent status); or resume it in Syncthing',
          });
        }
        const failing = errors?.errors ?? [];
        if (f.error || failing.length > 0) {
          const first = failing[0];
          add({
            section: 'syncthing',
            name: 'folder-errors',
            level: 'fail',
            message: f.error
              ? `Folder ${SHARED_FOLDER_ID} stopped: ${f.error}`
              : `${failing.length} file(s) of ${SHARED_FOLDER_ID} cannot sync, e.g. ${first?.path}: ${first?.error}`,
            fix: `fix the cause in ${ctx.paths.sharedFolder} (space, permissions, the .stfolder marker); Syncthing retries by itself`,
          });
        }
        syncthing.folder = {
          id: SHARED_FOLDER_ID,
          state: f.state,
          needFiles: f.needFiles ?? 0,
          needBytes: f.needBytes ?? 0,
        };
        const level = f.state === 'error' ? 'fail' : 'ok';
        add({
          section: 'syncthing',
          name: 'folder',
          level,
          message: `Folder: ${SHARED_FOLDER_ID} (${f.state ?? '?'})${f.needFiles ? `, ${f.needFiles} file(s) still needed` : ''}`,
        });
      } catch {
        add({
          section: 'syncthing',
          name: 'folder',
          level: 'fail',
          message: `Folder ${SHARED_FOLDER_ID} is not configured`,
          fix: setupCommand,
        });
      }
    }
  } catch (error) {
    const e = toMeshError(error);
    add({ section: 'syncthing', name: 'running', level: 'fail', message: e.message, fix: e.hint });
  }

  const trust = await trustChecks(ctx, add);

  // Configuration.
  const serverUrl = await controlServerUrl(ctx);
  if (serverUrl && ctx.role !== 'server') {
    // The server checks its own Headscale above; a client asks it like tailscaled does.
    const up = await controlServerAnswers(serverUrl);
    add(
      up
        ? {
            section: 'headscale',
            name: 'reachable',
            level: 'ok',
            message: `Headscale at ${serverUrl} answers`,
          }
        : {
            section: 'headscale',
            name: 'reachable',
            level: 'fail',
            message: `Headscale at ${serverUrl} does not answer: machines cannot join or change; existing paths keep working for a while`,
            fix: 'on the server: mesh server status (sudo systemctl restart headscale)',
          },
    );
  }
  add(
    serverUrl
      ? {
          section: 'configuration',
          name: 'server',
          level: 'ok',
          message: `Headscale server: ${serverUrl}`,
        }
      : {
          section: 'configuration',
          name: 'server',
          level: 'fail',
          message: 'No Headscale server configured',
          fix: setupCommand,
        },
  );

  // Ignore patterns beyond Mesh's own: files matching them never sync, without a word.
  const extra = await extraIgnorePatterns(ctx.paths.sharedFolder);
  if (extra.length > 0) {
    add({
      section: 'syncthing',
      name: 'stignore',
      level: 'warn',
      message: `.stignore hides files matching ${extra.length} pattern(s) beyond Mesh's defaults: ${extra.slice(0, 5).join(', ')}${extra.length > 5 ? ', ...' : ''} (they never sync)`,
    });
  }

  // Conflicts.
  let conflicts: string[] = [];
  try {
    conflicts = (await findConflicts(ctx.paths.sharedFolder)).map((c) => c.relativePath);
  } catch {
    // No shared folder yet: reported by the Syncthing checks.
  }
  if (conflicts.length > 0) {
    add({
      section: 'conflicts',
      name: 'conflicts',
      level: 'warn',
      message: `${conflicts.length} conflict file(s) in ${ctx.paths.sharedFolder}`,
      fix: 'mesh conflicts lists them; keep the right version, delete the copy',
    });
  }

  const issues = checks.filter((c) => c.level === 'fail').length;
  return {
    healthy: issues === 0,
    issues,
    environment: env,
    tailscale,
    syncthing,
    trust,
    ...(headscale ? { headscale } : {}),
    serverUrl,
    conflicts,
    checks,
  };
}

/**
 * The trust rule, checked: the agent runs (else no other node can pair with this one), the
 * agent's port is still one only root can bind here, and every Syncthing device this machine
 * shares with was vouched for by a node's agent or added by a person.
 */
async function trustChecks(ctx: MeshContext, add: (c: StatusCheck) => void): Promise<TrustReport> {
  const agent = await agentStatus(ctx);
  const report: TrustReport = {
    agent: agent.running,
    ...(agent.state ? { agentState: agent.state } : {}),
    vouched: [],
    manual: [],
    untrusted: [],
  };
  add(
    report.agent
      ? { section: 'trust', name: 'agent', level: 'ok', message: 'The mesh agent is running' }
      : {
          section: 'trust',
          name: 'agent',
          level: 'fail',
          message: 'The mesh agent is not running: no other machine can pair with this one',
          fix:
            ctx.role === 'server'
              ? 'mesh server setup (it installs and starts the agent)'
              : 'mesh client setup (it installs and starts the agent)',
        },
  );
  const st = agent.state;
  if (agent.running && (!st || !agent.fresh)) {
    add({
      section: 'trust',
      name: 'agent-state',
      level: 'warn',
      message: 'The mesh agent has not reported for over 30 s (see mesh agent status)',
    });
  } else if (agent.running && st) {
    // Right after a start or a reboot the tailnet may not be up yet: the agent binds its
    // port within seconds of that, so only a lasting gap is a failure.
    const starting = Date.now() - Date.parse(st.startedAt) < 30_000;
    if (!st.vouchingOn) {
      add(
        starting
          ? {
              section: 'trust',
              name: 'vouching',
              level: 'warn',
              message: 'The mesh agent is starting: it does not vouch for this node yet',
            }
          : {
              section: 'trust',
              name: 'vouching',
              level: 'fail',
              message:
                'The mesh agent cannot vouch for this node: no other machine can pair with it',
              fix: 'mesh agent status shows why; is this node in the tailnet (mesh client join)?',
            },
      );
    }
    for (const u of st.lastPairing?.unvouched ?? []) {
      add({
        section: 'trust',
        name: 'unpaired',
        level: 'warn',
        message: `${u.hostname} is not paired: ${u.reason} (run mesh status there)`,
      });
    }
  }
  const start = await unprivilegedPortStart();
  if (start !== undefined && start <= VOUCH_PORT) {
    add({
      section: 'trust',
      name: 'port',
      level: 'fail',
      message: `Any user can bind port ${VOUCH_PORT} here (net.ipv4.ip_unprivileged_port_start=${start}) and answer in the agent's place`,
      fix: 'sysctl -w net.ipv4.ip_unprivileged_port_start=1024',
    });
  }
  try {
    const st = await connectSyncthing(ctx);
    if (!(await syncthingAnswers(st))) return report;
    const byTrust = await classifyDevices(ctx, st);
    for (const k of ['vouched', 'manual', 'untrusted'] as const) {
      report[k] = byTrust[k].map(({ deviceId, name }) => ({ deviceId, name }));
    }
  } catch (error) {
    const e = toMeshError(error);
    add({ section: 'trust', name: 'devices', level: 'fail', message: e.message, fix: e.hint });
    return report;
  }
  if (report.untrusted.length > 0) {
    add({
      section: 'trust',
      name: 'devices',
      level: 'fail',
      message: `${report.untrusted.length} Syncthing device(s) that no mesh node vouches for: ${report.untrusted.map((d) => d.name || d.deviceId.slice(0, 7)).join(', ')}`,
      fix: 'mesh peer --prune (removes them from Syncthing; no file is touched)',
    });
  } else {
    add({
      section: 'trust',
      name: 'devices',
      level: 'ok',
      message: `Devices: ${report.vouched.length} vouched for by their node${report.manual.length > 0 ? `, ${report.manual.length} added by hand` : ''}`,
    });
  }
  return report;
}

/** `net.ipv4.ip_unprivileged_port_start` of this network namespace (Linux), if readable. */
async function unprivilegedPortStart(): Promise<number | undefined> {
  if (process.platform !== 'linux') return undefined;
  const text = await readFile('/proc/sys/net/ipv4/ip_unprivileged_port_start', 'utf8').catch(
    () => undefined,
  );
  const n = text === undefined ? Number.NaN : Number.parseInt(text, 10);
  return Number.isFinite(n) ? n : undefined;
}

export interface ConflictReport {
  folder: string;
  files: Array<{ path: string; original: string; modifiedBy: string | undefined }>;
}

/** `mesh conflicts`: Syncthing conflict copies in the shared folder. */
export async function listConflicts(ctx: MeshContext): Promise<ConflictReport> {
  try {
    const files = await findConflicts(ctx.paths.sharedFolder);
    return {
      folder: ctx.paths.sharedFolder,
      files: files.map((f) => ({
        path: f.relativePath,
        original: f.originalRelativePath,
        modifiedBy: (f as { shortId?: string }).shortId,
      })),
    };
  } catch (error) {
    throw toMeshError(error, `reading ${ctx.paths.sharedFolder}`);
  }
}
