// `pnpm bench`: requests/second and memory of @mesh/syncthing-client (dist) against a real,
// private syncthing on 127.0.0.1, beside plain fetch. Numbers only; nothing is asserted.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SyncthingClient } from '../dist/index.js';
import { startSyncthing } from './syncthing.mjs';

const N = Number(process.env.BENCH_N ?? 400);
const CONCURRENCY = 4;

async function measure(label, total, fn) {
  global.gc?.();
  const before = process.memoryUsage();
  const start = performance.now();
  let next = 0;
  let units = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < total) {
        next++;
        const n = await fn();
        units += typeof n === 'number' ? n : 1;
      }
    }),
  );
  const ms = performance.now() - start;
  const after = process.memoryUsage();
  return {
    label,
    perSecond: (units / ms) * 1000,
    heapDeltaMiB: (after.heapUsed - before.heapUsed) / 2 ** 20,
    rssMiB: after.rss / 2 ** 20,
  };
}

function report(rows, unit) {
  const base = rows.find((r) => r.label.startsWith('plain fetch'));
  for (const r of rows) {
    const ratio = base ? (r.perSecond / base.perSecond).toFixed(2) : '-';
    console.log(
      `  ${r.label.padEnd(36)} ${r.perSecond.toFixed(0).padStart(8)} ${unit}/s  ratio ${ratio.padStart(5)}  heapΔ ${r.heapDeltaMiB.toFixed(1).padStart(6)} MiB  rss ${r.rssMiB.toFixed(0)} MiB`,
    );
  }
}

const st = await startSyncthing();
try {
  const client = new SyncthingClient({ baseUrl: st.baseUrl, apiKey: st.apiKey });
  const headers = { 'X-API-Key': st.apiKey };
  const plainStatus = async () => {
    const res = await fetch(`${st.baseUrl}/rest/system/status`, { headers });
    await res.json();
  };
  // Warm up both paths (connection pools, JIT).
  for (let i = 0; i < 30; i++) {
    await plainStatus();
    await client.system.status();
  }
  console.log(`GET /rest/system/status, ${N} calls, concurrency ${CONCURRENCY}:`);
  report(
    [
      await measure('plain fetch + res.json()', N, plainStatus),
      await measure('client.system.status() (zod)', N, () => client.system.status()),
    ],
    'req',
  );

  const plainPing = async () => {
    const res = await fetch(`${st.baseUrl}/rest/system/ping`, { headers });
    await res.json();
  };
  console.log(
    `\nGET /rest/system/ping (cheap server side), ${N * 2} calls, concurrency ${CONCURRENCY}:`,
  );
  report(
    [
      await measure('plain fetch + res.json()', N * 2, plainPing),
      await measure('client.system.ping() (zod)', N * 2, () => client.system.ping()),
    ],
    'req',
  );

  // Produce disk events: a folder with many files, scanned once.
  const dir = join(st.root, 'bench-folder');
  await mkdir(dir, { recursive: true });
  await Promise.all(
    Array.from({ length: 900 }, (_, i) => writeFile(join(dir, `f${i}.txt`), `file ${i}`)),
  );
  await client.config.folders.add({ id: 'bench', path: dir, fsWatcherEnabled: false });
  await client.db.scan({ folder: 'bench' });
  let buffered = 0;
  for (let i = 0; i < 100 && buffered < 900; i++) {
    buffered = (await client.events.getDisk({ since: 0, timeoutS: 0 })).length;
    if (buffered < 900) await new Promise((r) => setTimeout(r, 200));
  }
  const polls = Math.max(20, Math.round(N / 10));
  console.log(`\nevents: replay of ${buffered} buffered disk events per poll, ${polls} polls:`);
  report(
    [
      await measure('plain fetch /rest/events/disk', polls, async () => {
        const res = await fetch(`${st.baseUrl}/rest/events/disk?since=0&timeout=0`, { headers });
        return (await res.json()).length;
      }),
      await measure(
        'client.events.getDisk() (typed)',
        polls,
        async () => (await client.events.getDisk({ since: 0, timeoutS: 0 })).length,
      ),
    ],
    'event',
  );

  console.log('\nevents: one diskStream({ since: 0 }) pass over the buffer:');
  const start = performance.now();
  let count = 0;
  const controller = new AbortController();
  for await (const event of client.events.diskStream({
    since: 0,
    signal: controller.signal,
    pollTimeoutS: 1,
  })) {
    if (event.type !== 'MissedEvents') count++;
    if (count >= buffered) break;
  }
  const ms = performance.now() - start;
  console.log(
    `  stream delivered ${count} events in ${ms.toFixed(0)} ms (${((count / ms) * 1000).toFixed(0)} events/s)`,
  );
} finally {
  await st.stop();
}
