import { expect, it } from 'vitest';
import { tailscaleUpArgs } from './join-args.js';

it('joins with the key read from a file, never on the command line', () => {
  const args = tailscaleUpArgs({
    loginServer: 'http://10.99.0.1:8080',
    keyFile: '/tmp/lab/etc/authkey',
    hostname: 'wsl',
    timeoutMs: 60_000,
  });
  expect(args).toEqual([
    'up',
    '--login-server=http://10.99.0.1:8080',
    '--auth-key=file:/tmp/lab/etc/authkey',
    '--hostname=wsl',
    '--netfilter-mode=off',
    '--accept-dns=false',
    '--timeout=60s',
  ]);
  expect(args.join(' ')).not.toMatch(/hskey-/);
});
