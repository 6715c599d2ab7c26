import { createSocket } from 'node:dgram';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, it } from 'vitest';
import {
  HeadscaleClient,
  type HeadscaleConfigOptions,
  type SetupHeadscaleServerResult,
  SupervisedProcessService,
  setupHeadscaleServer,
} from '../src/index.js';

export const REQUIRE = process.env['MESH_REQUIRE_LAB'] === '1';

/** describe() that needs files to exist: skips with a printed reason, or fails under MESH_REQUIRE_LAB=1. */
export function describeWith(name: string, required: string[], fn: () => void): void {
  const missing = required.filter((p) => !existsSync(p));
  if (missing.length === 0) {
    describe(name, fn);
    return;
  }
  const reason = `missing ${missing.join(', ')}`;
  if (REQUIRE) {
    describe(name, () => {
      it('has its binaries', () => {
        throw new Error(`${name}: ${reason} (MESH_REQUIRE_LAB=1)`);
      });
    });
  } else {
    console.warn(`[skip] ${name}: ${reason}`);
    describe.skip(name, fn);
  }
}

export async function freePort(proto: 'tcp' | 'udp' = 'tcp'): Promise<number> {
  return new Promise((resolve, reject) => {
    if (proto === 'tcp') {
      const srv = createServer();
      srv.once('error', reject);
      srv.listen(0, '127.0.0.1', () => {
        const port = (srv.address() as { port: number }).port;
        srv.close(() => resolve(port));
      });
    } else {
      const s = createSocket('udp4');
      s.once('error', reject);
      s.bind(0, '127.0.0.1', () => {
        const port = s.address().port;
        s.close(() => resolve(port));
      });
    }
  });
}

export interface TestServer extends SetupHeadscaleServerResult {
  dir: string;
  configPath: string;
  options: HeadscaleConfigOptions;
  cli: HeadscaleClient;
  stop(): Promise<void>;
}

/** A real headscale on 127.0.0.1 with random ports and a temp state dir. */
export async function startTestServer(
  binary: string,
  extra: Partial<HeadscaleConfigOptions> = {},
): Promise<TestServer> {
  // Short path: the unix socket path must fit in 107 bytes.
  const dir = await mkdtemp('/tmp/mhs-');
  const port = await freePort('tcp');
  const stun = await freePort('udp');
  const options: HeadscaleConfigOptions = {
    serverUrl: `http://127.0.0.1:${port}`,
    listenAddr: `127.0.0.1:${port}`,
    stunListenAddr: `127.0.0.1:${stun}`,
    stateDir: join(dir, 'state'),
    ...extra,
  };
  const configPath = join(dir, 'config.yaml');
  const result = await setupHeadscaleServer({
    configPath,
    config: options,
    binary,
    healthTimeout: 30_000,
  }).catch(async (error: unknown) => {
    // A failed setup may leave the (detached, supervised) server running: stop it.
    await new SupervisedProcessService({ binary, configPath, runDir: options.stateDir })
      .stop()
      .catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
    throw error;
  });
  const cli = new HeadscaleClient({ cli: { binary, configPath } });
  return {
    ...result,
    dir,
    configPath,
    options,
    cli,
    async stop() {
      await result.service.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
