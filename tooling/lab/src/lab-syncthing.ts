import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Dispatcher } from 'undici';
import type { HostPlan } from './address-plan.js';
import { LabError } from './errors.js';
import { socketDispatcher, socketGet } from './http.js';
import type { LabContext } from './lab-context.js';
import type { LabHost } from './lab-host.js';
import type { LabProcess } from './process.js';
import { configureSyncthingXml, newApiKey, type SyncthingLabConfig } from './syncthing-config.js';
import { waitFor } from './wait.js';

export interface LabSyncthing {
  home: string;
  apiKey: string;
  /** Unix socket forwarding the GUI/REST port. */
  guiSocket: string;
  dispatcher: Dispatcher;
  guiPort: number;
  syncPort: number;
  process: LabProcess;
}

/** One process (no monitor child), never restarts or upgrades itself. */
export const SYNCTHING_ENV: Readonly<Record<string, string>> = {
  STNOUPGRADE: '1',
  STNORESTART: '1',
  STMONITORED: 'yes',
  STNODEFAULTFOLDER: '1',
};

/** `syncthing` arguments that make a fresh config in `home`, then run from it. */
export function syncthingArgs(home: string): { generate: string[]; serve: string[] } {
  return {
    generate: ['generate', `--home=${home}`, '--no-default-folder', '--skip-port-probing'],
    serve: ['serve', `--home=${home}`, '--no-browser', '--no-restart', '--no-upgrade'],
  };
}

/** The host's role ports, and its name for peers: instances otherwise share the machine's. */
export function syncthingLabConfig(plan: HostPlan, apiKey: string): SyncthingLabConfig {
  return {
    guiAddress: `127.0.0.1:${plan.guiPort}`,
    apiKey,
    listenAddress: `tcp://0.0.0.0:${plan.syncPort}`,
    deviceName: plan.name,
  };
}

/** Generates a config on `host`, starts syncthing and resolves once its REST API answers. */
export async function launchSyncthing(
  host: LabHost,
  plan: HostPlan,
  binary: string,
  lab: LabContext,
): Promise<LabSyncthing> {
  const home = join(host.root, 'home/.config/syncthing');
  const args = syncthingArgs(home);
  const gen = await host.runner.run(binary, args.generate, { timeout: 30_000 });
  if (gen.exitCode !== 0) {
    throw new LabError(`syncthing generate on ${plan.name} failed: ${gen.stderr.trim()}`);
  }
  const apiKey = newApiKey();
  const configPath = join(home, 'config.xml');
  const xml = configureSyncthingXml(
    await readFile(configPath, 'utf8'),
    syncthingLabConfig(plan, apiKey),
  );
  await writeFile(configPath, xml, { mode: 0o600 });
  const proc = host.spawn('syncthing', binary, args.serve, { env: { ...SYNCTHING_ENV } });
  const guiSocket = await host.forward(plan.guiPort);
  await waitFor(
    `syncthing REST on ${plan.name}`,
    async () => {
      if (!proc.running) throw new LabError(`syncthing exited; see ${proc.logPath}`);
      const r = await socketGet(guiSocket, '/rest/system/ping', {
        headers: { 'X-API-Key': apiKey },
        timeout: 2000,
      });
      return r.status === 200 ? true : undefined;
    },
    { ...lab.waitOptions(), timeout: 30_000 },
  );
  return {
    home,
    apiKey,
    guiSocket,
    dispatcher: socketDispatcher(guiSocket),
    guiPort: plan.guiPort,
    syncPort: plan.syncPort,
    process: proc,
  };
}
