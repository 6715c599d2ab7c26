import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Lab } from '@mesh/lab';
import { until } from '@mesh/test-utils';
import { tailscaledLaunch } from '../../src/daemon.js';
import { LocalApiClient } from '../../src/local-api.js';

/** A tailscaled this test started (not joined) on a lab host. */
export interface TestNode {
  host: string;
  ip: string;
  socketPath: string;
  client: LocalApiClient;
  stop(): Promise<void>;
}

/** Starts a fresh, logged-out tailscaled (TUN mode) on `hostName` with `tailscaledLaunch`. */
export async function startNode(lab: Lab, hostName: string): Promise<TestNode> {
  const host = lab.host(hostName);
  const stateDir = join(host.root, 'var/lib/ts-test');
  const socketPath = join(host.root, 'run/ts-test.sock');
  const launch = tailscaledLaunch({ stateDir, socketPath, derpOverHttp: true });
  for (const d of launch.dirs) await mkdir(d, { recursive: true, mode: 0o700 });
  await mkdir(join(host.root, 'run'), { recursive: true });
  const proc = host.spawn('tailscaled-test', launch.file, launch.args, { env: launch.env });
  const client = new LocalApiClient({ socketPath, timeout: 5_000 });
  const state = await until(
    `tailscaled on ${hostName}`,
    async () => {
      if (!proc.running) return 'exited';
      return client.status({ peers: false }).then(
        () => 'up',
        () => undefined,
      );
    },
    20_000,
  );
  if (state === 'exited') throw new Error(`tailscaled exited; see ${proc.logPath}`);
  return {
    host: hostName,
    ip: host.ip,
    socketPath,
    client,
    async stop() {
      await client.close();
      await proc.stop();
    },
  };
}
