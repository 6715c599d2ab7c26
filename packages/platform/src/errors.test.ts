import { ABORT_HINT, FALLBACK_HINT, REDACTED } from '@mesh/errors';
import { describe, expect, it } from 'vitest';
import {
  CommandFailedError,
  isPlatformError,
  PlatformAbortError,
  PlatformConfigError,
  PlatformError,
  PlatformTimeoutError,
} from './errors.js';
import { createRunner, RunError, runChecked } from './runner.js';

const node = process.execPath;

describe('platform errors', () => {
  it('never have an empty hint', () => {
    expect(new PlatformError('x').hint).toBe(FALLBACK_HINT);
    expect(new PlatformConfigError('MESH_X', 'bad').hint).toBe(
      'fix MESH_X in the environment or in .env',
    );
    expect(new PlatformAbortError('x').hint).toBe(ABORT_HINT);
  });

  it('redact the command and its output', () => {
    const e = new CommandFailedError('tailscale up --auth-key=k', 1, 'tskey-auth-a-b refused');
    expect(e.command).toBe(`tailscale up --auth-key=${REDACTED}`);
    expect(e.stderr).toBe(`tskey-auth-${REDACTED} refused`);
    expect(e.message).not.toMatch(/=k|a-b/);
  });

  it('are recognised by brand', () => {
    expect(isPlatformError(new RunError('x', { hint: 'y' }))).toBe(true);
    expect(isPlatformError(new Error('x'))).toBe(false);
  });
});

describe('the runner', () => {
  const runner = createRunner();

  it('throws an abort error, not a missing program, when the caller cancels', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('stop')), 100);
    const run = runner.run(node, ['-e', 'setTimeout(() => {}, 10000)'], {
      signal: controller.signal,
    });
    await expect(run).rejects.toBeInstanceOf(PlatformAbortError);
  });

  it('throws a timeout error that is a failed command from runChecked', async () => {
    const run = runChecked(runner, node, ['-e', 'setTimeout(() => {}, 10000)'], { timeout: 100 });
    const error = await run.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PlatformTimeoutError);
    expect(error).toBeInstanceOf(CommandFailedError);
    expect((error as PlatformTimeoutError).timeoutMs).toBe(100);
    expect((error as PlatformTimeoutError).hint).toMatch(/timed out/);
  });

  it('still calls a program that is not there a RunError', async () => {
    await expect(runner.run('/nonexistent/mesh-no-such-program', [])).rejects.toBeInstanceOf(
      RunError,
    );
  });
});
