import { chown, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { findOnPath, pathExists, runAsPrefix, runChecked, type UserAccount } from '@mesh/platform';
import {
  type FolderConfig,
  parseSyncthingConfigXml,
  privateSyncthingConfig,
  readSyncthingHome,
  SyncthingClient,
  type SyncthingHomeInfo,
} from '@mesh/syncthing-client';
import type { MeshContext } from '../context.js';
import { MeshError } from '../errors.js';
import { ensureService, serviceManager, servicesDir } from '../internal/services.js';
import { toMeshError } from '../map-error.js';
import { syncthingHomeOf } from '../paths.js';
import {
  DEFAULT_STIGNORE,
  SHARED_FOLDER_ID,
  SHARED_FOLDER_LABEL,
  SHARED_FOLDER_SETTINGS,
} from './constants.js';

/** A connected REST client plus what we know about the local Syncthing. */
export interface LocalSyncthing {
  client: SyncthingClient;
  home: SyncthingHomeInfo;
  deviceId: string;
}

/** The syncthing program: `MESH_SYNCTHING_BIN`, else `syncthing` on PATH. */
function syncthingBinary(ctx: MeshContext): string {
  return ctx.paths.binaries.syncthing ?? 'syncthing';
}

/** Connects to the local Syncthing over REST (role's GUI port on loopback, key from config.xml). */
export async function connectSyncthing(ctx: MeshContext): Promise<LocalSyncthing> {
  let home: SyncthingHomeInfo;
  try {
    home = await readSyncthingHome(ctx.paths.syncthingHome);
  } catch (error) {
    const config = path.join(ctx.paths.syncthingHome, 'config.xml');
    if (await pathExists(config)) {
      // There is a config, and it cannot be read: setup would fail on it the same way.
      throw new MeshError(
        `Syncthing's ${config} cannot be read: ${error instanceof Error ? error.message : String(error)}`,
        {
          kind: 'badInput',
          cause: error,
          hint: `restore it (a copy may be beside it as config.xml.mesh-bak or in Syncthing's backups), or move it aside and run setup again: the device ID stays with cert.pem`,
        },
      );
    }
    throw new MeshError(`Syncthing is not set up on this machine (${ctx.paths.syncthingHome})`, {
      kind: 'serviceDown',
      cause: error,
      hint:
        ctx.role === 'server'
          ? 'run mesh server setup'
          : 'run mesh client setup --server URL --key-file FILE',
    });
  }
  if (!home.apiKey || !home.deviceId) {
    throw new MeshError(`Syncthing home ${ctx.paths.syncthingHome} has no API key or certificate`, {
      kind: 'badInput',
      hint: 'run mesh client setup to (re)configure Syncthing',
    });
  }
  const baseUrl = home.baseUrl ?? `http://127.0.0.1:${ctx.ports.syncthingGui}`;
  const client = new SyncthingClient({
    baseUrl,
    apiKey: home.apiKey,
    timeout: 10_000,
    maxRetries: 1,
  });
  return { client, home, deviceId: home.deviceId };
}

/** True when the local Syncthing answers its REST ping. */
export async function syncthingAnswers(st: LocalSyncthing): Promise<boolean> {
  try {
    await st.client.system.ping({ timeout: 2000 });
    return true;
  } catch {
    return false;
  }
}

/** Like {@link connectSyncthing} but fails with `serviceDown` when Syncthing does not answer. */
export async function requireSyncthing(ctx: MeshContext): Promise<LocalSyncthing> {
  const st = await connectSyncthing(ctx);
  if (!(await syncthingAnswers(st))) {
    throw new MeshError(`Syncthing is not running (port ${ctx.ports.syncthingGui})`, {
      kind: 'serviceDown',
      hint: 'start it again with mesh client setup (or mesh server setup), then retry',
    });
  }
  return st;
}

/** Where the shared folder's path came from, for messages that say what to change. */
interface FolderSource {
  /** ` (MESH_SHARED_FOLDER_LINUX)` when that variable set the path, else empty. */
  label: string;
  /** How to give another path, e.g. `set MESH_SHARED_FOLDER_LINUX to PATH`. */
  set: (to: string) => string;
}

function folderSource(ctx: MeshContext, given: string | undefined): FolderSource {
  if (given !== undefined) return { label: '', set: (to) => `give ${to} as the folder path` };
  const named = (ctx.env['MESH_SHARED_FOLDER_LINUX'] ?? '') !== '';
  return {
    label: named ? ' (MESH_SHARED_FOLDER_LINUX)' : '',
    set: (to) => `set MESH_SHARED_FOLDER_LINUX to ${to}`,
  };
}

function folderMovedError(
  folderId: string,
  configured: string,
  wanted: string,
  source: FolderSource,
): MeshError {
  return new MeshError(
    `Syncthing's folder ${folderId} already points at ${configured}, not ${wanted}${source.label}`,
    {
      kind: 'badInput',
      hint: `${source.set(configured)} again, or move the folder in Syncthing first`,
    },
  );
}

const samePath = (a: string, b: string) => a.replace(/\/+$/, '') === b.replace(/\/+$/, '');

/**
 * Fails with `badInput` when the shared folder cannot be what setup makes of it: the path is
 * relative, it or a folder above it is a file, or this machine's Syncthing already shares
 * the folder from another path. Only reads (the path and Syncthing's config.xml), so setup
 * runs it before it changes anything; otherwise the failure comes after joining the tailnet
 * and starting Syncthing.
 */
export async function checkSharedFolder(
  ctx: MeshContext,
  o: Pick<EnsureSyncthingOptions, 'folderId' | 'folderPath'> = {},
): Promise<void> {
  const folderPath = o.folderPath ?? ctx.paths.sharedFolder;
  const folderId = o.folderId ?? SHARED_FOLDER_ID;
  const source = folderSource(ctx, o.folderPath);
  if (!path.isAbsolute(folderPath)) {
    throw new MeshError(
      `The shared folder must be an absolute path, got ${JSON.stringify(folderPath)}${source.label}`,
      { kind: 'badInput', hint: `${source.set('an absolute path')} (e.g. /opt/shared)` },
    );
  }
  // The nearest part of the path that exists must be a folder, or mkdir -p fails later.
  for (let p = folderPath; ; p = path.dirname(p)) {
    const found = await stat(p).then(
      (st) => (st.isDirectory() ? 'folder' : 'other'),
      (error: NodeJS.ErrnoException) =>
        error.code === 'ENOENT' || error.code === 'ENOTDIR' ? 'missing' : 'unknown',
    );
    if (found === 'folder' || found === 'unknown') break;
    if (found === 'other') {
      throw new MeshError(
        p === folderPath
          ? `The shared folder ${folderPath}${source.label} is a file, not a folder`
          : `The shared folder ${folderPath}${source.label} cannot be created: ${p} is a file`,
        { kind: 'badInput', hint: `${source.set('a folder')}, or move that file away` },
      );
    }
    if (path.dirname(p) === p) break;
  }
  const xml = await readFile(path.join(ctx.paths.syncthingHome, 'config.xml'), 'utf8').catch(
    () => undefined,
  );
  if (xml === undefined) return;
  let folders: Array<{ id: string; path: string }>;
  try {
    folders = parseSyncthingConfigXml(xml).folders;
  } catch {
    // connectSyncthing names a damaged config.xml, also before anything changes.
    return;
  }
  const configured = folders.find((f) => f.id === folderId);
  if (configured && !samePath(configured.path, folderPath)) {
    throw folderMovedError(folderId, configured.path, folderPath, source);
  }
}

/** The service name of Syncthing on every manager (systemd unit, supervised, Windows task). */
export const SYNCTHING_SERVICE = 'mesh-syncthing';

/** What {@link ensureSyncthing} sets up; defaults are the mesh's own folder and listen address. */
export interface EnsureSyncthingOptions {
  /** @default SHARED_FOLDER_ID ('opt-shared') */
  folderId?: string;
  /** @default ctx.paths.sharedFolder */
  folderPath?: string;
  /** Write the default `.stignore` when the folder has none. @default true */
  stignore?: boolean;
  /** Sync listen address. @default `tcp://0.0.0.0:<role sync port>` */
  listenAddress?: string;
  /** Extra Syncthing options to enforce, over the defaults here. */
  options?: Record<string, unknown>;
  /** Syncthing started already ({@link startSyncthing}): only its configuration is left. */
  started?: { st: LocalSyncthing; changes: string[] };
}

export interface EnsureSyncthingResult {
  deviceId: string;
  folderPath: string;
  changes: string[];
}

/**
 * Makes this machine's Syncthing match the role: generated home, loopback GUI on the role's
 * port, one explicit listen address on the role's sync port, every outbound feature off,
 * running, and the `opt-shared` folder with the mesh's settings and default `.stignore`.
 */
export async function ensureSyncthing(
  ctx: MeshContext,
  o: EnsureSyncthingOptions = {},
): Promise<EnsureSyncthingResult> {
  const listenAddress = o.listenAddress ?? `tcp://0.0.0.0:${ctx.ports.syncthingSync}`;
  const folder = {
    id: o.folderId ?? SHARED_FOLDER_ID,
    path: o.folderPath ?? ctx.paths.sharedFolder,
    stignore: o.stignore ?? true,
    source: folderSource(ctx, o.folderPath),
  };
  await checkSharedFolder(ctx, o);
  const { st, changes } = o.started ?? (await startSyncthing(ctx, { ...o, listenAddress }));
  try {
    await configureOverRest(ctx, st, listenAddress, folder, o.options ?? {}, changes);
  } catch (error) {
    throw toMeshError(error, 'configuring Syncthing');
  }
  return { deviceId: st.deviceId, folderPath: folder.path, changes };
}

/**
 * The first half of {@link ensureSyncthing}: an identity (generated when there is none) and
 * Syncthing running and answering as the role's service. No folder is touched.
 */
export async function startSyncthing(
  ctx: MeshContext,
  o: Pick<EnsureSyncthingOptions, 'listenAddress' | 'folderPath'> = {},
): Promise<{ st: LocalSyncthing; changes: string[] }> {
  const changes: string[] = [];
  const r = ctx.reporter;
  const home = ctx.paths.syncthingHome;
  const configPath = path.join(home, 'config.xml');
  const guiAddress = `127.0.0.1:${ctx.ports.syncthingGui}`;
  const listenAddress = o.listenAddress ?? `tcp://0.0.0.0:${ctx.ports.syncthingSync}`;
  const folderPath = o.folderPath ?? ctx.paths.sharedFolder;
  const user = ctx.syncthingUser;
  if (user && process.getuid?.() !== 0) {
    throw new MeshError(
      `Syncthing runs as ${user.name} (MESH_DEFAULT_USER), and only root may start it as another user`,
      { kind: 'badInput', hint: 'run setup with sudo, or set MESH_DEFAULT_USER to yourself' },
    );
  }
  // Programs that create files in the user's home run as that user, so they own what they make.
  const asUser = (file: string, args: readonly string[]) =>
    user ? [...runAsPrefix(user), file, ...args] : [file, ...args];

  if (user && !(await pathExists(configPath))) await moveSyncthingHome(ctx, user, changes);
  if (!(await pathExists(configPath))) {
    if (user) {
      const [file, ...args] = asUser('mkdir', ['-p', '-m', '700', home]);
      await runChecked(ctx.runner, file as string, args, { timeout: 10_000, hint: 'run as root' });
    } else {
      await mkdir(home, { recursive: true, mode: 0o700 });
    }
    const [genFile, ...genArgs] = asUser(syncthingBinary(ctx), [
      'generate',
      `--home=${home}`,
      '--no-default-folder',
      '--skip-port-probing',
    ]);
    const gen = await ctx.runner.run(genFile as string, genArgs, {
      timeout: 60_000,
      env: { STNODEFAULTFOLDER: '1', STNOUPGRADE: '1', ...(user ? { HOME: user.home } : {}) },
    });
    if (gen.exitCode !== 0) {
      throw new MeshError(
        `syncthing generate failed: ${gen.stderr.trim().split('\n').pop() ?? ''}`,
        {
          hint: 'check that syncthing is installed (MESH_SYNCTHING_BIN) and the home is writable',
        },
      );
    }
    const xml = await readFile(configPath, 'utf8');
    const edited = privateSyncthingConfig(xml, {
      guiAddress,
      listenAddresses: [listenAddress],
      deviceName: ctx.hostname,
    });
    await writeFile(configPath, edited, { mode: 0o600 });
    changes.push('generated the Syncthing identity and config');
    r.ok(`Syncthing configured (GUI ${guiAddress}, sync port ${ctx.ports.syncthingSync})`);
  }

  // Before Syncthing runs as the user, or it finds the folder unwritable and waits to retry.
  if (user && (await pathExists(folderPath))) await giveToUser(ctx, user, folderPath, changes);
  let st = await connectSyncthing(ctx);
  // With a user, the unit may still say root: ensureService changes it only when it differs.
  // Without one, a Syncthing that answers is left alone, whoever started it.
  if (user || !(await syncthingAnswers(st))) {
    try {
      // systemd drops to the user itself; the supervised keeper runs what it is given, as root.
      const supervised = user && (await serviceManager(ctx)).kind === 'supervised';
      const done = await ensureService(ctx, {
        name: SYNCTHING_SERVICE,
        description: 'Syncthing for the Mesh shared folder',
        exec: [
          ...(supervised ? runAsPrefix(user) : []),
          await findOnPath(syncthingBinary(ctx), ctx.env),
          'serve',
          `--home=${home}`,
          '--no-browser',
          '--no-upgrade',
          `--gui-address=${guiAddress}`,
        ],
        // One process whose restarts (exit 3 after some config changes) the service manager does.
        env: {
          // A system unit has no HOME, and Syncthing cannot start without one.
          HOME: user?.home ?? ctx.paths.home,
          STNOUPGRADE: '1',
          STNODEFAULTFOLDER: '1',
          STMONITORED: 'yes',
          STNORESTART: '1',
          // Syncthing before 1.2x times two SHA-256 packages at every start (about 0.9 s) to
          // pick one; this names the one it picks on CPUs with SHA instructions. Later
          // releases have one package and ignore it.
          STHASHING: 'minio',
        },
        restart: 'always',
        restartSec: 1,
        ...(user && !supervised ? { user: user.name } : {}),
      });
      if (done.started || done.restarted) {
        changes.push(user ? `started Syncthing as ${user.name}` : 'started Syncthing');
      }
    } catch (error) {
      throw toMeshError(error, 'starting Syncthing');
    }
    const wait = r.wait('Waiting for Syncthing to answer');
    const until = Date.now() + 45_000;
    while (!(await syncthingAnswers(st))) {
      if (Date.now() > until) {
        wait.fail();
        throw new MeshError(`Syncthing did not answer on ${guiAddress} within 45s`, {
          kind: 'serviceDown',
          hint: `see the service log (mesh-syncthing.log in ${servicesDir(ctx)})`,
        });
      }
      await sleep(100);
    }
    wait.done();
    st = await connectSyncthing(ctx);
  }
  r.ok(`Syncthing is running on port ${ctx.ports.syncthingGui}`);
  return { st, changes };
}

/**
 * Gives `dir` and everything in it to `user` when the folder itself is not theirs yet: a
 * folder that a Syncthing run by root filled holds root's files, which the user's Syncthing
 * could not change. Ownership is all that changes; no file is moved or removed.
 */
async function giveToUser(
  ctx: MeshContext,
  user: UserAccount,
  dir: string,
  changes: string[],
): Promise<void> {
  const st = await stat(dir);
  if (st.uid === user.uid && st.gid === user.gid) return;
  await runChecked(ctx.runner, 'chown', ['-R', `${user.uid}:${user.gid}`, dir], {
    timeout: 300_000,
    hint: 'run setup as root',
  });
  changes.push(`gave ${dir} to ${user.name}`);
  ctx.reporter.ok(`${dir} now belongs to ${user.name}`);
}

/**
 * Syncthing run by this process's user (root) before `MESH_DEFAULT_USER` named another: its
 * home moves to that user, with its certificate, so the device ID, the folders and the index
 * stay and no peer has to pair again. Syncthing is stopped first so its database is at rest;
 * the old home is copied, not removed.
 */
async function moveSyncthingHome(
  ctx: MeshContext,
  user: UserAccount,
  changes: string[],
): Promise<void> {
  const from = syncthingHomeOf(ctx.paths.home);
  const to = ctx.paths.syncthingHome;
  if (samePath(from, to) || !(await pathExists(path.join(from, 'config.xml')))) return;
  try {
    await (await serviceManager(ctx)).stop(SYNCTHING_SERVICE);
  } catch (error) {
    throw toMeshError(error, 'stopping Syncthing to move it');
  }
  const run = (file: string, args: string[]) =>
    runChecked(ctx.runner, file, args, { timeout: 300_000, hint: 'run setup as root' });
  // The folders above the new home are made by the user, so they stay the user's own.
  const [setpriv, ...drop] = runAsPrefix(user);
  await run(setpriv as string, [...drop, 'mkdir', '-p', path.dirname(to)]);
  await run('cp', ['-a', '--no-target-directory', from, to]);
  await run('chown', ['-R', `${user.uid}:${user.gid}`, to]);
  changes.push(
    `moved Syncthing's home from ${from} to ${to} (device ID kept; ${from} left as it was)`,
  );
  ctx.reporter.ok(`Syncthing's home moved to ${to} for ${user.name}`);
}

async function configureOverRest(
  ctx: MeshContext,
  st: LocalSyncthing,
  listenAddress: string,
  wanted: { id: string; path: string; stignore: boolean; source: FolderSource },
  extraOptions: Record<string, unknown>,
  changes: string[],
): Promise<void> {
  const r = ctx.reporter;
  const c = st.client;
  // Options: the same offline switches as the XML, checked on every run (another tool may
  // have flipped them).
  const options = await c.config.options.get();
  const want: Record<string, unknown> = {
    listenAddresses: [listenAddress],
    globalAnnounceEnabled: false,
    localAnnounceEnabled: false,
    relaysEnabled: false,
    natEnabled: false,
    startBrowser: false,
    urAccepted: -1,
    autoUpgradeIntervalH: 0,
    crashReportingEnabled: false,
    // A peer that was away (a reboot, a cut link) is redialled within seconds, not after
    // Syncthing's default minute: dialling a tailnet address that does not answer costs little.
    reconnectionIntervalS: 5,
    ...extraOptions,
  };
  const patch: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(want)) {
    if (JSON.stringify((options as Record<string, unknown>)[k]) !== JSON.stringify(v)) patch[k] = v;
  }
  if (Object.keys(patch).length > 0) {
    await c.config.options.update(patch);
    changes.push(`Syncthing options: ${Object.keys(patch).join(', ')}`);
    r.ok(`Syncthing options set (${Object.keys(patch).join(', ')})`);
  }

  // Own device name: every instance is named after the kernel hostname otherwise.
  const self = await c.config.devices.get(st.deviceId);
  if (self.name !== ctx.hostname) {
    await c.config.devices.update(st.deviceId, { name: ctx.hostname });
    changes.push(`renamed this Syncthing device to ${ctx.hostname}`);
    r.ok(`This Syncthing device is now named ${ctx.hostname}`);
  }

  // Shared folder and .stignore (only if missing, never overwritten), once the running
  // Syncthing agrees on where the folder is: a refusal must leave no file behind.
  const folderPath = wanted.path;
  const folderId = wanted.id;
  const folders = await c.config.folders.list();
  const folder = folders.find((f) => f.id === folderId);
  if (folder && !samePath(folder.path, folderPath)) {
    throw folderMovedError(folderId, folder.path, folderPath, wanted.source);
  }
  await mkdir(folderPath, { recursive: true });
  const user = ctx.syncthingUser;
  if (user) await giveToUser(ctx, user, folderPath, changes);
  const stignore = path.join(folderPath, '.stignore');
  if (wanted.stignore && !(await pathExists(stignore))) {
    await writeFile(stignore, DEFAULT_STIGNORE);
    if (user) await chown(stignore, user.uid, user.gid);
    changes.push(`created ${stignore}`);
    r.ok(`Created ${stignore}`);
  }
  const { versioning, ...shared } = SHARED_FOLDER_SETTINGS;
  const settings: Partial<FolderConfig> = {
    label: folderId === SHARED_FOLDER_ID ? SHARED_FOLDER_LABEL : folderId,
    ...shared,
    versioning: { type: versioning.type, params: { ...versioning.params } },
  };
  if (!folder) {
    await c.config.folders.add({ id: folderId, path: folderPath, ...settings });
    changes.push(`created folder ${folderId} at ${folderPath}`);
    r.ok(`Shared folder ${folderId} at ${folderPath}`);
  } else {
    const patch: Partial<FolderConfig> = {};
    if (folder.label !== settings.label) patch.label = settings.label as string;
    if (folder.type !== shared.type) patch.type = shared.type;
    if (folder.fsWatcherEnabled !== shared.fsWatcherEnabled)
      patch.fsWatcherEnabled = shared.fsWatcherEnabled;
    if (folder.fsWatcherDelayS !== shared.fsWatcherDelayS)
      patch.fsWatcherDelayS = shared.fsWatcherDelayS;
    if (folder.versioning?.type !== versioning.type)
      patch.versioning = settings.versioning as FolderConfig['versioning'];
    if (Object.keys(patch).length > 0) {
      await c.config.folders.modify(folderId, () => patch);
      changes.push(`folder ${folderId}: ${Object.keys(patch).join(', ')}`);
      r.ok(`Shared folder ${folderId} set again: ${Object.keys(patch).join(', ')}`);
    } else {
      r.ok(`Shared folder ${folderId} already configured`);
    }
  }
}
