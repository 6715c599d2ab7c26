import type { RunResult } from '@mesh/platform';
import type { MeshContext } from '../context.js';
import { MeshError } from '../errors.js';
import type { HostEntry } from '../hosts/registry.js';

/** Where and as whom ssh logs in. */
export interface SshTarget {
  name: string;
  user: string;
  ip: string;
  port: number;
}

/** The registry entry as an SSH target, its user defaulting to `MESH_DEFAULT_USER`. */
export function sshTarget(ctx: MeshContext, host: HostEntry): SshTarget {
  return {
    name: host.name,
    user: host.user ?? ctx.settings.defaultUser,
    ip: host.ip,
    port: host.port,
  };
}

/**
 * ssh's options for a program, never a person: no prompt (batch mode), a bounded connect, and a
 * host key learnt on first contact but checked on every later one.
 */
export function sshArgs(target: SshTarget, command: string): string[] {
  return [
    '-o',
    'BatchMode=yes',
    '-o',
    'ConnectTimeout=10',
    '-o',
    'StrictHostKeyChecking=accept-new',
    '-p',
    String(target.port),
    `${target.user}@${target.ip}`,
    '--',
    command,
  ];
}

export interface SshRunOptions {
  /** Written to the remote command's standard input: how a secret travels (never argv). */
  input?: string;
  /** A file streamed to the remote command's standard input. */
  inputFile?: string;
  /** @default 120000 */
  timeout?: number;
}

/** Runs `command` on the host with the system ssh; exit 255 (ssh's own failure) throws. */
export async function sshRun(
  ctx: MeshContext,
  target: SshTarget,
  command: string,
  o: SshRunOptions = {},
): Promise<RunResult> {
  const r = await ctx.runner.run('ssh', sshArgs(target, command), {
    timeout: o.timeout ?? 120_000,
    ...(o.input === undefined ? {} : { input: o.input }),
    ...(o.inputFile === undefined ? {} : { inputFile: o.inputFile }),
  });
  if (r.exitCode === 255 || r.timedOut) throw sshFailure(target, r);
  return r;
}

/** The one line for what ssh said when it could not run the command. */
export function sshFailure(
  target: SshTarget,
  r: Pick<RunResult, 'stderr' | 'timedOut'>,
): MeshError {
  const where = `${target.user}@${target.ip} port ${target.port} (${target.name})`;
  const said = r.stderr;
  const kind = 'hostUnreachable' as const;
  if (/REMOTE HOST IDENTIFICATION HAS CHANGED|Host key verification failed/i.test(said)) {
    return new MeshError(`SSH to ${where}: the host key is not the one known for it`, {
      kind,
      hint: `if the machine was reinstalled, remove its old key with ssh-keygen -R ${target.ip}; otherwise do not connect`,
    });
  }
  if (/Connection refused/i.test(said)) {
    return new MeshError(`SSH to ${where}: connection refused`, {
      kind,
      hint: `check that sshd runs there on port ${target.port} (mesh host add ${target.name} --port PORT to change it)`,
    });
  }
  if (/Permission denied/i.test(said)) {
    return new MeshError(`SSH to ${where}: the key was refused`, {
      kind,
      hint: `add your public key to ~${target.user}/.ssh/authorized_keys there (mesh ssh add-key on that machine)`,
    });
  }
  if (
    r.timedOut ||
    /timed out|No route to host|Network is unreachable|Could not resolve/i.test(said)
  ) {
    return new MeshError(`SSH to ${where}: no answer`, {
      kind,
      hint: 'check that the machine is on and the address is right (mesh host list)',
    });
  }
  const last = said.trim().split('\n').pop() || 'ssh failed';
  return new MeshError(`SSH to ${where}: ${last}`, {
    kind,
    hint: 'run the same ssh by hand to see why',
  });
}
