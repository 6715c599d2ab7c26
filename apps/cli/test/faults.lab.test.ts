import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describeLab, type Lab } from '@mesh/lab';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CLI, mesh, sharedFolder, until } from './lab-helpers.js';
import { labMesh } from './lab-mesh.js';

// Faults a small mesh meets, on bare lab hosts with the real programs. Each case writes files
// on both sides while the fault happens, then checks every file by sha256 on every member once
// it is over: nothing lost or damaged, conflicts visible. The suite ends with a table.
const SERVER_URL = 'http://10.99.0.1:8080';
const MEMBERS = ['server', 'wsl', 'windows'] as const;
const DOWN_S = Number(process.env['MESH_FAULT_DOWN_S'] ?? 60);

let lab: Lab;
let keyFile = '';
const table: Array<{ fault: string; written: number; lost: number; conflicts: number; s: number }> =
  [];

const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

/** Writes `n` files of random text on `host`; returns name -> sha256. */
async function write(host: string, prefix: string, n: number): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for (let i = 0; i < n; i++) {
    const name = `${prefix}-${host}-${i}.txt`;
    const text = `${randomBytes(24).toString('hex')}\n`;
    await writeFile(path.join(sharedFolder(lab.host(host)), name), text);
    files.set(name, sha(text));
  }
  return files;
}

/** Waits until every member has every file whole; returns how many are still missing then. */
async function lostAfter(files: Map<string, string>, timeoutMs = 180_000): Promise<number> {
  const missing = async () => {
    let n = 0;
    for (const h of MEMBERS) {
      for (const [name, sum] of files) {
        const got = await readFile(path.join(sharedFolder(lab.host(h)), name)).catch(() => null);
        if (!got || sha(got) !== sum) n++;
      }
    }
    return n;
  };
  return until(
    'every file on every member',
    async () => ((await missing()) === 0 ? 0 : undefined),
    timeoutMs,
  ).catch(() => missing());
}

async function conflictCopies(): Promise<number> {
  let n = 0;
  for (const h of MEMBERS) {
    n += (await readdir(sharedFolder(lab.host(h)))).filter((f) =>
      f.includes('.sync-conflict-'),
    ).length;
  }
  return n;
}

function pidFile(host: string, file: string): string {
  return path.join(lab.host(host).env['HOME'] as string, '.local/state/mesh/services', file);
}

async function pid(host: string, file: string): Promise<number> {
  return Number((await readFile(pidFile(host, file), 'utf8').catch(() => '0')).trim());
}

async function healthy(host: string, timeoutMs = 120_000): Promise<void> {
  await until(
    `${host} healthy`,
    async () => ((await mesh(lab, host, ['status', '--json'])).exitCode === 0 ? true : undefined),
    timeoutMs,
  );
}

function record(fault: string, written: number, lost: number, conflicts: number, ms: number) {
  table.push({ fault, written, lost, conflicts, s: Math.round(ms / 100) / 10 });
}

describeLab('faults: nothing lost, back with no command', () => {
  beforeAll(async () => {
    ({ lab, keyFile } = await labMesh(['laptop']));
  }, 300_000);

  afterAll(async () => {
    console.log('\n[mesh faults]');
    console.log(`  ${'fault'.padEnd(58)} written  lost  conflicts  recovery`);
    for (const r of table) {
      console.log(
        `  ${r.fault.padEnd(58)} ${String(r.written).padStart(7)} ${String(r.lost).padStart(5)} ${String(r.conflicts).padStart(10)} ${`${r.s} s`.padStart(9)}`,
      );
    }
    await lab?.down({ keepLogs: lab?.failed ?? false });
  }, 60_000);

  it(`Headscale down for ${DOWN_S} s: clients keep syncing and say so; back by itself`, async () => {
    const agent = await pid('server', 'mesh-agent.pid');
    // Nothing may bring it back early: the server's agent (its keeper in this fallback) waits.
    process.kill(agent, 'SIGSTOP');
    const t0 = Date.now();
    try {
      process.kill(await pid('server', 'mesh-headscale.supervisor.pid'), 'SIGKILL');
      process.kill(await pid('server', 'mesh-headscale.pid'), 'SIGKILL');
      const files = new Map([
        ...(await write('wsl', 'hs-down', 10)),
        ...(await write('windows', 'hs-down', 10)),
      ]);
      const lost = await lostAfter(files, DOWN_S * 1000);
      expect(lost, 'clients sync while the control server is away').toBe(0);
      const s = await mesh(lab, 'wsl', ['status', '--json']);
      const reachable = (s.json as { checks: Array<{ name: string; level: string }> }).checks.find(
        (c) => c.name === 'reachable',
      );
      expect(reachable?.level).toBe('fail');
      await sleep(Math.max(0, DOWN_S * 1000 - (Date.now() - t0)));
      record(
        `Headscale killed, down ${DOWN_S} s (files written meanwhile)`,
        files.size,
        lost,
        0,
        0,
      );
    } finally {
      process.kill(agent, 'SIGCONT');
    }
    const t1 = Date.now();
    await healthy('server');
    await healthy('wsl');
    record('  ... then back by the agent, every member healthy', 0, 0, 0, Date.now() - t1);
  }, 600_000);

  it('Syncthing kill -9 on a receiver in the middle of a 100 MB file: whole after its restart', async () => {
    const big = randomBytes(100 * 1024 * 1024);
    const files = new Map([['big-100mb.bin', sha(big)]]);
    await writeFile(path.join(sharedFolder(lab.host('server')), 'big-100mb.bin'), big);
    // Kill once the transfer has begun (Syncthing's temporary file is there).
    await until('the transfer started on windows', async () =>
      (await readdir(sharedFolder(lab.host('windows')))).some((f) => f.includes('big-100mb'))
        ? true
        : undefined,
    );
    const t0 = Date.now();
    process.kill(await pid('windows', 'mesh-syncthing.pid'), 'SIGKILL');
    const lost = await lostAfter(files, 300_000);
    record('Syncthing kill -9 mid 100 MB transfer', 1, lost, 0, Date.now() - t0);
    expect(lost).toBe(0);
  }, 600_000);

  it('a link cut for 30 s while both sides write and edit the same file: nothing lost, the conflict kept', async () => {
    const shared = path.join(sharedFolder(lab.host('server')), 'edited-both.txt');
    await writeFile(shared, 'before\n');
    expect(await lostAfter(new Map([['edited-both.txt', sha('before\n')]]))).toBe(0);
    const before = await conflictCopies();
    await lab.setLink('windows', false);
    let files: Map<string, string>;
    try {
      files = new Map([
        ...(await write('server', 'cut', 25)),
        ...(await write('windows', 'cut', 25)),
      ]);
      await writeFile(shared, 'server edit\n');
      await writeFile(
        path.join(sharedFolder(lab.host('windows')), 'edited-both.txt'),
        'windows edit\n',
      );
      await sleep(30_000);
    } finally {
      await lab.setLink('windows', true);
    }
    const t0 = Date.now();
    const lost = await lostAfter(files);
    const conflicts = await until(
      'the conflict copy on every member',
      async () =>
        (await conflictCopies()) - before >= MEMBERS.length
          ? (await conflictCopies()) - before
          : undefined,
      180_000,
    );
    record(
      'link of windows cut 30 s, 50 files + one file edited on both',
      51,
      lost,
      conflicts,
      Date.now() - t0,
    );
    expect(lost).toBe(0);
    const listed = await mesh(lab, 'wsl', ['conflicts', '--json']);
    expect(listed.stdout).toContain('edited-both.sync-conflict-');
    // Resolved on one member, the result is what every member has; the version not kept is set
    // aside there, never deleted.
    // The copy may still be settling on wsl (Syncthing renames it into place): resolve once it
    // is there to resolve.
    const resolved = await until('edited-both.txt resolved on wsl', async () => {
      const r = await mesh(lab, 'wsl', [
        'conflicts',
        'resolve',
        'edited-both.txt',
        '--keep',
        'newest',
        '--json',
      ]);
      expect(r.exitCode, r.stderr).toBe(0);
      return (r.json as { archive: string | null }).archive ? r : undefined;
    });
    const kept = await readFile(
      path.join(sharedFolder(lab.host('wsl')), 'edited-both.txt'),
      'utf8',
    );
    expect(['server edit\n', 'windows edit\n']).toContain(kept);
    expect(resolved.stdout).toContain('"setAside"');
    for (const h of MEMBERS) {
      await until(`the resolved file on ${h}, and no conflict copy`, async () => {
        const dir = sharedFolder(lab.host(h));
        const text = await readFile(path.join(dir, 'edited-both.txt'), 'utf8').catch(() => '');
        const copies = (await readdir(dir)).filter((f) =>
          f.startsWith('edited-both.sync-conflict-'),
        );
        return text === kept && copies.length === 0 ? true : undefined;
      });
    }
  }, 600_000);

  it('a real conflict per --keep choice, made on server and windows, resolved on windows, the result on wsl', async () => {
    const choices = ['mine', 'theirs', 'newest', 'both'] as const;
    const dir = (h: string) => sharedFolder(lab.host(h));
    const file = (k: string) => `keep-${k}.txt`;
    for (const k of choices) await writeFile(path.join(dir('server'), file(k)), 'base\n');
    expect(await lostAfter(new Map(choices.map((k) => [file(k), sha('base\n')])))).toBe(0);
    // Both sides change every file while apart; windows changes them a second later, so its
    // versions are newer and win (Syncthing's rule), and the server's become the copies.
    await lab.setLink('windows', false);
    try {
      for (const k of choices) await writeFile(path.join(dir('server'), file(k)), `server ${k}\n`);
      await sleep(1500);
      for (const k of choices)
        await writeFile(path.join(dir('windows'), file(k)), `windows ${k}\n`);
      await sleep(15_000);
    } finally {
      await lab.setLink('windows', true);
    }
    type Listed = {
      conflicts: Array<{
        copy: string;
        original: string;
        madeOn: { name: string | null } | null;
        winner: { name: string | null };
      }>;
    };
    const listed = await until(
      'a conflict copy of each file on windows, each with where it was made',
      async () => {
        const r = await mesh(lab, 'windows', ['conflicts', '--json']);
        const doc = r.json as Listed | undefined;
        const ours = doc?.conflicts.filter((c) => c.original.startsWith('keep-')) ?? [];
        const all = choices.every((k) => ours.some((c) => c.original === file(k)));
        return all && ours.every((c) => c.madeOn) ? ours : undefined;
      },
      180_000,
    );
    // Checked against what each machine wrote: every copy holds the version that lost (the
    // server's); it was made where that version was when the winner arrived (the server, or
    // wsl, which had it from the server); the winner is windows.
    for (const c of listed) {
      const text = await readFile(path.join(dir('windows'), c.copy), 'utf8');
      expect(text, c.copy).toBe(`server ${c.original.slice(5, -4)}\n`);
      expect(['server', 'wsl'], c.copy).toContain(c.madeOn?.name);
      expect(c.winner.name, c.copy).toBe('windows');
    }
    // A machine that held the losing version makes a copy of its own (wsl, from the server);
    // resolve removes the copies it knows, so it runs once every member has every copy.
    const copiesOn = async (h: string) =>
      (await readdir(dir(h)))
        .filter((f) => f.startsWith('keep-') && f.includes('.sync-conflict-'))
        .sort()
        .join('\n');
    await until(
      'the same conflict copies on every member',
      async () => {
        const seen = await Promise.all(['server', 'wsl', 'windows'].map(copiesOn));
        if (!seen.every((c) => c === seen[0])) throw new Error(`copies: ${JSON.stringify(seen)}`);
        return true;
      },
      180_000,
    );
    const expected: Record<(typeof choices)[number], string[]> = {
      mine: ['windows mine\n'],
      theirs: ['server theirs\n'],
      newest: ['windows newest\n'],
      both: ['windows both\n', 'server both\n'],
    };
    for (const k of choices) {
      const r = await mesh(lab, 'windows', [
        'conflicts',
        'resolve',
        file(k),
        '--keep',
        k,
        '--json',
      ]);
      expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    }
    // On the third machine: the kept version of each, no conflict copy, and for `both` the copy
    // under a plain name that says whose change it is.
    for (const k of choices) {
      await until(
        `keep ${k} seen on wsl`,
        async () => {
          const names = (await readdir(dir('wsl'))).filter((f) => f.startsWith(`keep-${k}`));
          const texts = await Promise.all(
            names.map((n) => readFile(path.join(dir('wsl'), n), 'utf8')),
          );
          const copies = names.filter((n) => n.includes('.sync-conflict-'));
          const plain =
            k === 'both' ? names.some((n) => n.startsWith('keep-both (conflict ')) : true;
          // One text per file kept; `both` keeps every copy (two devices may each have made one).
          const done =
            copies.length === 0 &&
            plain &&
            new Set(texts).size === expected[k].length &&
            expected[k].every((t) => texts.includes(t));
          if (!done)
            throw new Error(`wsl has ${JSON.stringify(names.map((n, i) => [n, texts[i]]))}`);
          return true;
        },
        180_000,
      );
    }
  }, 600_000);

  it('tailscaled kill -9 on a client: back and syncing with no command', async () => {
    const t0 = Date.now();
    process.kill(await pid('wsl', 'mesh-tailscaled.pid'), 'SIGKILL');
    const files = new Map([
      ...(await write('wsl', 'tsd', 10)),
      ...(await write('server', 'tsd', 10)),
    ]);
    const lost = await lostAfter(files);
    record('tailscaled kill -9 on wsl', files.size, lost, 0, Date.now() - t0);
    expect(lost).toBe(0);
  }, 300_000);

  it('every daemon of a client killed at once (as a crash): back with no command and no key', async () => {
    const t0 = Date.now();
    for (const f of ['mesh-agent.pid', 'mesh-syncthing.pid', 'mesh-tailscaled.pid']) {
      process.kill(await pid('windows', f), 'SIGKILL');
    }
    const files = new Map([
      ...(await write('windows', 'all', 10)),
      ...(await write('wsl', 'all', 10)),
    ]);
    const lost = await lostAfter(files);
    record(
      'agent, Syncthing and tailscaled kill -9 on windows',
      files.size,
      lost,
      0,
      Date.now() - t0,
    );
    expect(lost).toBe(0);
    await healthy('windows');
  }, 300_000);

  it('three mesh client setup at once on a new machine: one machine, set up once, healthy', async () => {
    const t0 = Date.now();
    const runs = await Promise.all(
      [0, 1, 2].map(() =>
        mesh(lab, 'laptop', ['client', 'setup', '--server', SERVER_URL, '--key-file', keyFile]),
      ),
    );
    for (const r of runs) {
      // Each one either did the work, found it done, or refused in one line.
      if (r.exitCode !== 0) {
        expect(
          r.stderr.split('\n').filter((l) => l.startsWith('ERROR:')),
          r.stderr,
        ).toHaveLength(1);
      }
    }
    expect(runs.some((r) => r.exitCode === 0)).toBe(true);
    // One keeper per program and one tailscaled on this machine (the lab's hosts share one
    // process table: count by this machine's own paths).
    const home = lab.host('laptop').env['HOME'] as string;
    const count = async (pattern: string) =>
      Number((await lab.host('laptop').runner.run('pgrep', ['-fc', pattern])).stdout.trim());
    expect(await count(`mesh-keeper.sh ${home}/`)).toBe(3);
    expect(await count(`tailscaled .*${lab.host('laptop').root}/`)).toBe(1);
    await healthy('laptop');
    expect(await lostAfter(await write('laptop', 'together', 5))).toBe(0);
    record('3 x mesh client setup at once on laptop', 5, 0, 0, Date.now() - t0);
  }, 600_000);

  it('Ctrl-C in the middle of mesh client setup, then the same command again: set up', async () => {
    await mesh(lab, 'laptop', ['client', 'leave']);
    const t0 = Date.now();
    const host = lab.host('laptop');
    const [file, ...args] = [...host.runner.prefix, process.execPath, CLI];
    const child = spawn(
      file as string,
      [...args, 'client', 'setup', '--server', SERVER_URL, '--key-file', keyFile],
      {
        env: { ...process.env, ...host.env, NO_COLOR: '1' },
        stdio: 'ignore',
      },
    );
    await sleep(1500);
    child.kill('SIGINT');
    await new Promise((r) => child.once('exit', r));
    const again = await mesh(lab, 'laptop', [
      'client',
      'setup',
      '--server',
      SERVER_URL,
      '--key-file',
      keyFile,
    ]);
    expect(again.exitCode, again.stderr).toBe(0);
    await healthy('laptop');
    record('Ctrl-C mid setup on laptop, then setup again', 0, 0, 0, Date.now() - t0);
  }, 300_000);
});
