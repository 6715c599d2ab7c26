import path from 'node:path';
import { ensureWslSystemd, WSL_CONF_PATH } from '@mesh/platform';
import type { MeshContext } from '../context.js';
import { toMeshError } from '../map-error.js';
import { type MachineStepResult, rootOption } from './machine-step.js';

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
