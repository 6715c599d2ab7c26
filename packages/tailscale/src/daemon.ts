import { join } from 'node:path';
import { resolveBinary } from './binaries.js';

/** How to start one self-hosted, offline `tailscaled`. */
export interface TailscaledLaunchOptions {
  /** Absolute directory for state, certs and the logs dir. Each instance needs its own. */
  stateDir: string;
  /** LocalAPI unix socket. @default `${stateDir}/tailscaled.sock` */
  socketPath?: string;
  /** TUN device name, or `'userspace-networking'` (no TUN, no root). @default 'tailscale0' */
  tun?: string;
  /** WireGuard/disco UDP port; `0` picks one at random. @default 41641 */
  port?: number;
  /** tailscaled binary. @default option → `MESH_TAILSCALED_BIN` → /var/cache/mesh/bin → PATH */
  binary?: string;
  /** `--verbose` level; omitted when undefined. */
  verbose?: number;
  /**
   * Dial DERP over plain HTTP (`TS_DEBUG_USE_DERP_HTTP=1`), for Headscale's embedded DERP on an
   * `http://` server URL without TLS. @default false
   */
  derpOverHttp?: boolean;
  /** Extra environment, merged last (may override the defaults below). */
  env?: Record<string, string>;
}

/** A ready-to-spawn tailscaled command line. */
export interface TailscaledLaunch {
  file: string;
  args: string[];
  /**
   * The variables Mesh sets; merge them over the parent environment when spawning
   * (`{ ...process.env, ...launch.env }`). Never contains secrets.
   */
  env: Record<string, string>;
  /**
   * Directories that must exist before spawning (create them 0700, `recursive: true`):
   * `stateDir` and `TS_LOGS_DIR`. tailscaled ignores `TS_LOGS_DIR` unless it already exists and
   * then falls back to /var/lib/tailscale, which would mix instances' log configs.
   */
  dirs: string[];
}

/** Linux default WireGuard port; fixed rather than random so firewall rules can name it. */
export const DEFAULT_TAILSCALED_PORT = 41641;

/**
 * Does this tailscaled support `--syspolicy-file`? It appeared in v1.102; the pinned v1.98.10
 * rejects unknown flags (checked with `tailscaled --help`), so it is off until the pin moves.
 */
const SUPPORTS_SYSPOLICY_FILE = false;

/**
 * Builds the command line for a tailscaled that never talks to Tailscale's servers: log upload
 * off (`--no-logs-no-support` and `TS_NO_LOGS_NO_SUPPORT`), a panic if anything points it at
 * the default control plane, no port mapping (UPnP/NAT-PMP/PCP probes of the gateway), and
 * its own socket, state and logs directory so many instances can share one host.
 *
 * Pure: creates nothing. The caller creates {@link TailscaledLaunch.dirs} and spawns.
 *
 * @example
 * ```ts
 * const l = tailscaledLaunch({ stateDir: '/run/mesh/n1', tun: 'userspace-networking' });
 * for (const d of l.dirs) await mkdir(d, { recursive: true, mode: 0o700 });
 * spawn(l.file, l.args, { env: { ...process.env, ...l.env } });
 * ```
 */
export function tailscaledLaunch(o: TailscaledLaunchOptions): TailscaledLaunch {
  if (!o.stateDir.startsWith('/')) {
    throw new TypeError(`tailscaledLaunch: stateDir must be absolute, got "${o.stateDir}"`);
  }
  const port = o.port ?? DEFAULT_TAILSCALED_PORT;
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new TypeError(`tailscaledLaunch: port must be an integer 0-65535, got ${port}`);
  }
  const socketPath = o.socketPath ?? join(o.stateDir, 'tailscaled.sock');
  const logsDir = join(o.stateDir, 'logs');
  const args = [
    `--statedir=${o.stateDir}`,
    `--socket=${socketPath}`,
    `--tun=${o.tun ?? 'tailscale0'}`,
    `--port=${port}`,
    '--no-logs-no-support',
  ];
  if (SUPPORTS_SYSPOLICY_FILE) args.push('--syspolicy-file=');
  if (o.verbose !== undefined) args.push(`--verbose=${o.verbose}`);
  const env: Record<string, string> = {
    TS_NO_LOGS_NO_SUPPORT: 'true',
    TS_LOGS_DIR: logsDir,
    // Guard: a missing --login-server would otherwise reach controlplane.tailscale.com.
    TS_PANIC_IF_HIT_MAIN_CONTROL: '1',
    TS_DISABLE_PORTMAPPER: '1',
    ...(o.derpOverHttp ? { TS_DEBUG_USE_DERP_HTTP: '1' } : {}),
    ...o.env,
  };
  return {
    file: resolveBinary('tailscaled', o.binary),
    args,
    env,
    dirs: [o.stateDir, env['TS_LOGS_DIR'] ?? logsDir],
  };
}
