import { stat } from 'node:fs/promises';
import { osName, type ServiceManager, tcpListens, WSL2_SSH_PORT } from '@mesh/platform';
import type { MeshContext } from '../../context.js';
import { serviceManager, servicesDir } from '../../internal/services.js';
import type { MeshStatus, StatusCheck } from './types.js';

/** The services whose logs status points to (Headscale too on the server). */
const LOGGED = ['mesh-tailscaled', 'mesh-syncthing', 'mesh-agent'];

/** A machine whose role is unknown runs on the default ports. */
export function roleCheck(role: string): StatusCheck | undefined {
  if (role !== 'unknown') return undefined;
  return {
    section: 'environment',
    name: 'role',
    level: 'info',
    message: 'Role is unknown: default ports 8384/22000',
    fix: 'set MESH_SERVER_HOSTNAMES / MESH_WSL2_HOSTNAMES / MESH_WINDOWS_HOSTNAMES',
  };
}

/**
 * Where each service logs, for the person who reads the FAIL lines below: journald under
 * systemd, else the supervised services' log files in `servicesDir`.
 */
export function logsCheck(
  manager: ServiceManager['kind'],
  role: string,
  servicesDir: string,
): StatusCheck {
  const names = role === 'server' ? ['headscale', ...LOGGED] : LOGGED;
  return {
    section: 'environment',
    name: 'logs',
    level: 'info',
    message:
      manager === 'systemd'
        ? `Logs: ${names.map((n) => `journalctl -u ${n}`).join(', ')}`
        : `Logs: ${servicesDir}/{${names.map((n) => (n === 'headscale' ? 'mesh-headscale' : n)).join(',')}}.log`,
  };
}

/** WSL2: other machines reach this one over SSH on 2222; the file saying so is not enough. */
export function sshdCheck(listens: boolean): StatusCheck {
  return listens
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
      };
}

/** Syncthing as MESH_DEFAULT_USER can change nothing in a folder that is not theirs. */
export function ownerCheck(
  folder: string,
  folderUid: number,
  user: { name: string; uid: number },
): StatusCheck | undefined {
  if (folderUid === user.uid) return undefined;
  return {
    section: 'environment',
    name: 'owner',
    level: 'fail',
    message: `${folder} does not belong to ${user.name} (MESH_DEFAULT_USER), whose Syncthing cannot write to it`,
    fix: `run setup again: it gives the folder to ${user.name}`,
  };
}

/** This machine: its role, where the logs are, and on WSL2 whether sshd really listens. */
export async function environmentSection(
  ctx: MeshContext,
): Promise<{ checks: StatusCheck[]; env: MeshStatus['environment'] }> {
  const checks: StatusCheck[] = [];
  const add = (c: StatusCheck | undefined) => {
    if (c) checks.push(c);
  };
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
  add(roleCheck(ctx.role));
  const manager = await serviceManager(ctx).catch(() => undefined);
  if (manager) add(logsCheck(manager.kind, ctx.role, servicesDir(ctx)));
  if (ctx.platform.wsl) add(sshdCheck(await tcpListens(WSL2_SSH_PORT)));
  const user = ctx.syncthingUser;
  const folder = user ? await stat(ctx.paths.sharedFolder).catch(() => undefined) : undefined;
  if (user && folder) add(ownerCheck(ctx.paths.sharedFolder, folder.uid, user));
  return { checks, env };
}
