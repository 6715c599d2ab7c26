import type { PackageManager, Runner, ServiceManager } from '@mesh/platform';
import type { MeshContext } from '../context.js';
import type { ClientStep } from './client-plan.js';

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

/** The `root` option of the platform helpers: absent for the real machine. */
export function rootOption(ctx: MeshContext): { root?: string } {
  return ctx.paths.root === '/' ? {} : { root: ctx.paths.root };
}
