import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { capturedOutput } from './capture.js';
import { QUIET_WAIT_MS } from './output.js';

describe('Output', () => {
  it('prints the INFO/OK/WARN prefixes and sections without colour off a TTY', () => {
    const { out: o, text, errText } = capturedOutput();
    o.section('Tailscale');
    o.info('starting');
    o.ok('done');
    o.warn('careful');
    o.error('broken', 'fix it');
    expect(text()).toBe('\n=== Tailscale ===\nINFO: starting\nOK: done\nWARN: careful\n');
    expect(errText()).toBe('ERROR: broken\nHint: fix it\n');
  });

  it('colours on a TTY unless NO_COLOR is set', () => {
    const a = capturedOutput({ tty: true });
    a.out.ok('x');
    expect(a.text()).toContain('\u001b[32mOK:');
    const b = capturedOutput({ tty: true, env: { NO_COLOR: '1' } });
    b.out.ok('x');
    expect(b.text()).toBe('OK: x\n');
  });

  it('writes what is unknown as null, never as a missing key', () => {
    const { out, text } = capturedOutput({ json: true });
    out.result({
      ok: false,
      version: undefined,
      nodes: [{ ip: undefined }],
    });
    expect(JSON.parse(text())).toEqual({ ok: false, version: null, nodes: [{ ip: null }] });
  });

  it('keeps stdout to one JSON document in JSON mode', () => {
    vi.useFakeTimers();
    try {
      const { out: o, text, errText } = capturedOutput({ json: true });
      o.section('X');
      o.info('hidden');
      o.result({ ok: true });
      const h = o.wait('waiting');
      vi.advanceTimersByTime(1200);
      h.done();
      expect(JSON.parse(text())).toEqual({ ok: true });
      expect(errText()).toBe('... waiting\n... waiting: done (1.2s)\n');
    } finally {
      vi.useRealTimers();
    }
  });

  it('aligns fields and tables', () => {
    const { out: o, text } = capturedOutput();
    o.fields([
      ['OS', 'Debian GNU/Linux 12 (bookworm)'],
      ['Role', 'server'],
      ['Skipped', undefined],
    ]);
    o.table(['NAME', 'IP'], [['server', '100.64.0.1']]);
    expect(text()).toBe(
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
    const { out: o, text, errText } = capturedOutput();
    const h = o.wait('Checking http://10.0.0.1:8080/health');
    vi.advanceTimersByTime(QUIET_WAIT_MS - 1);
    h.done('ignored');
    vi.advanceTimersByTime(QUIET_WAIT_MS);
    expect(errText() + text()).toBe('');
  });

  it('shows a longer wait when it has lasted that long, then its time', () => {
    const { out: o, text, errText } = capturedOutput();
    const h = o.wait('Starting tailscaled');
    vi.advanceTimersByTime(QUIET_WAIT_MS);
    expect(errText()).toBe('... Starting tailscaled\n');
    vi.advanceTimersByTime(2100 - QUIET_WAIT_MS);
    h.done('100.64.0.2');
    expect(errText()).toBe(
      '... Starting tailscaled\n... Starting tailscaled: done (2.1s) 100.64.0.2\n',
    );
    expect(text()).toBe('');
  });

  it('on a TTY, ends the line it started', () => {
    const { out: o, errText } = capturedOutput({ tty: true, env: { NO_COLOR: '1' } });
    const h = o.wait('Joining the tailnet');
    vi.advanceTimersByTime(1500);
    h.done();
    expect(errText()).toBe('... Joining the tailnet done (1.5s)\n');
  });

  it('always prints a failure, on one line when nothing was shown yet', () => {
    const { out: o, errText } = capturedOutput({ tty: true, env: { NO_COLOR: '1' } });
    o.wait('Checking http://10.0.0.1:8080/health').fail('HTTP 502');
    expect(errText()).toBe('... Checking http://10.0.0.1:8080/health: failed (0.0s) HTTP 502\n');
  });

  it('prints a wait that took long even when its timer had no turn to run', () => {
    const { out: o, errText } = capturedOutput();
    const h = o.wait('Restarting Headscale');
    // Synchronous work held the event loop: the clock moved, the timer did not fire.
    vi.setSystemTime(Date.now() + 800);
    h.done();
    expect(errText()).toBe('... Restarting Headscale: done (0.8s)\n');
  });
});

describe('Output change lines', () => {
  it('changeCount closes a step whose changes were printed as they were made', () => {
    const { out: o, text } = capturedOutput();
    o.changeCount({
      changed: true,
      changes: ['created /opt/shared/.stignore', 'started tailscaled'],
    });
    o.changeCount({ changed: true, changes: ['started tailscaled'] });
    o.changeCount({ changed: false, changes: [] });
    expect(text()).toBe('OK: 2 changes\nOK: 1 change\nOK: nothing to change\n');
  });

  it('changes lists each change of a step that printed none', () => {
    const { out: o, text } = capturedOutput();
    o.changes({ changed: true, changes: ['registered pc (10.0.0.2 port 22)'] });
    o.changes({ changed: false, changes: [] });
    expect(text()).toBe('INFO: changed: registered pc (10.0.0.2 port 22)\nOK: nothing to change\n');
  });
});
