import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type InputName, MAX_TIMEOUT_MS, parseInputs } from './inputs.js';

const KEY = 'hskey-auth-TESTKEY0123456789';
const base: Partial<Record<InputName, string>> = { server: 'http://10.99.0.1:8080', key: KEY };
const env = {
  RUNNER_TEMP: '/tmp/rt',
  RUNNER_NAME: 'GitHub Actions 7',
  GITHUB_RUN_ID: '99',
  GITHUB_RUN_ATTEMPT: '1',
};
const parse = (inputs: Partial<Record<InputName, string>>) =>
  parseInputs((n) => ({ ...base, ...inputs })[n] ?? '', env);
const dir = mkdtempSync(join(tmpdir(), 'mesh-action-inputs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('parseInputs', () => {
  it('fills documented defaults', () => {
    const c = parse({});
    expect(c).toMatchObject({
      server: 'http://10.99.0.1:8080',
      hostname: 'github-github-actions-7',
      tags: [],
      acceptRoutes: false,
      timeoutMs: 120_000,
      retry: 2,
      ping: [],
      userspace: false,
      binaries: {},
      stateDir: '/tmp/rt/mesh-action-99-1',
    });
    expect(c.syncthing).toBeUndefined();
  });

  it('parses lists, booleans and durations', () => {
    const c = parse({
      server: 'https://hs.example.org/',
      tags: 'ci, tag:build\nlinux',
      'accept-routes': 'True',
      timeout: '1m30s',
      retry: '0',
      ping: 'server,100.64.0.1 other',
      userspace: 'true',
      hostname: 'Runner-1',
    });
    expect(c).toMatchObject({
      server: 'https://hs.example.org',
      tags: ['tag:ci', 'tag:build', 'tag:linux'],
      acceptRoutes: true,
      timeoutMs: 90_000,
      retry: 0,
      ping: ['server', '100.64.0.1', 'other'],
      userspace: true,
      hostname: 'runner-1',
    });
  });

  it('gives one clear message per bad input', () => {
    expect(() => parse({ timeout: 'abc' })).toThrow(
      'input "timeout" must be a duration like 60s or 1m30s, got "abc" (it does not start with a number)',
    );
    expect(() => parse({ 'accept-routes': 'yes' })).toThrow(
      'input "accept-routes" must be true or false, got "yes"',
    );
    expect(() => parse({ server: 'hs.example.org' })).toThrow(
      'input "server" must be an http(s) URL like https://hs.example.org, got "hs.example.org"',
    );
    expect(() => parse({ server: '' })).toThrow('input "server" is required');
    expect(() => parse({ retry: '-1', timeout: '5x' })).toThrow(
      'input "timeout" must be a duration like 60s or 1m30s, got "5x" (unknown unit "x"); input "retry" must be a whole number from 0 to 20, got "-1"',
    );
    expect(() => parse({ 'tailscale-bin': join(dir, 'nope') })).toThrow(
      /input "tailscale-bin" names a file that does not exist/,
    );
    expect(() => parse({ 'state-dir': 'relative/dir' })).toThrow(
      'input "state-dir" must be an absolute path, got "relative/dir"',
    );
  });

  it('never quotes a secret back', () => {
    const bad = `${KEY} extra`;
    let message = '';
    try {
      parse({ key: bad });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toBe('input "key" must be a Headscale pre-auth key (one word, no spaces)');
    expect(message).not.toContain(KEY);
    expect(() => parse({ key: '' })).toThrow('input "key" is required');
  });

  it('needs no peer API for syncthing, and defaults to the mesh folder', () => {
    const bin = join(dir, 'syncthing');
    writeFileSync(bin, '');
    const c = parse({ syncthing: 'true', 'syncthing-bin': bin });
    expect(c.syncthing).toEqual({
      folderId: 'opt-shared',
      folderPath: '/tmp/rt/mesh-folder/opt-shared',
    });
    expect(c.binaries.syncthing).toBe(bin);
  });
});

// The grammar itself is @mesh/core's (duration.test.ts); these check the input uses it.
describe('input "timeout"', () => {
  it.each([
    ['60s', 60_000],
    ['2m', 120_000],
    ['1h', 3_600_000],
    ['500ms', 500],
    ['1m30s', 90_000],
    ['1h30m', 5_400_000],
    ['1d', 86_400_000],
    ['24d', MAX_TIMEOUT_MS],
    ['90', 90_000],
  ])('%s → %d ms', (timeout, ms) => expect(parse({ timeout }).timeoutMs).toBe(ms));
  it.each([
    ['0', 'it is zero'],
    ['1.5x', 'unknown unit "x"'],
    ['-3s', 'it is negative'],
    ['0s', 'it is zero'],
    ['1 m', 'it has spaces in it'],
    // Longer than a Node timer can wait: the step would time out at once.
    ['25d', 'it is longer than the maximum of 24d'],
  ])('rejects %j (%s)', (timeout, problem) =>
    expect(() => parse({ timeout })).toThrow(
      `input "timeout" must be a duration like 60s or 1m30s, got "${timeout}" (${problem})`,
    ),
  );
});

describe('tailscale-packages-url', () => {
  it("defaults to Tailscale's package server and drops a trailing slash", () => {
    expect(parse({}).tailscalePackagesUrl).toBe('https://pkgs.tailscale.com/stable');
    expect(
      parse({ 'tailscale-packages-url': 'http://10.99.0.1:8080/stable/' }).tailscalePackagesUrl,
    ).toBe('http://10.99.0.1:8080/stable');
  });

  it('refuses what is not an http(s) directory URL, without quoting a query', () => {
    expect(() => parse({ 'tailscale-packages-url': 'ftp://x/stable' })).toThrow(
      'input "tailscale-packages-url" must be an http(s) URL like https://pkgs.tailscale.com/stable, got "ftp://x/stable"',
    );
    expect(() => parse({ 'tailscale-packages-url': 'https://x/s?token=abc' })).toThrow(
      /^input "tailscale-packages-url" must be a URL without query or fragment$/,
    );
  });
});
