import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'vitest';
import { median } from './bench-mesh.js';

// What the single-file binaries cost: their size beside the npm bundle, and how long
// `mesh --version` and `mesh --help` take from the binary beside a bare `node -e 0` of the Node
// it embeds and beside the npm bundle on this machine's Node. No lab: it runs anywhere after
// `pnpm --filter @mesh/cli build:binaries`.
const RUNS = Number(process.env['BENCH_RUNS'] ?? 15);
const app = fileURLToPath(new URL('..', import.meta.url));
const bin = (file: string) => path.join(app, 'dist-bin', file);
const built = existsSync(bin('mesh')) && existsSync(bin('mesh.exe'));

function timeOf(file: string, args: readonly string[]): number {
  const samples: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    const r = spawnSync(file, args, { stdio: 'ignore' });
    samples.push(performance.now() - t0);
    if (r.status !== 0) throw new Error(`${file} ${args.join(' ')} exited with ${r.status}`);
  }
  return median(samples);
}

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1).padStart(6)} MB`;

describe.runIf(built)('bench: single-file binaries', () => {
  it('prints sizes and start-up times', () => {
    const script = path.join(app, '../../scripts/node-versions.sh');
    const embedded = execFileSync('bash', [script, 'path', '24'], { encoding: 'utf8' }).trim();
    const dist = path.join(app, 'dist');
    const distBytes = readdirSync(dist)
      .filter((f) => f.endsWith('.js'))
      .reduce((sum, f) => sum + statSync(path.join(dist, f)).size, 0);

    console.log('\n[bench] sizes');
    console.log(`  dist-bin/mesh      (linux-x64) ${mb(statSync(bin('mesh')).size)}`);
    console.log(`  dist-bin/mesh.exe  (win-x64)   ${mb(statSync(bin('mesh.exe')).size)}`);
    console.log(`  embedded Node 24   (linux-x64) ${mb(statSync(embedded).size)}`);
    console.log(`  SEA main script    (mesh.cjs)  ${mb(statSync(bin('bundle/mesh.cjs')).size)}`);
    console.log(`  npm bundle         (dist/*.js) ${mb(distBytes)}`);

    const node = process.execPath;
    const bundle = path.join(dist, 'mesh.cjs');
    const rows: Array<[string, number]> = [
      ['node 24 -e 0', timeOf(embedded, ['-e', '0'])],
      ['dist-bin/mesh --version', timeOf(bin('mesh'), ['--version'])],
      ['dist-bin/mesh --help', timeOf(bin('mesh'), ['--help'])],
      [`node ${process.versions.node} -e 0`, timeOf(node, ['-e', '0'])],
      ['node dist/mesh.cjs --version', timeOf(node, [bundle, '--version'])],
      ['node dist/mesh.cjs --help', timeOf(node, [bundle, '--help'])],
    ];
    const base = rows[0]?.[1] ?? Number.NaN;
    console.log(`[bench] start-up, median of ${RUNS} runs (ratio to node 24 -e 0)`);
    for (const [what, ms] of rows) {
      console.log(
        `  ${what.padEnd(30)} ${ms.toFixed(0).padStart(5)} ms   ${(ms / base).toFixed(1)}x`,
      );
    }
  });
});
