import { createRunner, type Runner } from './runner.js';

/**
 * The prefix that runs a daemon through passwordless sudo (`-n`: fail rather than prompt), as on
 * a GitHub-hosted runner (non-root, passwordless sudo). Pass it to {@link createRunner}.
 */
export const SUDO_PREFIX = ['sudo', '-n'] as const;

/**
 * How this machine may run tailscaled: as root already (e.g. a container job), unprivileged
 * (userspace networking needs no root, so it is not escalated even when sudo works), behind
 * `sudo -n` (e.g. GitHub-hosted runners), or not at all (`problem` says what is needed).
 */
export type DaemonPrivilege =
  | { kind: 'root' }
  | { kind: 'userspace' }
  | { kind: 'sudo'; prefix: readonly string[] }
  | { kind: 'none'; problem: string };

/**
 * Decides {@link DaemonPrivilege}. Pure: the caller probes sudo (only when it matters, e.g. with
 * {@link sudoWorks}). The `none` problem is worded for a CI job (its only caller today, the
 * Action, prints it as is).
 */
export function decidePrivilege(o: {
  isRoot: boolean;
  userspace: boolean;
  sudo: boolean;
}): DaemonPrivilege {
  if (o.isRoot) return { kind: 'root' };
  if (o.userspace) return { kind: 'userspace' };
  if (o.sudo) return { kind: 'sudo', prefix: SUDO_PREFIX };
  return {
    kind: 'none',
    problem:
      'tailscaled needs root for a TUN device: run the job as root (e.g. a container job), give the runner passwordless sudo (`sudo -n true` failed), or set userspace: true',
  };
}

/** Whether `sudo -n true` succeeds (passwordless sudo); false when sudo is missing too. */
export async function sudoWorks(runner: Runner = createRunner()): Promise<boolean> {
  try {
    return (
      (await runner.run(SUDO_PREFIX[0], [...SUDO_PREFIX.slice(1), 'true'], { timeout: 10_000 }))
        .exitCode === 0
    );
  } catch {
    return false;
  }
}
