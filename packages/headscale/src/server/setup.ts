/**
 * Server setup as code: state directory, config, service start, health. Every step is
 * idempotent and reports whether it changed anything.
 */

import { createSocket } from 'node:dgram';
import { mkdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import { dirname } from 'node:path';
import { createRunner, pathExists, type Runner, type ServiceManager } from '@mesh/platform';
import type { Dispatcher } from 'undici';
import { resolveHeadscaleBinary } from '../binary.js';
import {
  HeadscaleConfigError,
  HeadscaleConnectionError,
  HeadscaleTimeoutError,
} from '../errors.js';
import {
  type HeadscaleConfigOptions,
  headscaleConfigObject,
  readHeadscaleConfig,
  splitHostPort,
  writeHeadscaleConfig,
} from './config.js';
import { keptHardening } from './hardening.js';
import { waitForHealth } from './health.js';
import {
  HeadscaleService,
  type HeadscaleServiceControl,
  SupervisedProcessService,
} from './service.js';
import { headscaleServiceSpec } from './systemd.js';

/** Options of {@link setupHeadscaleServer}. */
export interface SetupHeadscaleServerOptions {
  /** Absolute path of the config file to write. */
  configPath: string;
  config: HeadscaleConfigOptions;
  /** @default resolveHeadscaleBinary() */
  binary?: string;
  /** @default a {@link HeadscaleService} on `serviceManager`, else a {@link SupervisedProcessService} with its pid/log files in `config.stateDir` */
  service?: HeadscaleServiceControl;
  /**
   * A `@mesh/platform` service manager (systemd, supervised, ...) to run Headscale under, as the
   * spec {@link headscaleServiceSpec} gives; ignored when `service` is given.
   * @default a supervised manager in `config.stateDir`, without restarts
   */
  serviceManager?: ServiceManager | (() => Promise<ServiceManager>);
  /** Service name for `serviceManager`. @default 'headscale' */
  serviceName?: string;
  /** Restart policy for `serviceManager`. @default 'always' */
  restart?: 'always' | 'on-failure' | 'no';
  /** Runner (namespace prefix) for the default service. @default createRunner() */
  runner?: Runner;
  /** Milliseconds to wait for `/health`. @default 30000 */
  healthTimeout?: number;
  /** Dispatcher for the health check (e.g. into a namespace). */
  dispatcher?: Dispatcher;
}

/** One step's outcome. */
export interface SetupStep {
  name: 'state-dir' | 'config' | 'service-install' | 'service-start' | 'health';
  changed: boolean;
}

/** Result of {@link setupHeadscaleServer}. */
export interface SetupHeadscaleServerResult {
  changed: boolean;
  steps: SetupStep[];
  service: HeadscaleServiceControl;
  /** The server URL (for a client). */
  url: string;
}

/**
 * Brings a Headscale server to "configured, running, healthy". Safe to run again: it only writes
 * what differs and restarts only when the config changed.
 */
export async function setupHeadscaleServer(
  o: SetupHeadscaleServerOptions,
): Promise<SetupHeadscaleServerResult> {
  // Validate everything before touching disk: a bad option leaves nothing half-done.
  const cfg = headscaleConfigObject(o.config);
  const runner = o.runner ?? createRunner();
  const service = o.service ?? defaultService(o, runner);
  const steps: SetupStep[] = [];

  const existed = await pathExists(o.config.stateDir);
  try {
    await mkdir(o.config.stateDir, { recursive: true, mode: 0o700 });
  } catch (cause) {
    throw new HeadscaleConfigError(
      `cannot create state directory ${o.config.stateDir}: ${(cause as NodeJS.ErrnoException).code}`,
      {
        cause,
        hint: 'choose a writable stateDir',
      },
    );
  }
  steps.push({ name: 'state-dir', changed: !existed });

  const before = await service.status();
  // In the root namespace we can see whether the ports are free; a taken port would only show
  // up later as a dead process, so say it plainly now.
  if (!before.running && runner.prefix.length === 0) {
    await assertFree(cfg['listen_addr'] as string, 'tcp', 'listenAddr');
    const stun = (cfg['derp'] as { server: { stun_listen_addr: string } }).server.stun_listen_addr;
    await assertFree(stun, 'udp', 'stunListenAddr');
  }

  // What hardening added to the file (a policy file, Taildrop off) stays when setup runs again.
  const kept = await readHeadscaleConfig(o.configPath).then(keptHardening, () => ({}));
  const config = await writeHeadscaleConfig(o.configPath, { ...kept, ...definedOnly(o.config) });
  steps.push({ name: 'config', changed: config.changed });
  steps.push({ name: 'service-install', changed: (await service.install()).changed });

  let started: boolean;
  if (before.running && config.changed) {
    await service.stop();
    started = (await service.start()).changed;
  } else {
    started = (await service.start()).changed;
  }
  steps.push({ name: 'service-start', changed: started });

  try {
    await waitForHealth(o.config.serverUrl, {
      timeout: o.healthTimeout ?? 30_000,
      ...(o.dispatcher ? { dispatcher: o.dispatcher } : {}),
      check: async () => {
        if (!(await service.status()).running) {
          throw new HeadscaleConnectionError(
            `headscale exited during startup: ${lastLines(await service.logs(20))}`,
            {
              hint: 'see the log lines above (port in use, bad database, invalid config...)',
            },
          );
        }
      },
    });
  } catch (error) {
    if (error instanceof HeadscaleConnectionError && !/exited during startup/.test(error.message)) {
      const message = `${error.message}; log: ${lastLines(await service.logs(20))}`;
      const options = { cause: error, hint: error.hint };
      throw error instanceof HeadscaleTimeoutError
        ? new HeadscaleTimeoutError(message, { ...options, timeoutMs: error.timeoutMs })
        : new HeadscaleConnectionError(message, options);
    }
    throw error;
  }
  steps.push({ name: 'health', changed: false });
  return { changed: steps.some((s) => s.changed), steps, service, url: o.config.serverUrl };
}

function defaultService(o: SetupHeadscaleServerOptions, runner: Runner): HeadscaleServiceControl {
  const binary = resolveHeadscaleBinary(o.binary);
  if (!o.serviceManager) {
    return new SupervisedProcessService({
      binary,
      configPath: o.configPath,
      runDir: o.config.stateDir,
      runner,
    });
  }
  return new HeadscaleService({
    manager: o.serviceManager,
    spec: headscaleServiceSpec({
      binary,
      configPath: o.configPath,
      stateDir: o.config.stateDir,
      ...(o.config.socketPath ? { socketDir: dirname(o.config.socketPath) } : {}),
      ...(o.serviceName ? { name: o.serviceName } : {}),
      ...(o.restart ? { restart: o.restart } : {}),
    }),
  });
}

/** `o` without its undefined values, so they do not hide the ones spread before it. */
function definedOnly<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

function lastLines(log: string): string {
  const lines = log
    .trim()
    .split('\n')
    .filter((l) => /ERR|FTL|fatal|error/i.test(l));
  return (lines.length > 0 ? lines : log.trim().split('\n')).slice(-3).join(' | ');
}

async function assertFree(addr: string, proto: 'tcp' | 'udp', what: string): Promise<void> {
  const { host, port } = splitHostPort(addr, what);
  if (port === 0) return;
  const bindHost = host === '' ? '0.0.0.0' : host;
  const error = await new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
    if (proto === 'tcp') {
      const srv = createServer();
      srv.once('error', (e) => resolve(e as NodeJS.ErrnoException));
      srv.listen({ host: bindHost, port, exclusive: true }, () =>
        srv.close(() => resolve(undefined)),
      );
    } else {
      const sock = createSocket(bindHost.includes(':') ? 'udp6' : 'udp4');
      sock.once('error', (e) => resolve(e as NodeJS.ErrnoException));
      sock.bind({ address: bindHost, port, exclusive: true }, () =>
        sock.close(() => resolve(undefined)),
      );
    }
  });
  if (error?.code === 'EADDRINUSE') {
    throw new HeadscaleConfigError(`${what} ${addr} (${proto}) is already in use`, {
      hint: 'stop what listens there (ss -lntup) or choose another port',
    });
  }
  if (error?.code === 'EADDRNOTAVAIL') {
    throw new HeadscaleConfigError(`${what} ${addr}: address not available on this host`, {
      hint: 'use an address of a local interface',
    });
  }
}
