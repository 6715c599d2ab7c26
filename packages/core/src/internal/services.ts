import path from 'node:path';
import {
  detectServiceManager,
  type Runner,
  type ServiceManager,
  type ServiceSpec,
} from '@mesh/platform';
import type { MeshContext } from '../context.js';

/** Where the supervised fallback keeps specs, pid files and logs. */
export function servicesDir(ctx: MeshContext): string {
  return path.join(ctx.paths.stateDir, 'services');
}

/**
 * The service manager of this machine (`@mesh/platform`): systemd when it is PID 1, Windows
 * tasks on Windows, else the supervised-process fallback (a detached supervisor that restarts
 * the program). Under MESH_ROOT (the lab) systemd is looked for under that root, so never used.
 */
export function serviceManager(
  ctx: MeshContext,
  o: { privileged?: boolean } = {},
): Promise<ServiceManager> {
  return detectServiceManager({
    stateDir: servicesDir(ctx),
    runner: o.privileged ? privilegedRunner(ctx) : ctx.runner,
    ...(ctx.paths.root === '/' ? {} : { root: ctx.paths.root }),
  });
}

/**
 * `ctx.runner` with `ctx.daemonPrefix` (e.g. `sudo -n`) after its own prefix: what starts a
 * daemon that needs root, and what signals it when this process may not (see
 * `MeshContextOptions.daemonPrefix`). `ctx.runner` itself when there is no prefix.
 */
export function privilegedRunner(ctx: MeshContext): Runner {
  const extra = ctx.daemonPrefix ?? [];
  const [first, ...rest] = extra;
  if (first === undefined) return ctx.runner;
  const base = ctx.runner;
  return {
    prefix: [...base.prefix, ...extra],
    run: (file, args, options) => base.run(first, [...rest, file, ...args], options),
  };
}

/**
 * Installs `spec` and makes sure it runs; restarts it when the spec changed while it ran.
 * Returns what it did, for the command's change list.
 */
export async function ensureService(
  ctx: MeshContext,
  spec: ServiceSpec,
  o: { privileged?: boolean } = {},
): Promise<{ installed: boolean; started: boolean; restarted: boolean }> {
  const sm = await serviceManager(ctx, o);
  const installed = (await sm.install(spec)).changed;
  const before = await sm.status(spec.name);
  if (!before.enabled) await sm.enable(spec.name);
  if (before.active && installed) {
    await sm.restart(spec.name);
    return { installed, started: false, restarted: true };
  }
  if (!before.active) {
    await sm.start(spec.name);
    return { installed, started: true, restarted: false };
  }
  return { installed, started: false, restarted: false };
}
