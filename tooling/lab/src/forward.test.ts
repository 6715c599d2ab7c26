import { describe, expect, it } from 'vitest';
import { forwardArgs } from './forward.js';

describe('forwardArgs', () => {
  it('listens on a 0600 unix socket and connects to the port inside the namespace', () => {
    expect(forwardArgs('/tmp/l/run/fwd.sock', 8384)).toEqual([
      'UNIX-LISTEN:/tmp/l/run/fwd.sock,fork,mode=600,unlink-early',
      'TCP:127.0.0.1:8384',
    ]);
    expect(forwardArgs('/tmp/s.sock', 8080, '10.99.0.1')[1]).toBe('TCP:10.99.0.1:8080');
    expect(forwardArgs('/tmp/s.sock', 80, '::1')[1]).toBe('TCP:[::1]:80');
  });

  it('rejects paths socat would misparse and bad ports', () => {
    expect(() => forwardArgs('/tmp/a,b.sock', 80)).toThrow();
    expect(() => forwardArgs('/tmp/a:b.sock', 80)).toThrow();
    expect(() => forwardArgs('/tmp/a.sock', 0)).toThrow();
  });
});
