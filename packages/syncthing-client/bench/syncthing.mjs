// Minimal private syncthing launcher for the benchmark (the test helper is TypeScript and the
// bench runs on plain Node against dist/). The config is made private by the built library.
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { privateSyncthingConfig } from '../dist/index.js';

async function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

export async function startSyncthing(
  binary = process.env.MESH_SYNCTHING_BIN ?? '/usr/bin/syncthing',
) {
  const root = await mkdtemp(join(tmpdir(), 'mesh-st-bench-'));
  const home = join(root, 'home');
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? root };
  await execa(
    binary,
    ['generate', `--home=${home}`, '--no-default-folder', '--skip-port-probing'],
    {
      env,
      extendEnv: false,
      timeout: 30_000,
    },
  );
  const apiKey = randomBytes(16).toString('hex');
  const guiPort = await freePort();
  const syncPort = await freePort();
  const xml = privateSyncthingConfig(await readFile(join(home, 'config.xml'), 'utf8'), {
    guiAddress: `127.0.0.1:${guiPort}`,
    apiKey,
    listenAddresses: [`tcp://127.0.0.1:${syncPort}`],
  });
  await writeFile(join(home, 'config.xml'), xml, { mode: 0o600 });
  const child = execa(binary, ['serve', `--home=${home}`, '--no-browser'], {
    env: { ...env, STNORESTART: '1', STNOUPGRADE: '1', STMONITORED: 'yes', STNODEFAULTFOLDER: '1' },
    extendEnv: false,
    detached: true,
    reject: false,
    buffer: false,
    timeout: 10 * 60_000,
  });
  const baseUrl = `http://127.0.0.1:${guiPort}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      const res = await fetch(`${baseUrl}/rest/system/ping`, {
        headers: { 'X-API-Key': apiKey },
        signal: AbortSignal.timeout(2000),
      });
      await res.arrayBuffer();
      if (res.ok) break;
    } catch {}
    if (Date.now() > deadline) throw new Error('syncthing did not start');
    await new Promise((r) => setTimeout(r, 150));
  }
  return {
    baseUrl,
    apiKey,
    root,
    async stop() {
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {}
      const killer = setTimeout(() => {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {}
      }, 5000);
      await child;
      clearTimeout(killer);
      await rm(root, { recursive: true, force: true });
    },
  };
}
