import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describeLab, type Lab } from '@mesh/lab';
import { afterAll, beforeAll, it } from 'vitest';
import { CLI } from '../test/lab-helpers.js';
import { labMesh } from '../test/lab-mesh.js';
import { median } from './bench-mesh.js';

// How long `mesh` takes beside what a person would run without it, on the same host, through
// the same namespace runner: `mesh --version` beside `node -e 0`, and `mesh status` beside
// `tailscale status --json` plus one request to Syncthing's REST API (plus `headscale nodes
// list -o json` on the server). `mesh status` is answered by the running agent, from the report
// it keeps fresh while asked (at most 2 s old, none older than a Syncthing event); the first ask
// after a quiet spell, when the agent runs the checks live, and the CLI running them itself
// are timed beside it, and so is Node's own start, the floor under any of them.
const RUNS = Number(process.env['BENCH_RUNS'] ?? 15);
const QUIET_RUNS = Number(process.env['BENCH_QUIET_RUNS'] ?? 3);
// Node reads NODE_EXTRA_CA_CERTS's bundle at every start (about 40 ms here), before any code of
// ours runs: a build machine's setting, not a user's, so every side runs without it.
const QUIET_NODE = { NODE_EXTRA_CA_CERTS: '' };
let lab: Lab;

/** A command run on a lab host: program and arguments. */
type Command = readonly [file: string, ...args: string[]];

async function timeOnce(host: string, [file, ...args]: Command): Promise<number> {
  const t0 = performance.now();
  const r = await lab.host(host).runner.run(file, args, { timeout: 60_000, env: QUIET_NODE });
  const ms = performance.now() - t0;
  if (r.exitCode !== 0) throw new Error(`${file} ${args.join(' ')} on ${host}: ${r.stderr}`);
  return ms;
}

/**
 * Both sides of a pair, one run of each in turn, so a busy moment of the machine weighs on both
 * alike; the medians. With `pauseMs`, a pause before each run of ours.
 */
async function sideBySide(
  host: string,
  ours: Command,
  theirs: Command,
  { runs = RUNS, pauseMs = 0 } = {},
): Promise<[number, number]> {
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < runs; i++) {
    if (pauseMs > 0) await sleep(pauseMs);
    a.push(await timeOnce(host, ours));
    b.push(await timeOnce(host, theirs));
  }
  return [median(a), median(b)];
}

/**
 * The REST request a person would send: Syncthing's status, with the API key of config.xml. The
 * header goes through a 0600 file (`curl -H @FILE`), so the key is in no process's arguments.
 */
async function syncthingRequest(host: string, port: number): Promise<string> {
  const home = path.join(lab.host(host).env['HOME'] as string, '.config/syncthing/config.xml');
  const key = /<apikey>([^<]+)<\/apikey>/.exec(await readFile(home, 'utf8'))?.[1] ?? '';
  const header = path.join(lab.host(host).root, 'bench-api-key.header');
  await writeFile(header, `X-API-Key: ${key}\n`, { mode: 0o600 });
  return `curl -sf -H @${header} http://127.0.0.1:${port}/rest/system/status >/dev/null`;
}

describeLab('bench: mesh commands beside the tools they read', () => {
  beforeAll(async () => {
    ({ lab } = await labMesh());
  }, 300_000);

  afterAll(() => lab?.down(), 60_000);

  it('prints medians and ratios', async () => {
    const node = process.execPath;
    const rows: Array<[string, number, number]> = [];
    const nodeStart: Command = [node, '-e', '0'];
    rows.push([
      'mesh --version | node -e 0',
      ...(await sideBySide('wsl', [node, CLI, '--version'], nodeStart)),
    ]);
    for (const [host, port] of [
      ['wsl', 8385],
      ['server', 8384],
    ] as const) {
      const baseline: Command = [
        'sh',
        '-c',
        [
          'tailscale status --json >/dev/null',
          await syncthingRequest(host, port),
          ...(host === 'server' ? ['headscale nodes list -o json >/dev/null'] : []),
        ].join(' && '),
      ];
      const tools = host === 'server' ? 'tailscale + REST + headscale' : 'tailscale + REST';
      const status: Command = [node, CLI, 'status', '--json'];
      // The floor under any Node program: Node's own start beside the same tools.
      rows.push([
        `${host}: node -e 0 | ${tools}`,
        ...(await sideBySide(host, nodeStart, baseline)),
      ]);
      rows.push([`${host}: mesh status | ${tools}`, ...(await sideBySide(host, status, baseline))]);
      // The first status after a quiet spell: the agent's kept report has aged out, so the
      // agent runs every check live (kept warm for 10 s after a request, then fresh for 2 s more).
      rows.push([
        `${host}: mesh status after 13 s quiet | ${tools}`,
        ...(await sideBySide(host, status, baseline, { runs: QUIET_RUNS, pauseMs: 13_000 })),
      ]);
      // The same report without the agent's help: what a machine without a running agent gets.
      rows.push([
        `${host}: MESH_STATUS_LOCAL=1 mesh status | ${tools}`,
        ...(await sideBySide(host, ['env', 'MESH_STATUS_LOCAL=1', ...status], baseline)),
      ]);
    }
    console.log(
      `\n[bench] command time, median of ${RUNS} runs (of ${QUIET_RUNS} after a quiet spell)`,
    );
    for (const [what, ours, theirs] of rows) {
      console.log(
        `  ${what.padEnd(62)} ${ours.toFixed(0).padStart(5)} ms | ${theirs.toFixed(0).padStart(5)} ms   ${(ours / theirs).toFixed(1)}x (goal <= 1.5x)`,
      );
    }
  });
});
