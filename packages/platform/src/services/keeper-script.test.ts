import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { KEEPER_SCRIPT } from './keeper-script.js';

// The keeper is shell in a string: these give it what a .sh file in the tree would get, a
// syntax check by the shell that runs it and a lint (shellcheck is installed by the project's
// install script).
describe('the keeper script', () => {
  it('parses with /bin/sh', async () => {
    const r = await execa('sh', ['-n'], { input: KEEPER_SCRIPT, reject: false, timeout: 10_000 });
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
  });

  it('passes shellcheck as POSIX sh', async () => {
    const r = await execa('shellcheck', ['--shell=sh', '--severity=style', '-'], {
      input: KEEPER_SCRIPT,
      reject: false,
      timeout: 30_000,
    });
    expect(r.stdout).toBe('');
    expect(r.exitCode).toBe(0);
  });
});
