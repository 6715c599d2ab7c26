/** `headscale serve` as a service spec, and its hardened systemd unit. */

import { dirname, isAbsolute } from 'node:path';
import { renderSystemdUnit, type ServiceSpec } from '@mesh/platform';
import { HeadscaleConfigError } from '../errors.js';

/** Options of {@link renderHeadscaleUnit}. */
export interface HeadscaleUnitOptions {
  /** Absolute path of the headscale binary. */
  binary: string;
  /** Absolute path of the config file. */
  configPath: string;
  /** State directory (writable for the service). */
  stateDir: string;
  /** Run as this user. @default 'root' is avoided: 'headscale' */
  user?: string;
  /** @default same as user */
  group?: string;
  /** @default 'Headscale control server (Mesh)' */
  description?: string;
  /** Directory of the unix socket if outside stateDir (made writable too). */
  socketDir?: string;
}

/** Options of {@link headscaleServiceSpec}: the unit options plus the service's name and restarts. */
export interface HeadscaleServiceSpecOptions extends HeadscaleUnitOptions {
  /** Service / unit name. @default 'headscale' */
  name?: string;
  /** @default 'always' */
  restart?: 'always' | 'on-failure' | 'no';
}

/**
 * `headscale -c CONFIG serve` as a `@mesh/platform` service spec: update checks off, working
 * directory the state dir, SIGHUP reloads (the policy), and for systemd a sandbox that may only
 * write the state (and socket) directory. Paths must be absolute (systemd requires it).
 */
export function headscaleServiceSpec(o: HeadscaleServiceSpecOptions): ServiceSpec {
  for (const [k, v] of Object.entries({
    binary: o.binary,
    configPath: o.configPath,
    stateDir: o.stateDir,
  })) {
    if (!isAbsolute(v))
      throw new HeadscaleConfigError(
        `${k} must be absolute for a systemd unit, got ${JSON.stringify(v)}`,
      );
  }
  const user = o.user ?? 'headscale';
  // A socket under /run goes in a runtime directory systemd recreates at every start.
  const runtime = o.socketDir ? /^\/(?:var\/)?run\/([^/]+)$/.exec(o.socketDir)?.[1] : undefined;
  return {
    name: o.name ?? 'headscale',
    description: o.description ?? 'Headscale control server (Mesh)',
    exec: [o.binary, '-c', o.configPath, 'serve'],
    env: { HEADSCALE_DISABLE_CHECK_UPDATES: 'true' },
    workingDirectory: o.stateDir,
    user,
    group: o.group ?? user,
    readable: [dirname(o.configPath), o.configPath],
    reloadSignal: 'HUP',
    restart: o.restart ?? 'always',
    restartSec: 5,
    after: ['network-online.target'],
    hardening: {
      readWritePaths: [o.stateDir, ...(o.socketDir && !runtime ? [o.socketDir] : [])],
      ...(runtime ? { runtimeDirectory: runtime } : {}),
      capabilities: ['CAP_NET_BIND_SERVICE'],
    },
  };
}

/** Renders the system unit text of {@link headscaleServiceSpec} (`@mesh/platform`'s renderer). */
export function renderHeadscaleUnit(o: HeadscaleUnitOptions): string {
  return renderSystemdUnit(headscaleServiceSpec(o), 'system');
}
