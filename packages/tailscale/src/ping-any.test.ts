import { describe, expect, it } from 'vitest';
import { type FakeLocalApi, fakeLocalApiPerTest } from '../test/helpers/fake-local-api.js';
import type { LocalApiClient } from './local-api.js';
import { pingAny } from './ping-any.js';

let fake: FakeLocalApi;
let client: LocalApiClient;
fakeLocalApiPerTest((f, c) => {
  fake = f;
  client = c;
});

const IPS = ['100.64.0.1', '100.64.0.2', '100.64.0.3'];
const pong = (ip: string) => ({ json: { IP: ip, LatencySeconds: 0.001 } });
const pinged = () => fake.seen('POST ping').map((r) => r.query.get('ip'));

describe('pingAny', () => {
  it('asks only the first IP when it answers', async () => {
    fake.on('POST ping', (req) => pong(req.query.get('ip') ?? ''));
    expect((await pingAny(client, IPS))?.IP).toBe('100.64.0.1');
    expect(pinged()).toEqual(['100.64.0.1']);
    expect(fake.seen('POST ping')[0]?.query.get('type')).toBe('disco');
  });

  it('asks the others once the first has been alone for aloneMs, and takes their answer', async () => {
    // The first never answers (its link is down); the third does.
    fake.on('POST ping', (req) =>
      req.query.get('ip') === '100.64.0.3' ? pong('100.64.0.3') : undefined,
    );
    const r = await pingAny(client, IPS, { aloneMs: 50, timeoutMs: 5_000 });
    expect(r?.IP).toBe('100.64.0.3');
    expect(pinged()[0]).toBe('100.64.0.1');
    expect(pinged().sort()).toEqual(IPS);
  });

  it('asks no other IP while the first is alone', async () => {
    fake.on('POST ping', () => undefined);
    expect(await pingAny(client, IPS, { aloneMs: 60_000, timeoutMs: 100 })).toBe(undefined);
    expect(pinged()).toEqual(['100.64.0.1']);
  });

  it('asks the others at once when the first fails', async () => {
    fake.on('POST ping', (req) =>
      req.query.get('ip') === '100.64.0.1'
        ? { json: { IP: '100.64.0.1', Err: 'no matching peer' } }
        : pong(req.query.get('ip') ?? ''),
    );
    // Were it to wait out aloneMs, the test would time out.
    const r = await pingAny(client, IPS, { aloneMs: 60_000, timeoutMs: 60_000 });
    expect(['100.64.0.2', '100.64.0.3']).toContain(r?.IP);
  });

  it('gives undefined when none answers within timeoutMs, and nothing without IPs', async () => {
    fake.on('POST ping', (req) => ({ json: { IP: req.query.get('ip'), Err: 'timeout' } }));
    expect(await pingAny(client, IPS, { aloneMs: 10, timeoutMs: 200 })).toBe(undefined);
    expect(pinged()).toHaveLength(3);
    expect(await pingAny(client, [])).toBe(undefined);
    expect(pinged()).toHaveLength(3);
  });
});
