import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describeLab, type Lab } from '@mesh/lab';
import { afterAll, beforeAll, it } from 'vitest';
import { labMesh } from '../test/lab-mesh.js';
import { propagation, type Spread } from './bench-mesh.js';

// Edit propagation over the tailnet, wsl -> windows, on a mesh set up by the built CLI: with the
// mesh agent (which rescans exactly what changed), then with Syncthing's own watcher alone
// (the agent stopped), which is what every edit cost before the agent.
const N = Number(process.env['BENCH_N'] ?? 40);
const GAP_MS = Number(process.env['BENCH_GAP_MS'] ?? 300);
let lab: Lab;

/** N edits wsl -> windows: half of them new files, half changes of one file. */
async function both(label: string): Promise<Record<'new' | 'modified', Spread>> {
  const o = { n: N / 2, gapMs: GAP_MS };
  const [from, to] = [lab.host('wsl'), lab.host('windows')];
  return {
    new: await propagation(from, to, { ...o, label: `${label}-new`, kind: 'new' }),
    modified: await propagation(from, to, { ...o, label: `${label}-mod`, kind: 'modified' }),
  };
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
    const agent = await both('agent');
    await stopAgent('wsl');
    await stopAgent('windows');
    await sleep(1000);
    const alone = await both('watcher');
    const row = (what: string, r: Spread) =>
      `  ${what.padEnd(54)} p50 ${r.p50.toFixed(0).padStart(5)} ms   p95 ${r.p95.toFixed(0).padStart(5)} ms`;
    console.log(
      `\n[bench] edit propagation wsl -> windows over the tailnet, N=${N}, ${GAP_MS} ms between edits`,
    );
    for (const kind of ['new', 'modified'] as const) {
      console.log(row(`${kind} files, mesh agent (targeted rescan)`, agent[kind]));
      console.log(row(`${kind} files, Syncthing's watcher alone`, alone[kind]));
      console.log(
        `  ${''.padEnd(54)} ratio p50 ${(alone[kind].p50 / agent[kind].p50).toFixed(1)}x`,
      );
    }
  });
});
