import { describe, expect, it } from 'vitest';
import { Output } from './output.js';

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
    const c = collect();
    const o = new Output({ json: true, streams: c.streams, env: {} });
    o.section('X');
    o.info('hidden');
    o.result({ ok: true });
    const h = o.wait('waiting');
    h.done();
    expect(JSON.parse(c.out.join(''))).toEqual({ ok: true });
    expect(c.err.join('')).toMatch(/\.\.\. waiting: done \(\d+\.\ds\)/);
  });

  it('aligns fields and tables', () => {
    const c = collect();
    const o = new Output({ json: false, streams: c.streams, env: {} });
    o.fields([
      ['OS', 'ubuntu'],
      ['Role', 'server'],
      ['Skipped', undefined],
    ]);
    o.table(['NAME', 'IP'], [['server', '100.64.0.1']]);
    expect(c.out.join('')).toBe(
      '  OS:   ubuntu\n  Role: server\n  NAME    IP\n  server  100.64.0.1\n',
    );
  });
});
