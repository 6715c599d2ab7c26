import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { createRunner } from '@mesh/platform';
import { expect, it } from 'vitest';
import { describeLab } from '../src/index.js';
import { LAB_ONLY_RANGES, sealRootNamespace } from '../src/root-routes.js';

/** What a connection attempt from this (root) namespace ends with. */
function attempt(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const s = connect({ host, port, timeout: 3000 });
    s.once('connect', () => {
      s.destroy();
      resolve('connected');
    });
    s.once('timeout', () => {
      s.destroy();
      resolve('timeout');
    });
    s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
  });
}

/** Packets sent so far on the interface of the default route. */
async function txPackets(): Promise<number> {
  const route = execFileSync('ip', ['-4', 'route', 'show', 'default'], { encoding: 'utf8' });
  const dev = /\bdev (\S+)/.exec(route)?.[1];
  if (!dev) return 0;
  return Number((await readFile(`/sys/class/net/${dev}/statistics/tx_packets`, 'utf8')).trim());
}

describeLab('root namespace: lab and tailnet addresses never leave the machine', () => {
  it('a request typed outside lab exec fails at once, with no packet on the default route', async () => {
    await sealRootNamespace(createRunner());
    for (const r of LAB_ONLY_RANGES) {
      const shown = execFileSync('ip', [r.family, 'route', 'show', r.prefix], { encoding: 'utf8' });
      expect(shown, r.prefix).toMatch(/^unreachable /);
    }
    const targets: Array<[string, number]> = [
      ['10.99.0.1', 8080],
      ['100.64.0.1', 874],
      ['fd7a:115c:a1e0::1', 874],
    ];
    // Other programs may send on the default route meanwhile: one quiet window suffices.
    let clean = false;
    for (let i = 0; i < 5 && !clean; i++) {
      const before = await txPackets();
      for (const [host, port] of targets) {
        const t0 = performance.now();
        const outcome = await attempt(host, port);
        expect(outcome, host).toMatch(/^E(HOST|NET)UNREACH$/);
        expect(performance.now() - t0, `${host} failed at once`).toBeLessThan(1000);
      }
      clean = (await txPackets()) === before;
    }
    expect(clean, 'packets left on the default route while only lab addresses were asked').toBe(
      true,
    );
  });
});
