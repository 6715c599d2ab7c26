/**
 * Benchmark (not a test): tailscaled status through the LocalAPI vs `tailscale status --json`,
 * same lab node, same run. Prints wall time per call and memory, plus the ratios.
 *
 *   pnpm --filter @mesh/tailscale bench            (root; builds a lab of 3 hosts)
 *   BENCH_N=200 pnpm --filter @mesh/tailscale bench
 */

import { Lab, labAvailable } from '@mesh/lab';
import { createRunner } from '@mesh/platform';
import { resolveBinary } from '../src/binaries.js';
import { LocalApiClient } from '../src/local-api.js';
import { StatusSchema } from '../src/schemas/status.js';

const N = Number(process.env['BENCH_N'] ?? 50);

function stats(xs: number[]): { median: number; p90: number; mean: number } {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? Number.NaN;
  return { median: at(0.5), p90: at(0.9), mean: xs.reduce((a, b) => a + b, 0) / xs.length };
}
const ms = (x: number) => `${x.toFixed(2)} ms`;
const mb = (x: number) => `${(x / 1024 / 1024).toFixed(1)} MB`;

async function main(): Promise<void> {
  const available = labAvailable();
  if (!available.ok) {
    console.error(`bench needs the lab: ${available.reason}`);
    process.exitCode = 1;
    return;
  }
  const lab = await Lab.up({ hosts: ['server', 'a', 'b'], tailscale: true });
  try {
    const { socketPath } = lab.tailscaled('a');
    const client = new LocalApiClient({ socketPath });
    // The CLI reaches the same unix socket from the root namespace, so neither side pays for
    // `ip netns exec`; /usr/bin/time reports each CLI process's peak RSS.
    const timed = createRunner(['/usr/bin/time', '-f', 'MAXRSS_KB=%M']);
    const bin = resolveBinary('tailscale');
    const cliStatus = async () => {
      const r = await timed.run(bin, [`--socket=${socketPath}`, 'status', '--json']);
      if (r.exitCode !== 0) throw new Error(`tailscale status failed: ${r.stderr}`);
      StatusSchema.parse(JSON.parse(r.stdout));
      return Number(/MAXRSS_KB=(\d+)/.exec(r.stderr)?.[1] ?? Number.NaN) * 1024;
    };

    for (let i = 0; i < 5; i++) {
      await client.status();
      await cliStatus();
    }
    const peers = Object.keys((await client.status()).Peer ?? {}).length;

    const gc = (globalThis as { gc?: () => void }).gc;
    gc?.();
    const heap0 = process.memoryUsage().heapUsed;
    const rss0 = process.memoryUsage().rss;
    const apiTimes: number[] = [];
    let heapPeak = heap0;
    for (let i = 0; i < N; i++) {
      const t = performance.now();
      await client.status();
      apiTimes.push(performance.now() - t);
      heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
    }
    const rss1 = process.memoryUsage().rss;

    const cliTimes: number[] = [];
    const cliRss: number[] = [];
    for (let i = 0; i < N; i++) {
      const t = performance.now();
      cliRss.push(await cliStatus());
      cliTimes.push(performance.now() - t);
    }
    await client.close();

    const api = stats(apiTimes);
    const cli = stats(cliTimes);
    const cliMem = stats(cliRss);
    const apiMem = Math.max(heapPeak - heap0, 1);
    console.log(`status of lab node "a" (${peers} peers), N=${N} calls each`);
    console.log(`  LocalAPI  : median ${ms(api.median)}  p90 ${ms(api.p90)}  mean ${ms(api.mean)}`);
    console.log(`  CLI --json: median ${ms(cli.median)}  p90 ${ms(cli.p90)}  mean ${ms(cli.mean)}`);
    console.log(
      `  wall-time ratio CLI/LocalAPI (median): ${(cli.median / api.median).toFixed(1)}x`,
    );
    console.log(
      `  memory    : LocalAPI heap growth over ${N} calls ${mb(apiMem)} (node RSS +${mb(rss1 - rss0)}, already-running process); ` +
        `CLI peak RSS per call median ${mb(cliMem.median)} (a new process each call)`,
    );
    console.log(
      `  memory ratio CLI peak RSS per call / LocalAPI heap growth over all calls: ${(cliMem.median / apiMem).toFixed(1)}x`,
    );
  } finally {
    await lab.down();
  }
}

await main();
