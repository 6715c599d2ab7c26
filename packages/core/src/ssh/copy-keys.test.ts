import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Runner, RunResult } from '@mesh/platform';
import { afterEach, describe, expect, it } from 'vitest';
import { type FakeMachine, fakeMachine, meshFailure } from '../../test/fake-machine.js';
import type { MeshContext } from '../context.js';
import { hostsFile } from '../hosts/registry.js';
import { copySshKeys } from './copy-keys.js';

// Real public keys made with ssh-keygen (their private halves were deleted).
const ED = 'AAAAC3NzaC1lZDI1NTE5AAAAIDT9s9kOLRE9hfkhmhtO0BNkUpPROfks7qnWofLZUmWx';
const K2 = 'AAAAC3NzaC1lZDI1NTE5AAAAIAimcHFbHZZH8e0JE+3/AEVdjiVTtjGbCWFBZGS0awIm';
const K3 = 'AAAAC3NzaC1lZDI1NTE5AAAAINwIb+CvhGIviopX/TMA+OOAWzjlBTlnA+kKBkpYxugx';

let machine: FakeMachine;
afterEach(async () => {
  await machine?.remove();
});

/** A machine with host `hub` registered, whose ssh answers with `answer()`. */
async function withHub(answer: () => Partial<RunResult>) {
  machine = await fakeMachine('unknown', 'pc');
  const base = await machine.context();
  await writeFile(hostsFile(base), 'hosts:\n  hub: {ip: 100.64.0.1, user: dev}\n');
  const calls: string[][] = [];
  const runner: Runner = {
    prefix: [],
    async run(file, args) {
      calls.push([file, ...args]);
      return { command: file, exitCode: 0, stdout: '', stderr: '', timedOut: false, ...answer() };
    },
  };
  const ctx: MeshContext = { ...base, runner };
  const file = path.join(machine.home, '.ssh/authorized_keys');
  return { ctx, calls, file };
}

describe('mesh ssh copy-keys --from HOST', () => {
  it('merges the host keys into their own block; a second run changes nothing', async () => {
    let remote = `# hub's keys\nssh-ed25519 ${ED} same-as-mine\nssh-ed25519 ${K2} k2\nnot a key\n`;
    const { ctx, calls, file } = await withHub(() => ({ stdout: remote }));
    await mkdir(path.dirname(file), { recursive: true });
    const mine = `ssh-ed25519 ${ED} laptop\n`;
    await writeFile(file, mine);

    const r = await copySshKeys(ctx, { from: 'hub' });
    expect(calls[0]?.slice(-3)).toEqual(['dev@100.64.0.1', '--', 'cat ~/.ssh/authorized_keys']);
    expect(calls[0]).toContain('BatchMode=yes');
    expect(r).toMatchObject({ changed: true, mode: 'merge', present: 1, invalid: 1 });
    expect(r.added.map((k) => k.comment)).toEqual(['k2']);
    const block = [
      '# mesh-managed: keys from hub',
      `ssh-ed25519 ${K2} k2`,
      '# end mesh-managed: keys from hub',
      '',
    ].join('\n');
    expect(await readFile(file, 'utf8')).toBe(`${mine}${block}`);
    expect((await copySshKeys(ctx, { from: 'hub' })).changed).toBe(false);
    expect(await readFile(file, 'utf8')).toBe(`${mine}${block}`);

    // hub drops k2 and gains k3: merge only adds; replace also drops k2, with a backup first.
    remote = `ssh-ed25519 ${K3} k3\n`;
    await copySshKeys(ctx, { from: 'hub' });
    const merged = `${mine}${block.replace(`k2\n`, `k2\nssh-ed25519 ${K3} k3\n`)}`;
    expect(await readFile(file, 'utf8')).toBe(merged);
    const handAdded = `${merged}ssh-ed25519 ${K2} added by hand too\n`;
    await writeFile(file, handAdded);
    remote = `ssh-ed25519 ${K3} k3\n`;
    const replaced = await copySshKeys(ctx, { from: 'hub', replace: true });
    // k2 left the block but stays authorized by the user's own line: not reported as removed.
    expect(replaced.removed).toEqual([]);
    expect(await readFile(file, 'utf8')).toBe(handAdded.replace(`ssh-ed25519 ${K2} k2\n`, ''));
    expect(replaced.backupPath).toMatch(/authorized_keys\.mesh-bak-\d{8}T\d{6}Z$/);
    expect(await readFile(replaced.backupPath as string, 'utf8')).toBe(handAdded);

    remote = `ssh-ed25519 ${K2} k2\n`;
    await writeFile(file, merged);
    const swapped = await copySshKeys(ctx, { from: 'hub', replace: true });
    expect(swapped.changes).toEqual([
      expect.stringMatching(/^removed ssh-ed25519 SHA256:\S+ \(k3\): hub no longer has it$/),
    ]);
    expect(await readFile(file, 'utf8')).toBe(`${mine}${block}`);
    expect((await copySshKeys(ctx, { from: 'hub', replace: true })).changed).toBe(false);
  });

  it('refuses a --replace that would empty the block, an unknown host, and a host without keys', async () => {
    let answer: Partial<RunResult> = { stdout: '# nothing here\n' };
    const { ctx, file } = await withHub(() => answer);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, `ssh-ed25519 ${ED} laptop\n`);
    const before = await machine.tree();
    const empty = await meshFailure(copySshKeys(ctx, { from: 'hub', replace: true }), 'badInput');
    expect(empty.message).toBe(
      'hub lists no public keys: --replace would remove every key copied from it',
    );
    expect((await copySshKeys(ctx, { from: 'hub' })).changed).toBe(false);
    await meshFailure(copySshKeys(ctx, { from: 'nas' }), 'badInput');
    answer = {
      exitCode: 1,
      stderr: 'cat: /home/dev/.ssh/authorized_keys: No such file or directory\n',
    };
    expect((await meshFailure(copySshKeys(ctx, { from: 'hub' }), 'badInput')).message).toBe(
      'hub has no ~/.ssh/authorized_keys (user dev)',
    );
    expect(await machine.tree()).toEqual(before);
    expect(await readdir(path.dirname(file))).toEqual(['authorized_keys']);
  });

  it('a host that does not let mesh in is exit 8 (hostUnreachable)', async () => {
    const { ctx } = await withHub(() => ({
      exitCode: 255,
      stderr: 'dev@100.64.0.1: Permission denied (publickey).\n',
    }));
    const e = await meshFailure(copySshKeys(ctx, { from: 'hub' }), 'hostUnreachable');
    expect(e.exitCode).toBe(8);
    expect(e.message).toBe('SSH to dev@100.64.0.1 port 22 (hub): the key was refused');
  });
});
