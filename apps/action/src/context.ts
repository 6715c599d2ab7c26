import { join } from 'node:path';
import type { MeshContextOptions, Reporter } from '@mesh/core';
import type { ActionProtocol } from './protocol.js';

/** What is needed to rebuild the same core context in main and in post. */
export interface ContextSpec {
  stateDir: string;
  hostname: string;
  userspace: boolean;
  binaries: { tailscale?: string; tailscaled?: string; syncthing?: string };
  /** `sudo -n` when tailscaled must be started (and stopped) through sudo; else absent. */
  daemonPrefix?: readonly string[];
}

/**
 * Core's context for this job: every path core uses (tailscaled state and socket, pid files,
 * logs, Syncthing home) is moved under the job's state dir through core's own environment
 * variables, so one `rm -r` of that dir in post removes all of it and nothing touches the
 * runner's real /var/lib or $HOME. `INPUT_*` and `STATE_*` never reach core or its daemons.
 */
export function contextOptions(
  spec: ContextSpec,
  parentEnv: NodeJS.ProcessEnv,
  extra: { signal?: AbortSignal; reporter?: Reporter } = {},
): MeshContextOptions {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(parentEnv)) {
    if (!k.startsWith('INPUT_') && !k.startsWith('STATE_')) env[k] = v;
  }
  const d = spec.stateDir;
  Object.assign(env, {
    MESH_ROOT: d,
    HOME: join(d, 'home'),
    XDG_CONFIG_HOME: join(d, 'config'),
    XDG_STATE_HOME: join(d, 'state'),
    MESH_TAILSCALE_SOCKET: join(d, 'tailscaled.sock'),
    MESH_SYNCTHING_HOME: join(d, 'syncthing'),
    MESH_HOSTNAME: spec.hostname,
    // A CI runner is a plain client of the mesh.
    MESH_ROLE: 'unknown',
    ...(spec.userspace ? { MESH_TAILSCALE_TUN: 'userspace-networking' } : {}),
    ...(spec.binaries.tailscale ? { MESH_TAILSCALE_BIN: spec.binaries.tailscale } : {}),
    ...(spec.binaries.tailscaled ? { MESH_TAILSCALED_BIN: spec.binaries.tailscaled } : {}),
    ...(spec.binaries.syncthing ? { MESH_SYNCTHING_BIN: spec.binaries.syncthing } : {}),
  });
  return {
    env,
    hostname: spec.hostname,
    ...(spec.daemonPrefix && spec.daemonPrefix.length > 0
      ? { daemonPrefix: spec.daemonPrefix }
      : {}),
    ...extra,
  };
}

/** Core's progress lines, printed through the protocol (so secrets are redacted). */
export function actionReporter(proto: ActionProtocol): Reporter {
  return {
    info: (m) => proto.info(m),
    ok: (m) => proto.info(m),
    warn: (m) => proto.warning(m),
    wait(m) {
      proto.info(`${m} ...`);
      return {
        done: (d) => proto.info(`${m}: ${d ?? 'done'}`),
        fail: (d) => proto.info(`${m}: failed${d ? ` (${d})` : ''}`),
      };
    },
  };
}
