import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Output, QUIET_WAIT_MS } from './output.js';

function collect(tty = false) {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    streams: {
      stdout: { write: (s: string) => out.push(s), isTTY: tty },
      stderr: { write: (s: string) => err.push(s), isTTY: tty },
    },
  };
}

describe('Output', () => {
  it('prints the INFO/OK/WARN prefixes and sections without colour off a TTY', () => {
    const c = collect();
    const o = new Output({ json: false, streams: c.streams, env: {} });
    o.section('Tailscale');
    o.info('starting');
    o.ok('done');
    o.warn('careful');
    o.error('broken', 'fix it');
    expect(c.out.join('')).toBe('\n=== Tailscale ===\nINFO: starting\nOK: done\nWARN: careful\n');
    expect(c.err.join('')).toBe('ERROR: broken\nHint: fix it\n');
  });

  it('colours on a TTY unless NO_COLOR is set', () => {
    const a = collect(true);
    new Output({ json: false, streams: a.streams, env: {} }).ok('x');
    expect(a.out.join('')).toContain('\u001b[32mOK:');
    const b = collect(true);
    new Output({ json: false, streams: b.streams, env: { NO_COLOR: '1' } }).ok('x');
    expect(b.out.join('')).toBe('OK: x\n');
  });

  it('writes what is unknown as null, never as a missing key', () => {
    const c = collect();
    new Output({ json: true, streams: c.streams, env: {} }).result({
      ok: false,
      version: undefined,
      nodes: [{ ip: undefined }],
    });
    expect(JSON.parse(c.out.join(''))).toEqual({ ok: false, version: null, nodes: [{ ip: null }] });
  });

  it('keeps stdout to one JSON document in JSON mode', () => {
    vi.useFakeTimers();
    try {
      const c = collect();
      const o = new Output({ json: true, streams: c.streams, env: {} });
      o.section('X');
      o.info('hidden');
      o.result({ ok: true });
      const h = o.wait('waiting');
      vi.advanceTimersByTime(1200);
      h.done();
      expect(JSON.parse(c.out.join(''))).toEqual({ ok: true });
      expect(c.err.join('')).toBe('... waiting\n... waiting: done (1.2s)\n');
    } finally {
      vi.useRealTimers();
    }
  });

  it('aligns fields and tables', () => {
    const c = collect();
    const o = new Output({ json: false, streams: c.streams, env: {} });
    o.fields([
      ['OS', 'Debian GNU/Linux 12 (bookworm)'],
      ['Role', 'server'],
      ['Skipped', undefined],
    ]);
    o.table(['NAME', 'IP'], [['server', '100.64.0.1']]);
    expect(c.out.join('')).toBe(
      '  OS:   Debian GNU/Linux 12 (bookworm)\n  Role: server\n  NAME    IP\n  server  100.64.0.1\n',
    );
  });
});

describe('Output.wait', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('prints nothing for a wait that ends before it is worth a line', () => {
    const c = collect();
    const o = new Output({ json: false, streams: c.streams, env: {} });
    const h = o.wait('Checking http://10.0.0.1:8080/health');
    vi.advanceTimersByTime(QUIET_WAIT_MS - 1);
    h.done('ignored');
    vi.advanceTimersByTime(QUIET_WAIT_MS);
    expect(c.err.join('') + c.out.join('')).toBe('');
  });

  it('shows a longer wait when it has lasted that long, then its time', () => {
    const c = collect();
    const o = new Output({ json: false, streams: c.streams, env: {} });
    const h = o.wait('Starting tailscaled');
    vi.advanceTimersByTime(QUIET_WAIT_MS);
    expect(c.err.join('')).toBe('... Starting tailscaled\n');
    vi.advanceTimersByTime(2100 - QUIET_WAIT_MS);
    h.done('100.64.0.2');
    expect(c.err.join('')).toBe(
      '... Starting tailscaled\n... Starting tailscaled: done (2.1s) 100.64.0.2\n',
    );
    expect(c.out.join('')).toBe('');
  });

  it('on a TTY, ends the line it started', () => {
    const c = collect(true);
    const o = new Output({ json: false, streams: c.streams, env: { NO_COLOR: '1' } });
    const h = o.wait('Joining the tailnet');
    vi.advanceTimersByTime(1500);
    h.done();
    expect(c.err.join('')).toBe('... Joining the tailnet done (1.5s)\n');
  });

  it('always prints a failure, on one line when nothing was shown yet', () => {
    const c = collect(true);
    const o = new Output({ json: false, streams: c.streams, env: { NO_COLOR: '1' } });
    o.wait('Checking http://10.0.0.1:8080/health').fail('HTTP 502');
    expect(c.err.join('')).toBe(
      '... Checking http://10.0.0.1:8080/health: failed (0.0s) HTTP 502\n',
    );
  });

  it('prints a wait that took long even when its timer had no turn to run', () => {
    const c = collect();
    const o = new Output({ json: false, streams: c.streams, env: {} });
    const h = o.wait('Restarting Headscale');
    // Synchronous work held the event loop: the clock moved, the timer did not fire.
    vi.setSystemTime(Date.now() + 800);
    h.done();
    expect(c.err.join('')).toBe('... Restarting Headscale: done (0.8s)\n');
  });
});

describe('Output change lines', () => {
  const human = () => {
    const c = collect();
    return { c, o: new Output({ json: false, streams: c.streams, env: {} }) };
  };

  it('changeCount closes a step whose changes were printed as they were made', () => {
    const a = human();
    a.o.changeCount({
      changed: true,
      changes: ['created /opt/shared/.stignore', 'started tailscaled'],
    });
    a.o.changeCount({ changed: true, changes: ['started tailscaled'] });
    a.o.changeCount({ changed: false, changes: [] });
    expect(a.c.out.join('')).toBe('OK: 2 changes\nOK: 1 change\nOK: nothing to change\n');
  });

  it('changes lists each change of a step that printed none', () => {
    const a = human();
    a.o.changes({ changed: true, changes: ['registered pc (10.0.0.2 port 22)'] });
    a.o.changes({ changed: false, changes: [] });
    expect(a.c.out.join('')).toBe(
      'INFO: changed: registered pc (10.0.0.2 port 22)\nOK: nothing to change\n',
    );
  });
});
