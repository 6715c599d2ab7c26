import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { forwardArgs } from './forward.js';
import { forwardSocketPath, shimScript } from './lab-host.js';

describe('shimScript', () => {
  it('runs its argv, quoted for sh, then the arguments it is given', () => {
    expect(shimScript(['/opt/bin/tailscale', '--socket=/tmp/lab/run/tailscaled.sock'])).toBe(
      "#!/bin/sh\nexec '/opt/bin/tailscale' '--socket=/tmp/lab/run/tailscaled.sock' \"$@\"\n",
    );
  });

  it('passes quotes, spaces and $ through to the program unchanged', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mesh-shim-'));
    try {
      const shim = join(dir, 'shim');
      await writeFile(shim, shimScript(['printf', '%s|', "it's", 'a $HOME b']));
      expect(execFileSync('sh', [shim, 'x y'], { encoding: 'utf8' })).toBe("it's|a $HOME b|x y|");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('forwardSocketPath', () => {
  it('names the socket by address and port, in the given directory', () => {
    expect(forwardSocketPath('/tmp/lab/hosts/server/run', 8080, '10.99.0.1')).toBe(
      '/tmp/lab/hosts/server/run/fwd-10.99.0.1-8080.sock',
    );
  });

  it('keeps an IPv6 address out of socat address syntax', () => {
    const path = forwardSocketPath('/tmp/run', 8384, '::1');
    expect(path).toBe('/tmp/run/fwd-__1-8384.sock');
    expect(() => forwardArgs(path, 8384, '::1')).not.toThrow();
  });
});
