/**
 * A supervised Headscale must outlive the program that started it: `mesh server setup` exits
 * right after setup, and Headscale's output must not go through that program's pipes (it would
 * die of SIGPIPE on its next log line). Here a child node process runs setup with its stdout
 * piped to us and exits; then Headscale is made to log and must still answer /health.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { execa } from 'execa';
import { afterAll, expect, it } from 'vitest';
import {
  HeadscaleClient,
  type HeadscaleConfigOptions,
  SupervisedProcessService,
  waitForHealth,
} from '../src/index.js';
import { describeWith, freePort } from './helpers.js';

const BIN = '/var/cache/mesh/bin/headscale';

describeWith('supervised headscale outlives its parent', [BIN], () => {
  let dir: string | undefined;
  let service: SupervisedProcessService | undefined;
  afterAll(async () => {
    await service?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('keeps serving after the process that started it exited', async () => {
    dir = await mkdtemp('/tmp/mhs-');
    const port = await freePort('tcp');
    const config: HeadscaleConfigOptions = {
      serverUrl: `http://127.0.0.1:${port}`,
      listenAddr: `127.0.0.1:${port}`,
      stunListenAddr: `127.0.0.1:${await freePort('udp')}`,
      stateDir: join(dir, 'state'),
      logLevel: 'debug',
    };
    const configPath = join(dir, 'config.yaml');
    // The child runs the library from source: bundle it (with @mesh/platform's source) to one file.
    await build({
      entryPoints: [resolve(import.meta.dirname, '../src/index.ts')],
      bundle: true,
      platform: 'node',
      format: 'esm',
      outfile: join(dir, 'headscale.mjs'),
      alias: { '@mesh/platform': resolve(import.meta.dirname, '../../platform/src/index.ts') },
      banner: {
        js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
      },
      logLevel: 'silent',
    });
    const script = join(dir, 'setup.mjs');
    await writeFile(
      script,
      [
        "import { setupHeadscaleServer } from './headscale.mjs';",
        'const r = await setupHeadscaleServer(JSON.parse(process.argv[2]));',
        'console.log(JSON.stringify(r.steps));',
      ].join('\n'),
    );
    const child = await execa(
      process.execPath,
      [script, JSON.stringify({ configPath, config, binary: BIN })],
      { timeout: 60_000, reject: false },
    );
    expect(child.exitCode, child.stderr).toBe(0);
    expect(child.stdout).toContain('"service-start","changed":true');

    service = new SupervisedProcessService({
      binary: BIN,
      configPath,
      runDir: config.stateDir,
    });
    const before = await service.status();
    expect(before.running).toBe(true);

    // Make it write to its log now that the parent (and any pipe to it) is gone.
    const cli = new HeadscaleClient({ cli: { binary: BIN, configPath } });
    await cli.users.ensure('after-parent-exit');
    for (let i = 0; i < 5; i++) await waitForHealth(config.serverUrl, { timeout: 10_000 });
    await cli.users.ensure('after-parent-exit-2');

    await waitForHealth(config.serverUrl, { timeout: 10_000 });
    expect(await service.status()).toMatchObject({ running: true, pid: before.pid });
    expect(await service.logs(200)).toMatch(/listening|Listening|starting/i);
  }, 120_000);
});
