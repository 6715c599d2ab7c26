import { MeshError } from '@mesh/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { exitCodeFor, reportError, usageError } from './boundary.js';
import { Output } from './output/output.js';

function output(json: boolean) {
  const out: string[] = [];
  const err: string[] = [];
  const o = new Output({
    json,
    env: {},
    streams: {
      stdout: { write: (s: string) => out.push(s) },
      stderr: { write: (s: string) => err.push(s) },
    },
  });
  return { o, out, err };
}

class Named extends Error {
  constructor(
    name: string,
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = name;
  }
}

afterEach(() => vi.restoreAllMocks());

describe('exit codes', () => {
  it.each([
    [usageError('unknown flag'), 2],
    [new MeshError('unhealthy', { kind: 'unhealthy' }), 3],
    [new MeshError('bad url', { kind: 'badInput' }), 4],
    [new Named('HeadscaleConnectionError', 'refused'), 5],
    [new Named('TailscaleControlUnreachableError', 'refused'), 5],
    [new Named('TailscaleAuthKeyError', 'invalid'), 6],
    [new Named('TailscaleDaemonUnreachableError', 'no socket'), 7],
    [new Named('SyncthingConnectionError', 'refused'), 7],
    [new Named('PlatformConfigError', 'bad'), 4],
    [new Error('boom'), 1],
    ['a string', 1],
  ])('%s -> %i', (error, code) => {
    expect(exitCodeFor(error)).toBe(code);
  });
});

describe('reportError', () => {
  it('prints one line plus the library hint, no stack', () => {
    const { o, out, err } = output(false);
    const code = reportError(
      o,
      new Named('TailscaleAuthKeyError', 'auth key rejected (invalid)\nmore', 'make a new key'),
      false,
    );
    expect(code).toBe(6);
    expect(out).toEqual([]);
    expect(err.join('')).toBe('ERROR: auth key rejected (invalid)\nHint: make a new key\n');
  });

  it('writes a JSON error document in JSON mode and redacts keys', () => {
    const { o, out } = output(true);
    reportError(o, new Error(`tailscale up --auth-key hskey-auth-abc123_XYZ failed`), false);
    const doc = JSON.parse(out.join(''));
    expect(doc.ok).toBe(false);
    expect(doc.error.exitCode).toBe(1);
    expect(JSON.stringify(doc)).not.toContain('abc123');
  });

  it('shows stack traces only with --debug', () => {
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const { o } = output(false);
    reportError(o, new Error('boom'), false);
    expect(spy).not.toHaveBeenCalled();
    reportError(o, new Error('boom', { cause: new Error('inner') }), true);
    expect(spy.mock.calls.map((c) => String(c[0])).join('')).toContain('Caused by: Error: inner');
  });
});
