import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ActionProtocol,
  escapeData,
  inputEnvName,
  parseFileCommands,
  stateEnv,
} from './protocol.js';

let dir: string;
let out: string[];
let env: NodeJS.ProcessEnv;
const proto = () => new ActionProtocol(env, { stdout: { write: (s: string) => out.push(s) } });

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mesh-action-proto-'));
  writeFileSync(join(dir, 'output'), '');
  writeFileSync(join(dir, 'state'), '');
  out = [];
  env = { GITHUB_OUTPUT: join(dir, 'output'), GITHUB_STATE: join(dir, 'state') };
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('inputs', () => {
  it('names env vars the way the runner does: upper case, spaces to _, hyphens kept', () => {
    expect(inputEnvName('accept-routes')).toBe('INPUT_ACCEPT-ROUTES');
    expect(inputEnvName('my input')).toBe('INPUT_MY_INPUT');
  });

  it('reads and trims inputs, empty when unset', () => {
    env['INPUT_ACCEPT-ROUTES'] = '  true \n';
    expect(proto().getInput('accept-routes')).toBe('true');
    expect(proto().getInput('server')).toBe('');
  });
});

describe('outputs and state files', () => {
  it('writes the heredoc form, multi-line safe, and reads back the same values', () => {
    const p = proto();
    p.setOutput('ip', '100.64.0.7');
    p.setOutput('note', 'line one\nline two\nip=1.2.3.4');
    p.setOutput('empty', '');
    const text = readFileSync(env['GITHUB_OUTPUT'] as string, 'utf8');
    expect(text).toMatch(/^ip<<ghadelimiter_[0-9a-f-]{36}\n100\.64\.0\.7\nghadelimiter_/);
    expect(parseFileCommands(text)).toEqual({
      ip: '100.64.0.7',
      note: 'line one\nline two\nip=1.2.3.4',
      empty: '',
    });
    expect(out).toEqual([]);
  });

  it('hands state to post as STATE_<name>, like the runner', () => {
    proto().saveState('tailscaled-pid', '4242');
    const state = parseFileCommands(readFileSync(env['GITHUB_STATE'] as string, 'utf8'));
    env = stateEnv(state);
    expect(env['STATE_tailscaled-pid']).toBe('4242');
    expect(proto().getState('tailscaled-pid')).toBe('4242');
  });

  it('says what is wrong when the runner did not set the file', () => {
    env = {};
    expect(() => proto().setOutput('ip', 'x')).toThrow(/GITHUB_OUTPUT is not set/);
  });

  it('parses the old k=v form too', () => {
    expect(parseFileCommands('a=1\nb=x=y\n')).toEqual({ a: '1', b: 'x=y' });
  });
});

describe('masking', () => {
  it('announces the secret, then never prints or writes it again', () => {
    const p = proto();
    const key = 'hskey-auth-abcdEFGH1234-secret';
    p.setSecret(key);
    p.info(`joining with ${key}`);
    p.error(`failed: --auth-key=${key}`);
    p.setOutput('leak', `x${key}y`);
    expect(out[0]).toBe(`::add-mask::${key}\n`);
    const rest = out.slice(1).join('');
    expect(rest).not.toContain(key);
    expect(rest).toContain('joining with [REDACTED]');
    expect(readFileSync(env['GITHUB_OUTPUT'] as string, 'utf8')).not.toContain(key);
  });

  it('masks every line of a multi-line secret', () => {
    const p = proto();
    p.setSecret('aaa-secret\nbbb-secret');
    expect(out).toEqual(['::add-mask::aaa-secret\n', '::add-mask::bbb-secret\n']);
    p.info('x bbb-secret y');
    expect(out[2]).toBe('x [REDACTED] y\n');
  });

  it('ignores an empty secret (masking "" would hide nothing useful)', () => {
    proto().setSecret('');
    expect(out).toEqual([]);
  });
});

describe('commands', () => {
  it('keeps an error on one physical line', () => {
    proto().error('bad thing\nsecond line 100%');
    expect(out).toEqual(['::error::bad thing%0Asecond line 100%25\n']);
    expect(escapeData('a\r\nb')).toBe('a%0D%0Ab');
  });

  it('closes a group even when its body throws', async () => {
    const p = proto();
    await expect(
      p.group('Join', async () => {
        p.info('inside');
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(out).toEqual(['::group::Join\n', 'inside\n', '::endgroup::\n']);
  });
});
