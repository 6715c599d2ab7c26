import { isSystemdPid1 } from '../detect/platform.js';
import type { Runner } from '../runner.js';
import type { ServiceManager } from './service.js';
import { supervisedServiceManager } from './supervised.js';
import { systemdServiceManager } from './systemd.js';
import { windowsServiceManager } from './windows.js';

/**
 * The service manager for this host: Windows scheduled tasks on Windows, systemd when it is
 * PID 1, otherwise the supervised-process fallback under `stateDir`.
 */
export async function detectServiceManager(options: {
  stateDir: string;
  scope?: 'system' | 'user';
  root?: string;
  runner?: Runner;
  platform?: NodeJS.Platform;
}): Promise<ServiceManager> {
  const runner = options.runner ? { runner: options.runner } : {};
  if ((options.platform ?? process.platform) === 'win32') return windowsServiceManager(runner);
  if (await isSystemdPid1(options.root === undefined ? {} : { root: options.root })) {
    return systemdServiceManager({
      ...runner,
      ...(options.scope ? { scope: options.scope } : {}),
      ...(options.root ? { root: options.root } : {}),
    });
  }
  return supervisedServiceManager({ stateDir: options.stateDir, ...runner });
}
