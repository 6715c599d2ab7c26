import { describe, expect, it } from 'vitest';
import { headscaleLayout, parsePreAuthKey, parseUser, preAuthKeyArgs } from './lab-headscale.js';

it('keeps headscale under the server root, serving on its bridge address', () => {
  expect(headscaleLayout({ root: '/tmp/lab/hosts/server', ip: '10.99.0.1' })).toEqual({
    url: 'http://10.99.0.1:8080',
    stateDir: '/tmp/lab/hosts/server/var/lib/headscale',
    configDir: '/tmp/lab/hosts/server/etc/headscale',
    configPath: '/tmp/lab/hosts/server/etc/headscale/config.yaml',
    config: {
      serverUrl: 'http://10.99.0.1:8080',
      listenAddr: '10.99.0.1:8080',
      stateDir: '/tmp/lab/hosts/server/var/lib/headscale',
      derpIpv4: '10.99.0.1',
    },
  });
});

describe('preAuthKeyArgs', () => {
  it('creates a one-use key for an hour by default', () => {
    expect(preAuthKeyArgs({ user: 1 })).toEqual([
      'preauthkeys',
      'create',
      '--user',
      '1',
      '--expiration',
      '1h',
    ]);
  });

  it('adds the flags asked for', () => {
    expect(preAuthKeyArgs({ user: 7, reusable: true, ephemeral: true, expiration: '10m' })).toEqual(
      ['preauthkeys', 'create', '--user', '7', '--reusable', '--ephemeral', '--expiration', '10m'],
    );
  });
});

describe('parsing headscale JSON', () => {
  it('takes a user id printed as a string or a number', () => {
    expect(parseUser({ id: '3', name: 'lab', created_at: 'x' })).toEqual({ id: 3, name: 'lab' });
    expect(parseUser({ id: 4, name: 'lab' })).toEqual({ id: 4, name: 'lab' });
  });

  it('returns the pre-auth key, and never quotes the output when there is none', () => {
    expect(parsePreAuthKey({ key: 'hskey-auth-abc', user: {} })).toBe('hskey-auth-abc');
    const error = (() => {
      try {
        parsePreAuthKey({ key: '', secret: 'hskey-auth-leak' });
      } catch (e) {
        return e as Error;
      }
    })();
    expect(error?.message).toBe('headscale printed no pre-auth key');
    expect(JSON.stringify(error)).not.toContain('hskey-auth-leak');
  });
});
