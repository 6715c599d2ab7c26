import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  HeadscaleClient,
  type HeadscaleConfigOptions,
  type HeadscalePostgresOptions,
  type HeadscaleServiceStatus,
  readHeadscaleConfig,
  setupHeadscaleServer,
} from '@mesh/headscale';
import {
  pathExists,
  readSavedServerUrl,
  type ServiceManager,
  writeSavedServerUrl,
} from '@mesh/platform';
import type { MeshContext } from '../context.js';
import { setAdvertise } from '../discovery/discover.js';
import { MeshError } from '../errors.js';
import { withMachineLock } from '../internal/machine-lock.js';
import { serviceManager } from '../internal/services.js';
import { toMeshError } from '../map-error.js';
import { ensureAgent } from './agent.js';
import { MESH_USER } from './constants.js';
import { installMissingPrograms } from './install.js';
import { ensureNodePolicy } from './node-policy.js';
import { packagesDir } from './package-server.js';
import { findMeshProgram, installRelease, meshProgram } from './release-programs.js';
import { controlServerUrl } from './server-url.js';
import { checkSharedFolder, ensureSyncthing } from './syncthing.js';
import { checkSyncthingPorts } from './syncthing-ports.js';
import { ensureTailscaled, joinTailnet, tailnetStatus } from './tailscale.js';

/** Fails unless this machine has the server role: server commands on a client would set up a second control server. */
export function requireServerRole(ctx: MeshContext): void {
  if (ctx.role !== 'server') {
    throw new MeshError(
      `Server commands must be run on the coordination server (current role: ${ctx.role})`,
      { kind: 'badInput', hint: `add this hostname (${ctx.hostname}) to MESH_SERVER_HOSTNAMES` },
    );
  }
}

/** Parses `postgres://user:pass@host:port/db` into Headscale's database options. */
export function parsePostgresUrl(url: string): HeadscalePostgresOptions {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new MeshError(
      '--postgres must be a URL like postgres://user:password@host:5432/headscale',
      {
        kind: 'badInput',
        hint: 'check the --postgres value',
      },
    );
  }
  const name = decodeURIComponent(u.pathname.replace(/^\//, ''));
  if (!/^postgres(ql)?:$/.test(u.protocol) || !u.hostname || !u.username || !name) {
    throw new MeshError(
      '--postgres must be a URL like postgres://user:password@host:5432/headscale',
      {
        kind: 'badInput',
        hint: 'give user, host and database name',
      },
    );
  }
  return {
    type: 'postgres',
    host: u.hostname.replace(/^\[|\]$/g, ''),
    port: u.port ? Number(u.port) : 5432,
    name,
    user: decodeURIComponent(u.username),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
  };
}

/** The first non-loopback, non-tailnet IPv4 of this machine (what `hostname -I` lists first). */
export function primaryIpv4(
  interfaces: NodeJS.Dict<os.NetworkInterfaceInfo[]> = os.networkInterfaces(),
): string | undefined {
  for (const [name, addrs] of Object.entries(interfaces)) {
    if (name.startsWith('tailscale')) continue;
    for (const a of addrs ?? []) {
      if (a.family !== 'IPv4' || a.internal) continue;
      const [x, y] = a.address.split('.').map(Number) as [number, number];
      if (x === 100 && y >= 64 && y < 128) continue;
      return a.address;
    }
  }
  return undefined;
}

/** Checks a `--server`/`--server-url` value: http(s), host, no path. Returns it without a trailing slash. */
export function validateServerUrl(value: string): string {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    throw new MeshError(`not a server URL: ${JSON.stringify(value)} (expected http://HOST:PORT)`, {
      kind: 'badInput',
      hint: 'use the URL mesh server keygen printed, e.g. http://10.0.0.1:8080',
    });
  }
  if (
    (u.protocol !== 'http:' && u.protocol !== 'https:') ||
    !u.hostname ||
    (u.pathname !== '/' && u.pathname !== '')
  ) {
    throw new MeshError(`not a server URL: ${JSON.stringify(value)} (expected http://HOST:PORT)`, {
      kind: 'badInput',
      hint: 'use the URL mesh server keygen printed, e.g. http://10.0.0.1:8080',
    });
  }
  return `${u.protocol}//${u.host}`;
}

/**
 * Headscale's service name on `manager`: the system unit keeps the name `headscale` (the name
 * Headscale's own package and existing installations use, so that unit is taken over rather
 * than run twice); the supervised
 * fallback (containers, WSL without systemd, the lab) calls it `mesh-headscale`.
 */
function headscaleServiceName(manager: ServiceManager): string {
  return manager.kind === 'systemd' ? 'headscale' : 'mesh-headscale';
}

/** The one fix named wherever Headscale is found down on the server (status, keygen, nodes). */
export const HEADSCALE_DOWN_FIX =
  'mesh doctor --fix starts it (or sudo systemctl restart headscale; its log: journalctl -u headscale)';

/** Fails (serviceDown, {@link HEADSCALE_DOWN_FIX}) unless Headscale's service runs here. */
export async function requireHeadscaleRunning(ctx: MeshContext): Promise<void> {
  if (!(await headscaleService(ctx).status()).running) {
    throw new MeshError('Headscale is not running on this server', {
      kind: 'serviceDown',
      hint: HEADSCALE_DOWN_FIX,
    });
  }
}

/** The one fix named wherever Headscale's config file is found damaged (keygen, status, nodes). */
export const HEADSCALE_CONFIG_FIX =
  'fix the file at the place named, or have mesh server setup write it again (give --postgres again if you used it)';

/**
 * What is wrong with Headscale's config file (missing, not YAML, not a mapping), or undefined
 * when it parses. A file this user may not read is left for `headscale` to report: that is a
 * matter of running as root, not of the file.
 */
export async function headscaleConfigProblem(ctx: MeshContext): Promise<string | undefined> {
  try {
    await readHeadscaleConfig(ctx.paths.headscale.configPath);
    return undefined;
  } catch (error) {
    const code = (error as { cause?: { code?: unknown } }).cause?.code;
    if (code === 'EACCES' || code === 'EPERM') return undefined;
    return error instanceof Error ? error.message : String(error);
  }
}

/**
 * Fails (badInput, {@link HEADSCALE_CONFIG_FIX}) naming Headscale's config file and what is
 * wrong with it, before the `headscale` program runs on it and exits with a bare FTL line.
 */
export async function requireHeadscaleConfig(ctx: MeshContext): Promise<void> {
  const problem = await headscaleConfigProblem(ctx);
  if (problem !== undefined) {
    throw new MeshError(problem, { kind: 'badInput', hint: HEADSCALE_CONFIG_FIX });
  }
}

/** Headscale's service on this machine's manager (as {@link setupServer} installs it). */
export function headscaleService(ctx: MeshContext): {
  status(): Promise<HeadscaleServiceStatus>;
  start(): Promise<void>;
} {
  return {
    async start() {
      const manager = await serviceManager(ctx);
      await manager.start(headscaleServiceName(manager));
    },
    async status() {
      const manager = await serviceManager(ctx);
      const s = await manager.status(headscaleServiceName(manager));
      return {
        running: s.active,
        ...(s.pid === undefined ? {} : { pid: s.pid }),
        detail: s.detail,
      };
    },
  };
}

/** A Headscale client over the local CLI and unix socket (no API key needed on the server). */
export function localHeadscale(ctx: MeshContext): HeadscaleClient {
  return new HeadscaleClient({
    cli: {
      configPath: ctx.paths.headscale.configPath,
      socketPath: ctx.paths.headscale.socketPath,
      runner: ctx.runner,
      binary: meshProgram(ctx, 'headscale', ctx.paths.binaries.headscale),
    },
  });
}

/**
 * The headscale program to run, installed first from its release (`MESH_HEADSCALE_RELEASES_URL`,
 * verified by checksum, into `/usr/local/bin`) when none is found; one that is found, or that
 * `MESH_HEADSCALE_BIN` names, is used as it is. `changes` holds the install, when there was one.
 */
export async function ensureHeadscaleProgram(
  ctx: MeshContext,
): Promise<{ binary: string; changes: string[] }> {
  const explicit = ctx.paths.binaries.headscale;
  // Service specs need an absolute program (systemd's ExecStart= does not search PATH).
  const found = await findMeshProgram(ctx, 'headscale', explicit);
  if (explicit !== undefined || path.isAbsolute(found)) return { binary: found, changes: [] };
  const { result, change } = await installRelease(ctx, 'headscale');
  const binary = result.files['headscale'] ?? found;
  if (change) ctx.reporter.ok(change);
  return { binary, changes: change ? [change] : [] };
}

/** Options of {@link setupServer}. */
export interface SetupServerOptions {
  /** PostgreSQL URL; SQLite (embedded) when absent. */
  postgres?: string;
  /** `IP:PORT` Headscale binds. @default `<primary IPv4>:8080` */
  listen?: string;
  /**
   * URL clients use. @default the server URL by the one rule (`MESH_SERVER_URL`,
   * `HEADSCALE_SERVER`, the saved URL; see {@link controlServerUrl}), else `http://<listen>`
   */
  serverUrl?: string;
  /** The command that runs `mesh agent` here; installed as a service at the end. @default none */
  agentExec?: readonly string[];
  /**
   * Announce the server on the LAN over mDNS (the agent does), so `mesh client setup --discover`
   * needs no URL; false stops it. Remembered between runs. @default unchanged
   */
  advertise?: boolean | undefined;
}

export interface SetupServerResult {
  /** False when everything was already in place ("nothing to change"). */
  changed: boolean;
  changes: string[];
  serverUrl: string;
  configPath: string;
  database: 'sqlite' | 'postgres';
  service: 'supervised' | 'systemd';
  tailnetIp: string | undefined;
  deviceId: string;
  folderPath: string;
}

/**
 * `mesh server setup`: Headscale configured and running, user `mesh`, an API key kept in a
 * 0600 file, this machine's own tailscaled joined, and its Syncthing set up. Idempotent.
 */
export function setupServer(
  ctx: MeshContext,
  o: SetupServerOptions = {},
): Promise<SetupServerResult> {
  return withMachineLock(ctx, () => setupServerLocked(ctx, o));
}

// The work itself; callers go through the lock above.
async function setupServerLocked(
  ctx: MeshContext,
  o: SetupServerOptions = {},
): Promise<SetupServerResult> {
  requireServerRole(ctx);
  const r = ctx.reporter;
  const changes: string[] = [];
  // Validate every input before touching anything.
  const database = o.postgres ? parsePostgresUrl(o.postgres) : undefined;
  // The address the URL saved last time names, so setup run again keeps listening there.
  const saved = await readSavedServerUrl({ root: '/', env: ctx.env }).catch(() => undefined);
  const ip = primaryIpv4();
  const listen = o.listen ?? (saved ? new URL(saved).host : ip ? `${ip}:8080` : undefined);
  if (!listen) {
    throw new MeshError("could not find this machine's IPv4 address to listen on", {
      kind: 'badInput',
      hint: 'pass --listen IP:PORT',
    });
  }
  if (!/^[0-9.]+:\d{1,5}$|^\[[0-9a-f:]+\]:\d{1,5}$/i.test(listen)) {
    throw new MeshError(`--listen must be IP:PORT, got ${JSON.stringify(listen)}`, {
      kind: 'badInput',
    });
  }
  const serverUrl = validateServerUrl(
    (await controlServerUrl(ctx, { option: o.serverUrl })) ?? `http://${listen}`,
  );
  await checkSharedFolder(ctx);
  await checkSyncthingPorts(ctx);

  // 0. The headscale program: installed from its release when this machine has none.
  const headscale = await ensureHeadscaleProgram(ctx);
  changes.push(...headscale.changes);
  // The server is a member too: its Tailscale and Syncthing, installed as a client's are. A
  // Tailscale package downloaded here is kept, and the agent offers it to the clients.
  changes.push(
    ...(await installMissingPrograms(ctx, { keepPackagesIn: packagesDir(ctx) })).changes,
  );

  // 1-2. Config, service, health: the headscale library does all three idempotently.
  const hsPaths = ctx.paths.headscale;
  await mkdir(path.dirname(hsPaths.socketPath), { recursive: true, mode: 0o755 });
  const config: HeadscaleConfigOptions = {
    serverUrl,
    listenAddr: listen,
    stateDir: hsPaths.stateDir,
    socketPath: hsPaths.socketPath,
    ...(database ? { database } : {}),
  };
  // A systemd unit when systemd is PID 1, else a supervised process (pid and log files in
  // Mesh's state dir) for containers, WSL without systemd and the lab.
  let service: SetupServerResult['service'] = 'supervised';
  const wait = r.wait(`Starting Headscale at ${serverUrl}`);
  try {
    const manager = await serviceManager(ctx);
    if (manager.kind === 'systemd') service = 'systemd';
    const setup = await setupHeadscaleServer({
      configPath: hsPaths.configPath,
      config,
      serviceManager: manager,
      serviceName: headscaleServiceName(manager),
      restart: 'always',
      binary: headscale.binary,
      runner: ctx.runner,
      healthTimeout: 45_000,
    });
    wait.done();
    for (const step of setup.steps) {
      if (!step.changed) continue;
      const what = {
        'state-dir': `created ${hsPaths.stateDir}`,
        config: `wrote ${hsPaths.configPath}`,
        'service-install': `installed the ${service === 'systemd' ? 'systemd unit' : 'supervised service'}`,
        'service-start': 'started Headscale',
        health: 'Headscale became healthy',
      }[step.name];
      changes.push(what);
      r.ok(what);
    }
  } catch (error) {
    wait.fail();
    throw toMeshError(error, 'setting up Headscale');
  }
  r.ok(`Headscale is running at ${serverUrl}`);

  // 3. User and API key.
  const hs = localHeadscale(ctx);
  let userId: string;
  try {
    const { user, changed } = await hs.users.ensure(MESH_USER);
    userId = user.id;
    if (changed) {
      changes.push(`created user ${MESH_USER}`);
      r.ok(`Created user ${MESH_USER}`);
    } else r.ok(`User ${MESH_USER} already exists`);
    if (!(await pathExists(ctx.paths.apiKeyFile))) {
      const created = await hs.apiKeys.create({ expiration: 365 * 24 * 3_600_000 });
      await mkdir(path.dirname(ctx.paths.apiKeyFile), { recursive: true, mode: 0o700 });
      await writeFile(ctx.paths.apiKeyFile, `${created.key}\n`, { mode: 0o600 });
      changes.push(`saved an API key in ${ctx.paths.apiKeyFile}`);
      r.ok(`API key saved (mode 0600): ${ctx.paths.apiKeyFile}`);
    }
    const policy = await ensureNodePolicy(ctx, hs);
    if (policy.change) {
      changes.push(policy.change);
      r.ok(policy.change);
    }
    if (policy.note) r.warn(policy.note);
  } catch (error) {
    throw toMeshError(error, 'setting up Headscale');
  }
  const savedUrl = await writeSavedServerUrl(serverUrl, { env: ctx.env });
  if (savedUrl.changed) {
    changes.push(`saved the server URL in ${savedUrl.path}`);
    r.ok(`Server URL saved: ${savedUrl.path}`);
  }

  // 4. This machine's own Tailscale client.
  if (await ensureTailscaled(ctx, serverUrl)) changes.push('started tailscaled');
  let status = await tailnetStatus(ctx);
  if (status?.backendState !== 'Running') {
    const key = await hs.preAuthKeys.create({
      user: { id: userId },
      reusable: false,
      ephemeral: false,
      expiration: 10 * 60_000,
    });
    const joined = await joinTailnet(ctx, serverUrl, key.key);
    changes.push(`joined this machine to the tailnet (${joined.ipv4 ?? '?'})`);
    status = await tailnetStatus(ctx);
  }
  const tailnetIp = status?.ips.find((i) => i.includes('.'));
  r.ok(`This machine is in the tailnet: ${tailnetIp ?? 'no IPv4'}`);

  // 5. Syncthing.
  const st = await ensureSyncthing(ctx);
  changes.push(...st.changes);

  // 6. The agent: vouches for this node, pairs every node that joins, and announces the server
  // when asked to (it reads that choice when it starts).
  const advertised =
    o.advertise !== undefined &&
    o.agentExec !== undefined &&
    (await setAdvertise(ctx, o.advertise));
  if (advertised) {
    changes.push(o.advertise ? 'announcing the server over mDNS' : 'stopped announcing the server');
    r.ok(
      o.advertise
        ? 'The mesh agent announces the server on this LAN (mDNS)'
        : 'The mesh agent no longer announces the server',
    );
  }
  if (o.agentExec && (await ensureAgent(ctx, o.agentExec, { restart: advertised })).changed) {
    changes.push('started the mesh agent');
  }

  return {
    changed: changes.length > 0,
    changes,
    serverUrl,
    configPath: hsPaths.configPath,
    database: database ? 'postgres' : 'sqlite',
    service,
    tailnetIp,
    deviceId: st.deviceId,
    folderPath: st.folderPath,
  };
}
