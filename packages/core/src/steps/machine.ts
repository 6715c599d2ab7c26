import { access } from 'node:fs/promises';
import path from 'node:path';
import {
  applyWindowsIntent,
  detectPackageManager,
  detectServiceManager,
  ensureSshdPort,
  ensureWslSystemd,
  type MeshAgentTaskIntent,
  meshAgentTaskAction,
  type PackageManager,
  parseWslList,
  type Runner,
  renderWindowsScript,
  type ServiceManager,
  SSHD_CONFIG_PATH,
  SYNCTHING_TASK_NAME,
  tcpListens,
  WINGET_IDS,
  type WindowsActionResult,
  type WindowsIntent,
  WSL_CONF_PATH,
  WSL2_SSH_PORT,
} from '@mesh/platform';
import type { MeshContext } from '../context.js';
import { MeshError } from '../errors.js';
import { toMeshError } from '../map-error.js';
import { underRoot } from '../paths.js';
import type { ClientStep } from './client-plan.js';
import { windowsSyncthingIntent } from './windows-syncthing.js';

/** Options of the machine steps (installs, WSL2, Windows); all default to this machine. */
export interface MachineStepsOptions {
  /** Installs what is missing. @default detectPackageManager() under `ctx.paths.root` (`sudo -n` when not root) */
  packageManager?: PackageManager;
  /** Restarts sshd on WSL2 when systemd is PID 1. @default detectServiceManager() */
  serviceManager?: ServiceManager;
  /** The sshd binary that checks sshd_config (`sshd -t`). @default '/usr/sbin/sshd' */
  sshdBinary?: string;
  /** Check sshd_config with `sshd -t` before replacing it; `'auto'`: when sshd exists. @default 'auto' */
  validateSshd?: boolean | 'auto';
  /** Runs Windows programs (powershell.exe, wsl.exe). @default ctx.runner */
  windowsRunner?: Runner;
  /** Whether sshd accepts connections on a port. @default a TCP connect to 127.0.0.1 */
  sshdListens?: (port: number) => Promise<boolean>;
}

/** What one machine step found or did. */
export interface MachineStepResult {
  id: ClientStep['id'];
  /** `ok`: already as wanted; `changed`: changed now; `manual`: the user must act (see `manual`). */
  status: 'ok' | 'changed' | 'manual';
  /** One line per change made (also in the result's `changes`). */
  changes: string[];
  /** What the user must do by hand, exactly (`wsl --shutdown` from Windows, restart sshd...). */
  manual?: string[];
  /** Files edited, with their backups. */
  files?: Array<{ path: string; backupPath?: string }>;
}

function rootOption(ctx: MeshContext): { root?: string } {
  return ctx.paths.root === '/' ? {} : { root: ctx.paths.root };
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}

function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

async function onPath(ctx: MeshContext, name: string, explicit: string | undefined) {
  if (explicit) return exists(explicit);
  if (await exists(path.join('/var/cache/mesh/bin', name))) return true;
  // `command -v` through the runner, so a namespaced runner sees the host's PATH.
  const r = await ctx.runner.run('sh', ['-c', `command -v ${name}`], { timeout: 5000 });
  return r.exitCode === 0;
}

/** Which of tailscale, tailscaled, syncthing are missing on this machine. */
export async function missingPrograms(ctx: MeshContext): Promise<string[]> {
  const b = ctx.paths.binaries;
  const checks: Array<[string, string | undefined]> = [
    ['tailscale', b.tailscale],
    ['tailscaled', b.tailscaled],
    ['syncthing', b.syncthing],
  ];
  const missing: string[] = [];
  for (const [name, explicit] of checks)
    if (!(await onPath(ctx, name, explicit))) missing.push(name);
  return missing;
}

/** The package that provides a program, per package manager (tailscaled ships with tailscale). */
export function packageFor(program: string, manager: PackageManager['name']): string {
  const base = program === 'tailscaled' ? 'tailscale' : program;
  if (manager === 'winget') {
    return base === 'tailscale' ? WINGET_IDS.tailscale : WINGET_IDS.syncthing;
  }
  return base;
}

async function packageManagerFor(
  ctx: MeshContext,
  o: MachineStepsOptions,
): Promise<PackageManager> {
  if (o.packageManager) return o.packageManager;
  try {
    return await detectPackageManager({
      ...rootOption(ctx),
      runner: ctx.runner,
      sudo: !isRoot() && ctx.platform.os !== 'windows',
      ...(ctx.platform.os === 'windows' ? { platform: 'win32' as const } : {}),
    });
  } catch (error) {
    throw toMeshError(error, 'no way to install what is missing');
  }
}

/**
 * Installs tailscale and syncthing with this machine's package manager, only when missing (the
 * check runs first; nothing is installed when both are there). Fails with `badInput` when a
 * program is still missing afterwards.
 */
export async function installMissingPrograms(
  ctx: MeshContext,
  o: MachineStepsOptions = {},
): Promise<MachineStepResult> {
  const r = ctx.reporter;
  const missing = await missingPrograms(ctx);
  if (missing.length === 0) {
    r.ok('Tailscale and Syncthing are installed');
    return { id: 'install', status: 'ok', changes: [] };
  }
  r.info(`Missing: ${missing.join(', ')}`);
  const pm = await packageManagerFor(ctx, o).catch((error: unknown) => {
    const e = toMeshError(error);
    throw new MeshError(`missing programs: ${missing.join(', ')} (${e.message})`, {
      kind: 'badInput',
      cause: error,
      hint: 'install them by hand or point MESH_TAILSCALE_BIN/MESH_TAILSCALED_BIN/MESH_SYNCTHING_BIN at them',
    });
  });
  const changes: string[] = [];
  for (const pkg of [...new Set(missing.map((p) => packageFor(p, pm.name)))]) {
    const wait = r.wait(`Installing ${pkg} with ${pm.name}`);
    try {
      const { changed } = await pm.ensure(pkg);
      wait.done();
      if (changed) changes.push(`installed ${pkg} (${pm.name})`);
    } catch (error) {
      wait.fail();
      const e = toMeshError(error, `installing ${pkg} with ${pm.name}`);
      throw new MeshError(e.message, {
        kind: 'failure',
        cause: error,
        hint:
          pkg === 'tailscale' && pm.name !== 'winget'
            ? "add Tailscale's package repository first (https://pkgs.tailscale.com/stable/), or install it by hand"
            : e.hint,
      });
    }
  }
  const still = await missingPrograms(ctx);
  if (still.length > 0) {
    throw new MeshError(`missing programs after installing: ${still.join(', ')}`, {
      kind: 'badInput',
      hint: 'install them by hand or point MESH_TAILSCALE_BIN/MESH_TAILSCALED_BIN/MESH_SYNCTHING_BIN at them',
    });
  }
  r.ok(`Installed ${changes.length > 0 ? changes.join(', ') : missing.join(', ')}`);
  return { id: 'install', status: changes.length > 0 ? 'changed' : 'ok', changes };
}

/**
 * WSL2, step 1: `[boot] systemd=true` in /etc/wsl.conf (every other line kept, backup made).
 * WSL reads the file only when the distro starts, so a change means `wsl --shutdown` from Windows.
 */
export async function ensureWslSystemdStep(ctx: MeshContext): Promise<MachineStepResult> {
  const r = ctx.reporter;
  let conf: Awaited<ReturnType<typeof ensureWslSystemd>>;
  try {
    conf = await ensureWslSystemd(rootOption(ctx));
  } catch (error) {
    throw toMeshError(error, `editing ${WSL_CONF_PATH}`);
  }
  const file = { path: conf.path, ...(conf.backupPath ? { backupPath: conf.backupPath } : {}) };
  const shutdown = `from Windows run: wsl --shutdown, then open ${ctx.platform.wsl?.distro ?? 'the distro'} again (systemd starts with it)`;
  if (conf.changed) {
    r.ok(
      `Enabled systemd in ${WSL_CONF_PATH}${conf.backupPath ? ` (previous file kept as ${path.basename(conf.backupPath)})` : ''}`,
    );
    r.warn(`WSL reads ${WSL_CONF_PATH} only at start: ${shutdown}`);
    return {
      id: 'wsl-systemd',
      status: 'changed',
      changes: [`enabled systemd in ${WSL_CONF_PATH}`],
      manual: [shutdown],
      files: [file],
    };
  }
  if (!ctx.platform.systemd) {
    r.warn(`${WSL_CONF_PATH} enables systemd but systemd is not PID 1 yet: ${shutdown}`);
    return { id: 'wsl-systemd', status: 'manual', changes: [], manual: [shutdown], files: [file] };
  }
  r.ok('systemd is enabled and running (PID 1)');
  return { id: 'wsl-systemd', status: 'ok', changes: [], files: [file] };
}

/** The sshd unit name of a distro: `ssh` on Debian/Ubuntu, `sshd` elsewhere. */
function sshdUnit(ctx: MeshContext): string {
  const d = ctx.platform.distro;
  if (!d) return 'ssh';
  return d.id === 'debian' || d.id === 'ubuntu' || d.idLike.includes('debian') ? 'ssh' : 'sshd';
}

/**
 * WSL2, step 2: sshd on port 2222 (Windows' own sshd owns 22 on the same machine), checked with
 * `sshd -t` before it replaces the file; sshd restarted through the service manager when systemd
 * is PID 1, else the exact command to run is reported.
 */
export async function ensureWslSshdStep(
  ctx: MeshContext,
  o: MachineStepsOptions = {},
): Promise<MachineStepResult> {
  const r = ctx.reporter;
  const configFile = underRoot(ctx.paths.root, SSHD_CONFIG_PATH);
  const changes: string[] = [];
  if (!(await exists(configFile))) {
    // WSL2 is reached over SSH on 2222: install openssh-server, only when it is missing.
    const pm = await packageManagerFor(ctx, o).catch(() => undefined);
    if (!pm) {
      const todo = 'install openssh-server, then run mesh client setup again';
      r.warn(`OpenSSH server is not installed (no ${SSHD_CONFIG_PATH}): ${todo}`);
      return { id: 'wsl-sshd', status: 'manual', changes: [], manual: [todo] };
    }
    const wait = r.wait(`Installing openssh-server with ${pm.name}`);
    try {
      if ((await pm.ensure('openssh-server')).changed)
        changes.push(`installed openssh-server (${pm.name})`);
      wait.done();
    } catch (error) {
      wait.fail();
      throw toMeshError(error, 'installing openssh-server');
    }
  }
  let res: Awaited<ReturnType<typeof ensureSshdPort>>;
  try {
    res = await ensureSshdPort({
      ...rootOption(ctx),
      port: WSL2_SSH_PORT,
      runner: ctx.runner,
      validate: o.validateSshd ?? 'auto',
      ...(o.sshdBinary ? { sshdBinary: o.sshdBinary } : {}),
    });
  } catch (error) {
    throw toMeshError(error, `setting Port ${WSL2_SSH_PORT} in ${SSHD_CONFIG_PATH}`);
  }
  for (const w of res.warnings) r.warn(`sshd: ${w}`);
  const file = { path: res.path, ...(res.backupPath ? { backupPath: res.backupPath } : {}) };
  // The file may say 2222 while sshd, never restarted, still listens on its old port.
  const listening = res.changed || (await (o.sshdListens ?? tcpListens)(WSL2_SSH_PORT));
  if (!res.changed && listening) {
    r.ok(`sshd already listens on port ${WSL2_SSH_PORT}`);
    return {
      id: 'wsl-sshd',
      status: changes.length > 0 ? 'changed' : 'ok',
      changes,
      files: [file],
    };
  }
  if (res.changed) {
    changes.push(`set Port ${WSL2_SSH_PORT} in ${SSHD_CONFIG_PATH}`);
    r.ok(
      `sshd set to port ${WSL2_SSH_PORT} in ${SSHD_CONFIG_PATH}${res.validated ? ' (checked with sshd -t)' : ''}`,
    );
  } else r.warn(`${SSHD_CONFIG_PATH} says port ${WSL2_SSH_PORT}, but nothing listens there`);
  const unit = sshdUnit(ctx);
  if (!ctx.platform.systemd) {
    const todo = `restart sshd for port ${WSL2_SSH_PORT}: sudo service ${unit} restart (or enable systemd and run wsl --shutdown from Windows)`;
    r.warn(`systemd is not PID 1, so Mesh did not restart sshd: ${todo}`);
    return { id: 'wsl-sshd', status: 'changed', changes, manual: [todo], files: [file] };
  }
  try {
    const sm =
      o.serviceManager ??
      (await detectServiceManager({
        stateDir: ctx.paths.stateDir,
        runner: ctx.runner,
        ...rootOption(ctx),
      }));
    await sm.restart(unit);
  } catch (error) {
    throw toMeshError(error, `restarting ${unit}`);
  }
  changes.push(`restarted ${unit}`);
  r.ok(`Restarted ${unit}: sshd listens on port ${WSL2_SSH_PORT}`);
  return { id: 'wsl-sshd', status: 'changed', changes, files: [file] };
}

export interface WindowsIntentOptions {
  /** Headscale URL for Tailscale's `LoginURL`. */
  serverUrl: string;
  /** WSL distro the `Start WSL2` task starts; no task without one. */
  distro?: string | undefined;
  /** The command of the `Mesh Agent` logon task (see {@link windowsAgentCommand}); no task without one. */
  agent?: MeshAgentTaskIntent | undefined;
  /** winget installs (the script does them; native setup installs in its `install` step). @default false */
  install?: boolean;
  /**
   * Syncthing (private config, shared folder, `.stignore`, logon task); the script does it, native
   * setup runs `ensureSyncthing` instead. @default false
   */
  syncthing?: boolean;
  /** The shared folder on Windows (`MESH_SHARED_FOLDER_WINDOWS`). @default 'C:\\shared' */
  sharedFolder?: string | undefined;
  /**
   * Add the `AuthKey` registry step. The value never enters the script or argv: the script reads
   * `-AuthKey`/`MESH_TAILSCALE_AUTHKEY` at run time. @default false
   */
  authKeyStep?: boolean;
}

/**
 * What Mesh wants on the Windows side: the firewall rules, tasks and Tailscale
 * values, and (for the script) Syncthing configured like the Linux roles.
 */
export function meshWindowsIntent(o: WindowsIntentOptions): WindowsIntent {
  return {
    ...(o.install ? { install: [WINGET_IDS.tailscale, WINGET_IDS.syncthing] } : {}),
    firewall: true,
    ...(o.syncthing ? { syncthing: windowsSyncthingIntent(o.sharedFolder) } : {}),
    ...(o.distro ? { wslAutoStart: { distro: o.distro } } : {}),
    ...(o.agent ? { agent: o.agent } : {}),
    tailscale: {
      loginUrl: o.serverUrl,
      // A placeholder only marks the step: renderWindowsScript never writes the value.
      ...(o.authKeyStep ? { authKey: '' } : {}),
    },
  };
}

/** The reviewable, idempotent PowerShell script for the Windows side of this mesh (CRLF). */
export function windowsSetupScript(o: WindowsIntentOptions): string {
  return renderWindowsScript(
    meshWindowsIntent({ install: true, syncthing: true, authKeyStep: true, ...o }),
  );
}

/** Where the Node.js installer puts node.exe on Windows. */
export const WINDOWS_NODE_PATH = 'C:\\Program Files\\nodejs\\node.exe';

/**
 * The command of the Windows `Mesh Agent` task (`mesh windows script --agent PATH [--node PATH]`):
 * a single-file `mesh.exe` runs alone, a `mesh.js` runs under node.exe. Throws a `badInput`
 * {@link MeshError} for a path the task could not run.
 */
export function windowsAgentCommand(mesh: string, node?: string): MeshAgentTaskIntent {
  const hint =
    'give the Windows path of mesh.exe or mesh.js, e.g. --agent C:\\Users\\me\\AppData\\Roaming\\npm\\node_modules\\@mesh\\cli\\dist\\mesh.js';
  const js = /\.[cm]?js$/i.test(mesh);
  if (!/^[A-Za-z]:\\[^\\]/.test(mesh)) {
    throw new MeshError(`--agent must be an absolute Windows path: ${JSON.stringify(mesh)}`, {
      kind: 'badInput',
      hint: `${hint} (from WSL2, wslpath -w PATH gives it)`,
    });
  }
  if (!js && !/\.exe$/i.test(mesh)) {
    throw new MeshError(`--agent must name mesh.exe or mesh.js: ${JSON.stringify(mesh)}`, {
      kind: 'badInput',
      hint,
    });
  }
  if (!js && node !== undefined) {
    throw new MeshError('--node is for a mesh.js agent: mesh.exe runs without Node.js', {
      kind: 'badInput',
      hint: 'drop --node, or pass the path of mesh.js to --agent',
    });
  }
  const command = js
    ? { program: node ?? WINDOWS_NODE_PATH, args: [mesh, 'agent', 'run'] }
    : { program: mesh, args: ['agent', 'run'] };
  try {
    meshAgentTaskAction(command);
  } catch (error) {
    const variable = (error as { variable?: unknown }).variable;
    if ((error as Error).name !== 'PlatformConfigError' || typeof variable !== 'string') {
      throw toMeshError(error, 'the Mesh Agent task');
    }
    const flag = js && variable === 'agent.program' ? '--node' : '--agent';
    const reason = (error as Error).message.slice(variable.length + 2);
    throw new MeshError(`${flag}: ${reason}`, {
      kind: 'badInput',
      hint:
        flag === '--node' ? `give the absolute path of node.exe, e.g. ${WINDOWS_NODE_PATH}` : hint,
      cause: error,
    });
  }
  return command;
}

function windowsStepOf(actionId: string): ClientStep['id'] {
  if (actionId.startsWith('firewall:')) return 'windows-firewall';
  if (actionId.startsWith('syncthing:') || actionId === `task:${SYNCTHING_TASK_NAME}`) {
    return 'syncthing';
  }
  if (actionId.startsWith('task:')) return 'windows-wsl-autostart';
  return 'windows-tailscale';
}

async function firstWslDistro(runner: Runner): Promise<string | undefined> {
  const r = await runner.run('wsl.exe', ['-l', '-q'], { timeout: 30_000 }).catch(() => undefined);
  return r?.exitCode === 0 ? parseWslList(r.stdout)[0] : undefined;
}

/**
 * Windows (native): firewall rules, the `Start WSL2` logon task (when a distro is installed) and
 * Tailscale's registry values and tailscaled-env.txt for this server, each checked first and
 * changed only when it differs. Needs an elevated session to change anything.
 */
export async function ensureWindowsSteps(
  ctx: MeshContext,
  serverUrl: string,
  o: MachineStepsOptions = {},
): Promise<MachineStepResult[]> {
  const r = ctx.reporter;
  const runner = o.windowsRunner ?? ctx.runner;
  const distro = await firstWslDistro(runner);
  if (!distro) r.info('No WSL distro installed: no Start WSL2 task');
  let results: WindowsActionResult[];
  try {
    results = await applyWindowsIntent(meshWindowsIntent({ serverUrl, distro }), { runner });
  } catch (error) {
    throw toMeshError(error, 'Windows setup');
  }
  const byStep = new Map<ClientStep['id'], MachineStepResult>();
  for (const a of results) {
    const id = windowsStepOf(a.id);
    const step = byStep.get(id) ?? { id, status: 'ok', changes: [] };
    if (a.status === 'changed') {
      step.status = 'changed';
      step.changes.push(`Windows: ${a.description}`);
      r.ok(`Changed: ${a.description}`);
    } else {
      r.ok(`${a.description} (already)`);
    }
    byStep.set(id, step);
  }
  return [...byStep.values()];
}

/**
 * From WSL2, the Windows side needs an elevated session Mesh must not open by itself: report the
 * command that prints the reviewable script, and that `--elevate` runs it through UAC.
 */
export function windowsHandOff(ctx: MeshContext): MachineStepResult {
  const todo =
    'Windows side (Syncthing and the shared folder, firewall rules, Start WSL2 task, Tailscale): review `mesh windows script --out setup-mesh.ps1` and run it from an elevated PowerShell' +
    (ctx.platform.wsl?.interop ? ', or run `mesh windows script --elevate` (UAC prompt)' : '');
  ctx.reporter.warn(`Manual step: ${todo}`);
  return { id: 'windows-script', status: 'manual', changes: [], manual: [todo] };
}

const MACHINE_STEPS: ReadonlySet<ClientStep['id']> = new Set<ClientStep['id']>([
  'install',
  'wsl-systemd',
  'wsl-sshd',
  'windows-firewall',
  'windows-wsl-autostart',
  'windows-tailscale',
  'windows-script',
]);

/** Whether a plan step is done here (installs, WSL2, Windows) rather than by Tailscale/Syncthing code. */
export function isMachineStep(id: ClientStep['id']): boolean {
  return MACHINE_STEPS.has(id);
}

/**
 * Runs one machine step of a {@link clientSetupPlan}. The three Windows steps are one
 * `applyWindowsIntent` call: the first of them runs it, the others return nothing more.
 */
export async function runMachineStep(
  ctx: MeshContext,
  step: ClientStep,
  serverUrl: string,
  o: MachineStepsOptions & { windowsDone?: { value: boolean } } = {},
): Promise<MachineStepResult[]> {
  switch (step.id) {
    case 'install':
      return [await installMissingPrograms(ctx, o)];
    case 'wsl-systemd':
      return [await ensureWslSystemdStep(ctx)];
    case 'wsl-sshd':
      return [await ensureWslSshdStep(ctx, o)];
    case 'windows-firewall':
    case 'windows-wsl-autostart':
    case 'windows-tailscale': {
      if (o.windowsDone?.value) return [];
      if (o.windowsDone) o.windowsDone.value = true;
      return ensureWindowsSteps(ctx, serverUrl, o);
    }
    case 'windows-script':
      return [windowsHandOff(ctx)];
    default:
      return [];
  }
}

/** Runs the machine steps of a plan in order (what `mesh client setup` does between its other steps). */
export async function runMachineSteps(
  ctx: MeshContext,
  steps: readonly ClientStep[],
  serverUrl: string,
  o: MachineStepsOptions = {},
): Promise<MachineStepResult[]> {
  const windowsDone = { value: false };
  const results: MachineStepResult[] = [];
  for (const step of steps) {
    if (isMachineStep(step.id))
      results.push(...(await runMachineStep(ctx, step, serverUrl, { ...o, windowsDone })));
  }
  return results;
}
