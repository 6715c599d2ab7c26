import { stat } from 'node:fs/promises';
import { osName, tcpListens, WSL2_SSH_PORT } from '@mesh/platform';
import type { MeshContext } from '../../context.js';
import { serviceManager, servicesDir } from '../../internal/services.js';
import type { MeshStatus, StatusCheck } from './types.js';

/** The services whose logs status points to (Headscale too on the server). */
const LOGGED = ['mesh-tailscaled', 'mesh-syncthing', 'mesh-agent'];

/** This machine: its role, where the logs are, and on WSL2 whether sshd really listens. */
export async function environmentSection(
  ctx: MeshContext,
): Promise<{ checks: StatusCheck[]; env: MeshStatus['environment'] }> {
  const checks: StatusCheck[] = [];
  const add = (c: StatusCheck) => checks.push(c);
  const distro = ctx.platform.distro;
  const env = {
    hostname: ctx.hostname,
    osType: ctx.platform.osType,
    osName: osName(ctx.platform),
    distro: distro && {
      id: distro.id,
      versionId: distro.versionId,
      prettyName: distro.prettyName,
    },
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
  // Syncthing as MESH_DEFAULT_USER can change nothing in a folder that is not theirs.
  const user = ctx.syncthingUser;
  const folder = user ? await stat(ctx.paths.sharedFolder).catch(() => undefined) : undefined;
  if (user && folder && folder.uid !== user.uid) {
    add({
      section: 'environment',
      name: 'owner',
      level: 'fail',
      message: `${ctx.paths.sharedFolder} does not belong to ${user.name} (MESH_DEFAULT_USER), whose Syncthing cannot write to it`,
      fix: `run setup again: it gives the folder to ${user.name}`,
    });
  }
  return { checks, env };
}
