import { MeshError } from '@mesh/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { exitCodeFor, reportError, usageError } from './boundary.js';
import { capturedOutput } from './output/capture.js';

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
    const { out, stdout, errText } = capturedOutput();
    const code = reportError(
      out,
      new Named('TailscaleAuthKeyError', 'auth key rejected (invalid)\nmore', 'make a new key'),
      false,
    );
    expect(code).toBe(6);
    expect(stdout).toEqual([]);
    expect(errText()).toBe('ERROR: auth key rejected (invalid)\nHint: make a new key\n');
  });

  it('writes a JSON error document in JSON mode and redacts keys', () => {
    const { out, text } = capturedOutput({ json: true });
    reportError(out, new Error(`tailscale up --auth-key hskey-auth-abc123_XYZ failed`), false);
    const doc = JSON.parse(text());
    expect(doc.ok).toBe(false);
    expect(doc.error.exitCode).toBe(1);
    expect(JSON.stringify(doc)).not.toContain('abc123');
  });

  it('shows stack traces only with --debug', () => {
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const { out } = capturedOutput();
    reportError(out, new Error('boom'), false);
    expect(spy).not.toHaveBeenCalled();
    reportError(out, new Error('boom', { cause: new Error('inner') }), true);
    expect(spy.mock.calls.map((c) => String(c[0])).join('')).toContain('Caused by: Error: inner');
  });
});
