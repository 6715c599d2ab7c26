import type { ServerResponse } from 'node:http';
import { until } from '@mesh/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import { type FakeServer, sendJson, sendText, startFakeServer } from '../../test/fake-server.js';
import { SyncthingClient } from '../client.js';
import { SyncthingAuthError } from '../errors.js';
import type { SyncthingEvent } from '../schemas/events.js';

/** A tiny long-polling Syncthing event source. */
class FakeEvents {
  events: { id: number; globalID: number; time: string; type: string; data: unknown }[] = [];
  startTime = '2026-01-01T00:00:00Z';
  waiters = new Set<() => void>();
  push(type: string, data: unknown, id?: number) {
    const next = id ?? (this.events.at(-1)?.id ?? 0) + 1;
    this.events.push({ id: next, globalID: next, time: new Date().toISOString(), type, data });
    for (const w of this.waiters) w();
  }
  restart() {
    this.events = [];
    this.startTime = new Date(Date.now() + 60_000).toISOString();
  }
  handle(url: URL, res: ServerResponse) {
    const since = Number(url.searchParams.get('since') ?? 0);
    const limit = Number(url.searchParams.get('limit') ?? 0);
    const timeout = Number(url.searchParams.get('timeout') ?? 60);
    const answer = () => {
      let out = this.events.filter((e) => e.id > since);
      if (limit > 0) out = out.slice(-limit);
      sendJson(res, 200, out);
    };
    if (this.events.some((e) => e.id > since) || timeout === 0) return answer();
    const done = () => {
      this.waiters.delete(done);
      clearTimeout(timer);
      answer();
    };
    const timer = setTimeout(done, timeout * 1000);
    this.waiters.add(done);
    res.on('close', () => {
      this.waiters.delete(done);
      clearTimeout(timer);
    });
  }
}

let server: FakeServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function setup(fake: FakeEvents, opts: { failStatus?: boolean } = {}) {
  server = await startFakeServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    if (req.headers['x-api-key'] !== 'k') return sendText(res, 403, 'CSRF Error');
    if (url.pathname === '/rest/system/status') {
      if (opts.failStatus) return sendText(res, 503, 'down');
      return sendJson(res, 200, { myID: 'X', uptime: 1, startTime: fake.startTime });
    }
    if (url.pathname === '/rest/events' || url.pathname === '/rest/events/disk')
      return fake.handle(url, res);
    sendText(res, 404, '404 page not found');
  });
  return new SyncthingClient({ baseUrl: server.url, apiKey: 'k', maxRetries: 0 });
}

async function take(iter: AsyncIterator<SyncthingEvent>, n: number): Promise<SyncthingEvent[]> {
  const out: SyncthingEvent[] = [];
  while (out.length < n) {
    const next = await iter.next();
    if (next.done) break;
    out.push(next.value);
  }
  return out;
}

describe('events.stream', () => {
  it('starts at the current position, types events, reports gaps, passes unknown types', async () => {
    const fake = new FakeEvents();
    fake.push('Starting', { home: '/h', myID: 'X' });
    fake.push('StartupComplete', null);
    const client = await setup(fake);
    const controller = new AbortController();
    const iter = client.events
      .stream({ signal: controller.signal, pollTimeoutS: 5 })
      [Symbol.asyncIterator]();
    const first = iter.next();
    await until(
      'the long poll after event 2',
      () => server?.requests.some((r) => r.url.includes('since=2&timeout=5')) || undefined,
      10_000,
      { intervalMs: 10 },
    );
    setTimeout(() => {
      fake.push('DeviceConnected', { id: 'DEV', addr: '127.0.0.1:1', type: 'tcp-client' });
      fake.push('FolderCompletion', { folder: 'f', device: 'D', completion: 100 }, 6); // 4,5 dropped
      fake.push('SomethingFrom3x', { whatever: 1 });
      fake.push('StateChanged', { folder: 'f' }); // missing from/to: shape mismatch
    }, 100);
    const events = [(await first).value as SyncthingEvent, ...(await take(iter, 4))];
    expect(events.map((e) => e.type)).toEqual([
      'DeviceConnected',
      'MissedEvents',
      'FolderCompletion',
      'Unknown',
      'Unknown',
    ]);
    const [connected, gap, , unknown, mismatch] = events;
    if (connected?.type !== 'DeviceConnected') throw new Error('narrowing');
    expect(connected.data.id).toBe('DEV');
    expect(connected.id).toBe(3);
    expect(gap).toMatchObject({ reason: 'gap', fromId: 4, toId: 5, count: 2, synthetic: true });
    expect(unknown).toMatchObject({ originalType: 'SomethingFrom3x', data: { whatever: 1 } });
    expect(mismatch).toMatchObject({ originalType: 'StateChanged' });
    expect((mismatch as { issues?: unknown[] }).issues?.length).toBeGreaterThan(0);
    controller.abort();
    expect(await iter.next()).toEqual({ done: true, value: undefined });
  });

  it('sends the events mask and honours since', async () => {
    const fake = new FakeEvents();
    fake.push('Starting', { home: '/h' });
    fake.push('DevicePaused', { device: 'D' });
    const client = await setup(fake);
    const iter = client.events
      .stream({ types: ['DevicePaused', 'DeviceResumed'], since: 1, pollTimeoutS: 5 })
      [Symbol.asyncIterator]();
    const [event] = await take(iter, 1);
    expect(event).toMatchObject({ type: 'DevicePaused', id: 2, data: { device: 'D' } });
    await iter.return?.(); // break: aborts the in-flight poll
    const polls = server?.requests.filter((r) => r.url.startsWith('/rest/events')) ?? [];
    expect(polls.every((p) => p.url.includes('events=DevicePaused%2CDeviceResumed'))).toBe(true);
    expect(polls.some((p) => /[?&]since=1&/.test(p.url))).toBe(true);
  });

  it('reconnects after the server drops mid-poll and detects a restart (ids restart at 1)', async () => {
    const fake = new FakeEvents();
    fake.push('Starting', { home: '/h' });
    fake.push('StartupComplete', null);
    fake.push('DeviceConnected', { id: 'A' });
    const client = await setup(fake);
    const controller = new AbortController();
    const iter = client.events
      .stream({ since: 2, signal: controller.signal, pollTimeoutS: 5, maxReconnectDelayMs: 200 })
      [Symbol.asyncIterator]();
    const [connected] = await take(iter, 1);
    expect(connected).toMatchObject({ type: 'DeviceConnected', id: 3 });
    const nextPromise = take(iter, 3);
    // Simulate a restart while the stream is long-polling with since=3.
    setTimeout(() => {
      fake.restart();
      server?.dropConnections();
      fake.push('Starting', { home: '/h' });
      fake.push('StartupComplete', null);
    }, 100);
    const after = await nextPromise;
    expect(after.map((e) => e.type)).toEqual(['MissedEvents', 'Starting', 'StartupComplete']);
    expect(after[0]).toMatchObject({ reason: 'restart', fromId: 4 });
    expect(after[1]).toMatchObject({ id: 1 });
    controller.abort();
    expect((await iter.next()).done).toBe(true);
  });

  it('a since from an earlier process (ids now lower) is reported as a restart, not a hang', async () => {
    const fake = new FakeEvents();
    fake.push('Starting', { home: '/h' });
    fake.push('StartupComplete', null);
    const client = await setup(fake);
    const iter = client.events.stream({ since: 500, pollTimeoutS: 5 })[Symbol.asyncIterator]();
    const events = await take(iter, 3);
    expect(events.map((e) => e.type)).toEqual(['MissedEvents', 'Starting', 'StartupComplete']);
    expect(events[0]).toMatchObject({ reason: 'restart', fromId: 501 });
    await iter.return?.();
  });

  it('fails fast on a wrong API key', async () => {
    const fake = new FakeEvents();
    await setup(fake);
    const client = new SyncthingClient({ baseUrl: server?.url ?? '', apiKey: 'bad' });
    const iter = client.events.stream()[Symbol.asyncIterator]();
    await expect(iter.next()).rejects.toBeInstanceOf(SyncthingAuthError);
  });

  it('gives up after `timeout` ms of failures with the last error', async () => {
    const fake = new FakeEvents();
    const client = await setup(fake, { failStatus: true });
    const iter = client.events
      .stream({ timeout: 300, maxReconnectDelayMs: 100 })
      [Symbol.asyncIterator]();
    await expect(iter.next()).rejects.toThrow(/503 down/);
  });

  it('diskStream uses /rest/events/disk without a mask', async () => {
    const fake = new FakeEvents();
    fake.push('LocalChangeDetected', {
      folder: 'f',
      path: 'a.txt',
      type: 'file',
      action: 'modified',
      modifiedBy: 'ABCDEFG',
    });
    const client = await setup(fake);
    const iter = client.events.diskStream({ since: 0, pollTimeoutS: 5 })[Symbol.asyncIterator]();
    const { value } = await iter.next();
    expect(value).toMatchObject({ type: 'LocalChangeDetected', data: { path: 'a.txt' } });
    await iter.return?.();
    const polls = server?.requests.filter((r) => r.url.startsWith('/rest/events')) ?? [];
    expect(
      polls.every((r) => r.url.startsWith('/rest/events/disk?') && !r.url.includes('events=')),
    ).toBe(true);
  });
});
