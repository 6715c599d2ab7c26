import {
  detectServiceManager,
  ensureSshdPort,
  type PlatformInfo,
  pathExists,
  SSHD_CONFIG_PATH,
  tcpListens,
  WSL2_SSH_PORT,
} from '@mesh/platform';
import type { MeshContext } from '../context.js';
import { toMeshError } from '../map-error.js';
import { underRoot } from '../paths.js';
import { packageManagerFor } from './install.js';
import { type MachineStepResult, type MachineStepsOptions, rootOption } from './machine-step.js';

/** The sshd unit name of a distro: `ssh` on Debian/Ubuntu, `sshd` elsewhere. */
export function sshdUnit(distro: PlatformInfo['distro']): string {
  if (!distro) return 'ssh';
  return distro.id === 'debian' || distro.id === 'ubuntu' || distro.idLike.includes('debian')
    ? 'ssh'
    : 'sshd';
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
  if (!(await pathExists(configFile))) {
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
  const unit = sshdUnit(ctx.platform.distro);
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
