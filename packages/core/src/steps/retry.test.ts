import { describe, expect, it } from 'vitest';
import { MeshError } from '../errors.js';
import { isTransientJoinError, retryDelayMs } from './retry.js';

describe('isTransientJoinError', () => {
  it('retries an unreachable server or control timeout', () => {
    expect(isTransientJoinError(new MeshError('x', { kind: 'serverUnreachable' }))).toBe(true);
    const e = Object.assign(new Error('t'), { name: 'TailscaleControlUnreachableError' });
    expect(isTransientJoinError(new MeshError('x', { cause: e }))).toBe(true);
    const t = Object.assign(new Error('t'), { name: 'HeadscaleTimeoutError' });
    expect(isTransientJoinError(t)).toBe(true);
  });
  it('never retries a rejected key or bad input', () => {
    expect(isTransientJoinError(new MeshError('x', { kind: 'authRejected' }))).toBe(false);
    expect(isTransientJoinError(new MeshError('x', { kind: 'badInput' }))).toBe(false);
    expect(isTransientJoinError(new Error('other'))).toBe(false);
  });
});

describe('retryDelayMs', () => {
  it('grows exponentially with jitter in the upper half, capped at 15 s', () => {
    expect(retryDelayMs(1, 0)).toBe(500);
    expect(retryDelayMs(1, 0.999)).toBeLessThanOrEqual(1000);
    expect(retryDelayMs(3, 0)).toBe(2000);
    expect(retryDelayMs(10, 0.999)).toBeLessThanOrEqual(15_000);
    expect(retryDelayMs(10, 0)).toBe(7500);
  });
});
