import type { MeshContext } from '../context.js';
import type { ClientStep } from './client-plan.js';
import { installMissingPrograms } from './install.js';
import type { MachineStepResult, MachineStepsOptions } from './machine-step.js';
import { ensureWslSshdStep } from './sshd.js';
import { ensureWindowsSteps, windowsHandOff } from './windows.js';
import { ensureWslSystemdStep } from './wsl-conf.js';

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
