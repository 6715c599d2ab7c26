import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { type FakeLocalApi, fakeLocalApiPerTest } from '../test/helpers/fake-local-api.js';
import type { LocalApiClient } from './local-api.js';
import { pingUntilAnswered } from './ping-until.js';

let fake: FakeLocalApi;
let client: LocalApiClient;
fakeLocalApiPerTest((f, c) => {
  fake = f;
  client = c;
});

describe('pingUntilAnswered', () => {
  it('pings again while an earlier ping still waits, and resolves with the first pong', async () => {
    let calls = 0;
    fake.on('POST ping', async (_req, res) => {
      calls++;
      // The first ping is never answered (the peer did not know the key yet).
      if (calls === 1) return;
      await sleep(5);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ IP: '100.64.0.1', LatencySeconds: 0.001 }));
    });
    const t0 = performance.now();
    const r = await pingUntilAnswered(client, '100.64.0.1', { everyMs: 20, patienceMs: 1_000 });
    expect(r?.IP).toBe('100.64.0.1');
    expect(performance.now() - t0).toBeLessThan(1_000);
    expect(fake.seen('POST ping')[0]?.query.get('type')).toBe('disco');
    expect(calls).toBeGreaterThanOrEqual(2);
  });

  it('gives undefined when no pong comes in time, and then stops pinging', async () => {
    fake.on('POST ping', () => ({ json: { IP: '100.64.0.1', Err: 'timeout' } }));
    expect(await pingUntilAnswered(client, '100.64.0.1', { timeoutMs: 100, everyMs: 10 })).toBe(
      undefined,
    );
    const sent = fake.seen('POST ping').length;
    expect(sent).toBeGreaterThan(1);
    await sleep(50);
    expect(fake.seen('POST ping')).toHaveLength(sent);
  });

  it('gives undefined at once when aborted', async () => {
    fake.on('POST ping', () => undefined);
    const stop = new AbortController();
    const r = pingUntilAnswered(client, '100.64.0.1', { signal: stop.signal, timeoutMs: 5_000 });
    stop.abort();
    expect(await r).toBe(undefined);
  });
});
