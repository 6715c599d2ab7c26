import type { MeshContext } from '../context.js';
import { MeshError } from '../errors.js';
import { findHost } from '../hosts/registry.js';
import { readRemoteStatus } from './remote-json.js';
import { sshRun, sshTarget } from './ssh.js';

export interface RemoteStatus {
  name: string;
  os: string;
  /** What `mesh status --json` printed there, or null when mesh is not installed. */
  status: { healthy: boolean; [k: string]: unknown } | null;
  /** Its exit code: 0 healthy, 3 unhealthy; null when mesh is not installed. */
  exitCode: number | null;
}

/** Logs in and asks the host's own mesh for its status. */
export async function remoteStatus(ctx: MeshContext, name: string): Promise<RemoteStatus> {
  const target = sshTarget(ctx, await findHost(ctx, name));
  const os = (await sshRun(ctx, target, 'uname -s', { timeout: 15_000 })).stdout.trim();
  const found = await sshRun(ctx, target, 'command -v mesh', { timeout: 15_000 });
  if (found.exitCode !== 0) return { name, os, status: null, exitCode: null };
  const r = await sshRun(ctx, target, 'mesh status --json', { timeout: 60_000 });
  const status = readRemoteStatus(r.stdout);
  if (status) return { name, os, status, exitCode: r.exitCode };
  throw new MeshError(`mesh status on ${name} printed no status (exit ${r.exitCode})`, {
    hint: `run it there: ssh ${name} mesh status`,
  });
}
