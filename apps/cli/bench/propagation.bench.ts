import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describeLab, type Lab } from '@mesh/lab';
import { afterAll, beforeAll, it } from 'vitest';
import { sharedFolder } from '../test/lab-helpers.js';
import { labMesh } from '../test/lab-mesh.js';

// Edit propagation over the tailnet, wsl -> windows, on a mesh set up by the built CLI: with the
// mesh agent (which rescans exactly what changed), then with Syncthing's own watcher alone
// (the agent stopped), which is what every edit cost before the agent.
const N = Number(process.env['BENCH_N'] ?? 40);
const GAP_MS = Number(process.env['BENCH_GAP_MS'] ?? 300);
let lab: Lab;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

/** Writes N edits on `from` (half new files, half changes of them) and times each arrival. */
async function propagation(label: string): Promise<{ p50: number; p95: number }> {
  const src = sharedFolder(lab.host('wsl'));
  const dst = sharedFolder(lab.host('windows'));
  const times: number[] = [];
  for (let i = 0; i < N; i++) {
    const name = `bench-${label}-${i % Math.ceil(N / 2)}.txt`;
    const text = `${label} edit ${i} ${Date.now()}\n`;
    const t0 = performance.now();
    await writeFile(path.join(src, name), text);
    for (;;) {
      const got = await readFile(path.join(dst, name), 'utf8').catch(() => '');
      if (got === text) break;
      if (performance.now() - t0 > 30_000) throw new Error(`${name} did not arrive in 30 s`);
      await sleep(2);
    }
    times.push(performance.now() - t0);
    // Syncthing sends a peer at most one index batch per 250 ms: edits closer than that ride
    // together. A person's edits are further apart; so are these.
    await sleep(GAP_MS);
  }
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 50), p95: percentile(times, 95) };
}

/** Stops a host's mesh agent the way its service manager does (SIGTERM to the supervisor). */
async function stopAgent(host: string): Promise<void> {
  const h = lab.host(host);
  const file = path.join(
    h.env['HOME'] as string,
    '.local/state/mesh/services/mesh-agent.supervisor.pid',
  );
  process.kill(Number((await readFile(file, 'utf8')).trim()), 'SIGTERM');
}

describeLab('bench: edit propagation over the tailnet (wsl -> windows)', () => {
  beforeAll(async () => {
    ({ lab } = await labMesh());
  }, 300_000);

  afterAll(() => lab?.down(), 60_000);

  it('prints p50/p95 with the agent and with Syncthing alone', async () => {
    const agent = await propagation('agent');
    await stopAgent('wsl');
    await stopAgent('windows');
    await sleep(1000);
    const alone = await propagation('watcher');
    const row = (what: string, r: { p50: number; p95: number }) =>
      `  ${what.padEnd(44)} p50 ${r.p50.toFixed(0).padStart(5)} ms   p95 ${r.p95.toFixed(0).padStart(5)} ms`;
    console.log(
      `\n[bench] edit propagation wsl -> windows over the tailnet, N=${N}, ${GAP_MS} ms between edits`,
    );
    console.log(row('mesh agent (targeted rescan)', agent));
    console.log(row("Syncthing's watcher alone (before the agent)", alone));
    console.log(
      `  ratio p50 ${(alone.p50 / agent.p50).toFixed(1)}x, p95 ${(alone.p95 / agent.p95).toFixed(1)}x`,
    );
  });
});
