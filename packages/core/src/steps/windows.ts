import {
  applyWindowsIntent,
  type MeshAgentTaskIntent,
  meshAgentTaskAction,
  parseWslList,
  type Runner,
  renderWindowsScript,
  SYNCTHING_TASK_NAME,
  WINGET_IDS,
  type WindowsActionResult,
  type WindowsIntent,
} from '@mesh/platform';
import type { MeshContext } from '../context.js';
import { MeshError } from '../errors.js';
import { toMeshError } from '../map-error.js';
import type { ClientStep } from './client-plan.js';
import type { MachineStepResult, MachineStepsOptions } from './machine-step.js';
import { windowsSyncthingIntent } from './windows-syncthing.js';

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
    'give the Windows path of mesh.exe or mesh.js, e.g. --agent C:\\Users\\me\\AppData\\Roaming\\npm\\node_modules\\@mesh\\cli\\bin\\mesh.cjs';
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

/** The plan step a Windows action is reported under, by the action's id (`firewall:…`, `task:…`…). */
export function windowsStepOf(actionId: string): ClientStep['id'] {
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
