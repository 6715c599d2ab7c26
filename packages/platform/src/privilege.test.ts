import { describe, expect, it } from 'vitest';
import { decidePrivilege, sudoWorks } from './privilege.js';
import type { Runner } from './runner.js';

describe('decidePrivilege', () => {
  it('root: starts tailscaled directly, whatever else holds', () => {
    expect(decidePrivilege({ isRoot: true, userspace: false, sudo: false })).toEqual({
      kind: 'root',
    });
    expect(decidePrivilege({ isRoot: true, userspace: true, sudo: true })).toEqual({
      kind: 'root',
    });
  });

  it('userspace: needs no root, so it is not escalated even when sudo works', () => {
    expect(decidePrivilege({ isRoot: false, userspace: true, sudo: true })).toEqual({
      kind: 'userspace',
    });
    expect(decidePrivilege({ isRoot: false, userspace: true, sudo: false })).toEqual({
      kind: 'userspace',
    });
  });

  it('sudo: a non-root TUN job with passwordless sudo runs daemons behind sudo -n', () => {
    expect(decidePrivilege({ isRoot: false, userspace: false, sudo: true })).toEqual({
      kind: 'sudo',
      prefix: ['sudo', '-n'],
    });
  });

  it('none: says in one line what is needed', () => {
    const d = decidePrivilege({ isRoot: false, userspace: false, sudo: false });
    expect(d.kind).toBe('none');
    expect(d.kind === 'none' && d.problem).toBe(
      'tailscaled needs root for a TUN device: run the job as root (e.g. a container job), give the runner passwordless sudo (`sudo -n true` failed), or set userspace: true',
    );
  });
});

describe('sudoWorks', () => {
  const runner = (run: Runner['run']): Runner => ({ prefix: [], run });
  const result = (exitCode: number) => ({
    command: 'sudo -n true',
    exitCode,
    stdout: '',
    stderr: '',
    timedOut: false,
  });

  it('runs sudo -n true and reads its exit code', async () => {
    const seen: string[][] = [];
    expect(
      await sudoWorks(
        runner(async (file, args) => {
          seen.push([file, ...args]);
          return result(0);
        }),
      ),
    ).toBe(true);
    expect(seen).toEqual([['sudo', '-n', 'true']]);
    expect(await sudoWorks(runner(async () => result(1)))).toBe(false);
  });

  it('is false when sudo is not installed', async () => {
    expect(
      await sudoWorks(
        runner(async () => {
          throw new Error('could not run sudo: ENOENT');
        }),
      ),
    ).toBe(false);
  });
});
