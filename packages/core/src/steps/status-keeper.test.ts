import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { MeshContext } from '../context.js';
import type { MeshStatus } from './status/types.js';
import { StatusKeeper } from './status-keeper.js';
import { followSyncthingEvents } from './syncthing-events.js';

const ctx = (hostname = 'wsl') =>
  ({
    hostname,
    role: 'wsl2',
    paths: { stateDir: '/state' },
    ports: {},
    settings: {},
    reporter: { ok: () => undefined },
  }) as unknown as MeshContext;

vi.mock('./syncthing-events.js', () => ({ followSyncthingEvents: vi.fn(async () => undefined) }));

/** A report numbered by how many were made: which one a request got shows whether it was kept. */
function counting() {
  let made = 0;
  const compute = vi.fn(
    async (_ctx: MeshContext) => ({ healthy: true, issues: ++made }) as unknown as MeshStatus,
  );
  return { compute, made: () => made };
}

describe('StatusKeeper', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('answers a second request within maxAgeMs from the kept report, a later one live', async () => {
    const { compute } = counting();
    const keeper = new StatusKeeper({ compute, maxAgeMs: 2000, warmForMs: 0, now: Date.now });
    expect((await keeper.get(ctx())).issues).toBe(1);
    vi.setSystemTime(Date.now() + 1500);
    expect((await keeper.get(ctx())).issues).toBe(1);
    vi.setSystemTime(Date.now() + 600);
    expect((await keeper.get(ctx())).issues).toBe(2);
    keeper.close();
  });

  it('never serves a report made before an invalidation', async () => {
    const { compute } = counting();
    const keeper = new StatusKeeper({ compute, warmForMs: 0 });
    await keeper.get(ctx());
    keeper.invalidate();
    expect((await keeper.get(ctx())).issues).toBe(2);
    expect((await keeper.get(ctx())).issues).toBe(2);
    keeper.close();
  });

  it('does not serve checks that began before an invalidation, even when they end after it', async () => {
    let release: (() => void) | undefined;
    let made = 0;
    const compute = vi.fn(async () => {
      const n = ++made;
      if (n === 1) await new Promise<void>((r) => (release = r));
      return { healthy: true, issues: n } as unknown as MeshStatus;
    });
    const keeper = new StatusKeeper({ compute, warmForMs: 0 });
    const first = keeper.get(ctx());
    await vi.advanceTimersByTimeAsync(0);
    keeper.invalidate();
    const second = keeper.get(ctx());
    release?.();
    expect((await first).issues).toBe(1);
    expect((await second).issues).toBe(2);
    expect((await keeper.get(ctx())).issues).toBe(2);
    keeper.close();
  });

  it('shares one run between requests that arrive while it runs', async () => {
    const { compute } = counting();
    const keeper = new StatusKeeper({ compute, warmForMs: 0 });
    const [a, b] = await Promise.all([keeper.get(ctx()), keeper.get(ctx())]);
    expect(a).toBe(b);
    expect(compute).toHaveBeenCalledTimes(1);
    keeper.close();
  });

  it('keeps apart callers whose settings or flags differ', async () => {
    const { compute } = counting();
    const keeper = new StatusKeeper({ compute, warmForMs: 0 });
    await keeper.get(ctx('wsl'));
    await keeper.get(ctx('other'));
    await keeper.get(ctx('wsl'), { verbose: true });
    expect(compute).toHaveBeenCalledTimes(3);
    keeper.close();
  });

  it('remakes the report in the background while warm, and stops once no one asked for warmForMs', async () => {
    const { compute } = counting();
    const keeper = new StatusKeeper({ compute, maxAgeMs: 2000, warmForMs: 5000 });
    await keeper.get(ctx());
    await vi.advanceTimersByTimeAsync(4000);
    const during = compute.mock.calls.length;
    expect(during).toBeGreaterThan(1);
    // Fresh when asked, though the first report is 4 s old: the background one is served.
    expect((await keeper.get(ctx())).issues).toBe(during);
    expect(compute).toHaveBeenCalledTimes(during);
    await vi.advanceTimersByTimeAsync(20_000);
    const after = compute.mock.calls.length;
    await vi.advanceTimersByTimeAsync(20_000);
    expect(compute).toHaveBeenCalledTimes(after);
    keeper.close();
  });

  it('passes a failure to the caller and keeps no report of it', async () => {
    const compute = vi
      .fn()
      .mockRejectedValueOnce(new Error('syncthing went away'))
      .mockResolvedValue({ healthy: false, issues: 1 });
    const keeper = new StatusKeeper({ compute, warmForMs: 0 });
    await expect(keeper.get(ctx())).rejects.toThrow('syncthing went away');
    expect((await keeper.get(ctx())).issues).toBe(1);
    keeper.close();
  });

  it('makes the report with a silent reporter: the background has no caller to print to', async () => {
    const { compute } = counting();
    const keeper = new StatusKeeper({ compute, warmForMs: 0 });
    await keeper.get(ctx());
    const used = compute.mock.calls[0]?.[0] as MeshContext | undefined;
    expect(used?.reporter).not.toBe(ctx().reporter);
    expect(used?.hostname).toBe('wsl');
    keeper.close();
  });

  it('keeps reports only while it follows Syncthing: not before, not while Syncthing is away', async () => {
    const { compute } = counting();
    const keeper = new StatusKeeper({ compute, warmForMs: 0 });
    void keeper.follow(ctx(), { signal: new AbortController().signal });
    // Nobody asked yet: nothing is followed.
    expect(followSyncthingEvents).not.toHaveBeenCalled();
    await keeper.get(ctx());
    await vi.advanceTimersByTimeAsync(0);
    const hooks = vi.mocked(followSyncthingEvents).mock.calls.at(-1)?.[1];
    expect((await keeper.get(ctx())).issues).toBe(2);
    hooks?.onFollowing?.();
    await keeper.get(ctx());
    expect((await keeper.get(ctx())).issues).toBe(3);
    hooks?.onEvent({ type: 'DeviceDisconnected' } as never);
    expect((await keeper.get(ctx())).issues).toBe(4);
    hooks?.onError?.(new Error('connection refused'));
    expect((await keeper.get(ctx())).issues).toBe(5);
    expect((await keeper.get(ctx())).issues).toBe(6);
    keeper.close();
  });

  it('follows Syncthing only while a report could be served, and again on the next request', async () => {
    const { compute } = counting();
    const keeper = new StatusKeeper({ compute, maxAgeMs: 2000, warmForMs: 0 });
    const stop = new AbortController();
    const following = keeper.follow(ctx(), { signal: stop.signal });
    await keeper.get(ctx());
    await vi.advanceTimersByTimeAsync(0);
    expect(followSyncthingEvents).toHaveBeenCalledTimes(1);
    const signal = vi.mocked(followSyncthingEvents).mock.calls.at(-1)?.[1].signal;
    expect(signal?.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(3000);
    expect(signal?.aborted).toBe(true);
    await keeper.get(ctx());
    await vi.advanceTimersByTimeAsync(0);
    expect(followSyncthingEvents).toHaveBeenCalledTimes(2);
    stop.abort();
    await following;
    keeper.close();
  });
});
