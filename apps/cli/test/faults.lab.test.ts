import { createHash, randomBytes } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { describeLab, type Lab } from '@mesh/lab';
import { trackFailures } from '@mesh/test-utils';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { until } from './lab-helpers.js';
import { failing, type MachineMesh, machineMesh, SERVER_URL, UNITS } from './machine-mesh.js';
import { bootMachines, printTimings, type Timings } from './machines.js';

// Faults a small mesh meets, on Debian 12 machines booted with systemd, which restarts what
// mesh runs, as on a user's server and WSL2. Each case writes files on both sides while the
// fault happens, then checks every file by sha256 on every member once it is over: nothing
// lost or damaged, conflicts visible. The suite ends with a table. (The supervised fallback's
// own restarts, where no service manager runs, are lab.test.ts's kill -9 case.)
const HOSTS = ['server', 'wsl', 'windows', 'laptop'] as const;
const MEMBERS = ['server', 'wsl', 'windows'] as const;
const DOWN_S = Number(process.env['MESH_FAULT_DOWN_S'] ?? 60);

let lab: Lab;
const failures = trackFailures();
let m: MachineMesh;
const timings: Timings = [];
const table: Array<{ fault: string; written: number; lost: number; conflicts: number; s: number }> =
  [];

const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

/** Writes `n` files of random text on `host`; returns name -> sha256. */
async function write(host: string, prefix: string, n: number): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for (let i = 0; i < n; i++) {
    const name = `${prefix}-${host}-${i}.txt`;
    const text = `${randomBytes(24).toString('hex')}\n`;
    await writeFile(m.shared(host, name), text);
    files.set(name, sha(text));
  }
  return files;
}

/**
 * Waits until `hosts` have every file whole; returns how many copies are still missing then,
 * and prints which, where.
 */
async function lostAfter(
  files: Map<string, string>,
  timeoutMs = 180_000,
  hosts: readonly string[] = MEMBERS,
): Promise<number> {
  const missing = async () => {
    const where: string[] = [];
    for (const h of hosts) {
      for (const [name, sum] of files) {
        const got = await readFile(m.shared(h, name)).catch(() => null);
        if (!got || sha(got) !== sum) where.push(`${name} on ${h}`);
      }
    }
    return where;
  };
  return until(
    'every file on every member',
    async () => ((await missing()).length === 0 ? 0 : undefined),
    timeoutMs,
  ).catch(async () => {
    const where = await missing();
    console.log(`[mesh faults] missing: ${where.join(', ')}`);
    return where.length;
  });
}

async function conflictCopies(): Promise<number> {
  let n = 0;
  for (const h of MEMBERS) {
    n += (await readdir(m.shared(h))).filter((f) => f.includes('.sync-conflict-')).length;
  }
  return n;
}

function record(fault: string, written: number, lost: number, conflicts: number, ms: number) {
  table.push({ fault, written, lost, conflicts, s: Math.round(ms / 100) / 10 });
}

/** The nodes Headscale knows, as `id name` lines, sorted. */
async function nodes(): Promise<string[]> {
  const r = await m.mesh('server', ['server', 'nodes', 'list', '--json']);
  expect(r.exitCode, r.stderr).toBe(0);
  return (r.json as { nodes: Array<{ id: string; name: string }> }).nodes
    .map((n) => `${n.id} ${n.name}`)
    .sort();
}

describeLab('faults on systemd machines: nothing lost, back with no command', () => {
  beforeAll(async () => {
    lab = await bootMachines(HOSTS, timings);
    m = machineMesh(lab);
    await m.setUp(['wsl', 'windows'], ['laptop']);
  }, 300_000);

  afterAll(async () => {
    console.log('\n[mesh faults]');
    console.log(`  ${'fault'.padEnd(62)} written  lost  conflicts  recovery`);
    for (const r of table) {
      console.log(
        `  ${r.fault.padEnd(62)} ${String(r.written).padStart(7)} ${String(r.lost).padStart(5)} ${String(r.conflicts).padStart(10)} ${`${r.s} s`.padStart(9)}`,
      );
    }
    printTimings('faults: timings', timings);
    await lab?.down({ keepLogs: lab?.failed || failures.any });
  }, 120_000);

  it(`Headscale killed and down ${DOWN_S} s: clients keep syncing and say so; systemd brings it back`, async () => {
    // systemd restarts it after its RestartSec: held at DOWN_S for this case only.
    const dropIn = '/run/systemd/system/headscale.service.d';
    const hold = await m.on('server', 'sh', [
      '-c',
      `mkdir -p ${dropIn} && printf '[Service]\\nRestartSec=${DOWN_S}\\n' > ${dropIn}/fault.conf && systemctl daemon-reload`,
    ]);
    expect(hold.exitCode, hold.stderr).toBe(0);
    const before = await m.mainPid('server', 'headscale');
    try {
      await m.signal('server', 'headscale', 'KILL');
      const files = new Map([
        ...(await write('wsl', 'hs-down', 10)),
        ...(await write('windows', 'hs-down', 10)),
      ]);
      const lost = await lostAfter(files, DOWN_S * 1000);
      expect(lost, 'clients sync while the control server is away').toBe(0);
      const s = await m.statusFailing('wsl');
      expect(failing(s).find((c) => c.name === 'reachable')?.message).toContain(SERVER_URL);
      const state = await m.on('server', 'systemctl', ['is-active', 'headscale']);
      expect(state.stdout.trim(), 'Headscale still down while the clients synced').not.toBe(
        'active',
      );
      record(`Headscale kill -9, down ${DOWN_S} s (files written meanwhile)`, 20, lost, 0, 0);
      await m.restarted('server', 'headscale', before, DOWN_S * 1000 + 60_000);
    } finally {
      await m.on('server', 'sh', ['-c', `rm -rf ${dropIn} && systemctl daemon-reload`]);
    }
    const t1 = Date.now();
    for (const h of MEMBERS) await m.healthy(h);
    record('  ... restarted by systemd, then every member healthy', 0, 0, 0, Date.now() - t1);
  }, 600_000);

  it('Syncthing kill -9 on a receiver in the middle of a 100 MB file: whole after its restart', async () => {
    const big = randomBytes(100 * 1024 * 1024);
    const files = new Map([['big-100mb.bin', sha(big)]]);
    await writeFile(m.shared('server', 'big-100mb.bin'), big);
    // Kill once the transfer has begun (Syncthing's temporary file is there).
    await until('the transfer started on windows', async () =>
      (await readdir(m.shared('windows'))).some((f) => f.includes('big-100mb')) ? true : undefined,
    );
    const t0 = Date.now();
    await m.signal('windows', 'mesh-syncthing', 'KILL');
    const lost = await lostAfter(files, 300_000);
    record('Syncthing kill -9 mid 100 MB transfer', 1, lost, 0, Date.now() - t0);
    expect(lost).toBe(0);
  }, 600_000);

  it('a link cut for 30 s while both sides write and edit the same file: nothing lost, the conflict kept', async () => {
    await writeFile(m.shared('server', 'edited-both.txt'), 'before\n');
    expect(await lostAfter(new Map([['edited-both.txt', sha('before\n')]]))).toBe(0);
    const before = await conflictCopies();
    await lab.setLink('windows', false);
    let files: Map<string, string>;
    try {
      files = new Map([
        ...(await write('server', 'cut', 25)),
        ...(await write('windows', 'cut', 25)),
      ]);
      await writeFile(m.shared('server', 'edited-both.txt'), 'server edit\n');
      await writeFile(m.shared('windows', 'edited-both.txt'), 'windows edit\n');
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
    const listed = await m.mesh('wsl', ['conflicts', '--json']);
    expect(listed.stdout).toContain('edited-both.sync-conflict-');
    // Resolved on one member, the result is what every member has; the version not kept is set
    // aside there, never deleted. The copy may still be settling on wsl (Syncthing renames it
    // into place): resolve once it is there to resolve.
    const resolved = await until('edited-both.txt resolved on wsl', async () => {
      const r = await m.mesh('wsl', [
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
    const kept = await readFile(m.shared('wsl', 'edited-both.txt'), 'utf8');
    expect(['server edit\n', 'windows edit\n']).toContain(kept);
    expect(resolved.stdout).toContain('"setAside"');
    for (const h of MEMBERS) {
      await until(`the resolved file on ${h}, and no conflict copy`, async () => {
        const text = await readFile(m.shared(h, 'edited-both.txt'), 'utf8').catch(() => '');
        const copies = (await readdir(m.shared(h))).filter((f) =>
          f.startsWith('edited-both.sync-conflict-'),
        );
        return text === kept && copies.length === 0 ? true : undefined;
      });
    }
  }, 600_000);

  it('a real conflict per --keep choice, made on server and windows, resolved on windows, the result on wsl', async () => {
    const choices = ['mine', 'theirs', 'newest', 'both'] as const;
    const file = (k: string) => `keep-${k}.txt`;
    for (const k of choices) await writeFile(m.shared('server', file(k)), 'base\n');
    expect(await lostAfter(new Map(choices.map((k) => [file(k), sha('base\n')])))).toBe(0);
    // Both sides change every file while apart; windows changes them a second later, so its
    // versions are newer and win (Syncthing's rule), and the server's become the copies.
    await lab.setLink('windows', false);
    try {
      for (const k of choices) await writeFile(m.shared('server', file(k)), `server ${k}\n`);
      await sleep(1500);
      for (const k of choices) await writeFile(m.shared('windows', file(k)), `windows ${k}\n`);
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
        const r = await m.mesh('windows', ['conflicts', '--json']);
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
      const text = await readFile(m.shared('windows', c.copy), 'utf8');
      expect(text, c.copy).toBe(`server ${c.original.slice(5, -4)}\n`);
      expect(['server', 'wsl'], c.copy).toContain(c.madeOn?.name);
      expect(c.winner.name, c.copy).toBe('windows');
    }
    // A machine that held the losing version makes a copy of its own (wsl, from the server);
    // resolve removes the copies it knows, so it runs once every member has every copy.
    const copiesOn = async (h: string) =>
      (await readdir(m.shared(h)))
        .filter((f) => f.startsWith('keep-') && f.includes('.sync-conflict-'))
        .sort()
        .join('\n');
    await until(
      'the same conflict copies on every member',
      async () => {
        const seen = await Promise.all(MEMBERS.map(copiesOn));
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
      const r = await m.mesh('windows', ['conflicts', 'resolve', file(k), '--keep', k, '--json']);
      expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    }
    // On the third machine: the kept version of each, no conflict copy, and for `both` the copy
    // under a plain name that says whose change it is.
    for (const k of choices) {
      await until(
        `keep ${k} seen on wsl`,
        async () => {
          const names = (await readdir(m.shared('wsl'))).filter((f) => f.startsWith(`keep-${k}`));
          const texts = await Promise.all(names.map((n) => readFile(m.shared('wsl', n), 'utf8')));
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
    const before = await m.mainPid('wsl', 'mesh-tailscaled');
    const t0 = Date.now();
    await m.signal('wsl', 'mesh-tailscaled', 'KILL');
    const files = new Map([
      ...(await write('wsl', 'tsd', 10)),
      ...(await write('server', 'tsd', 10)),
    ]);
    await m.restarted('wsl', 'mesh-tailscaled', before);
    const lost = await lostAfter(files);
    record('tailscaled kill -9 on wsl, restarted by systemd', files.size, lost, 0, Date.now() - t0);
    expect(lost).toBe(0);
  }, 300_000);

  for (const host of ['windows', 'server'] as const) {
    it(`${host} rebooted while the others write: back with no command and no new key`, async () => {
      const known = await nodes();
      const t0 = Date.now();
      const rebooted = lab.reboot(host).then((ms) => timings.push([`${host}: reboot`, ms]));
      const others = MEMBERS.filter((h) => h !== host);
      const files = new Map<string, string>();
      for (const h of others)
        for (const [k, v] of await write(h, `reboot-${host}`, 10)) files.set(k, v);
      await rebooted;
      for (const [k, v] of await write(host, `reboot-${host}`, 10)) files.set(k, v);
      const lost = await lostAfter(files);
      await m.healthy(host);
      record(
        `${host} rebooted (systemctl reboot), files written meanwhile`,
        files.size,
        lost,
        0,
        Date.now() - t0,
      );
      expect(lost).toBe(0);
      // The same nodes, under the same ids: no new key was asked for, none was made.
      expect(await nodes()).toEqual(known);
    }, 300_000);
  }

  it('disk full on a receiver: status names it; the sender loses nothing; with room again the file arrives whole', async () => {
    // Where Syncthing sees the folder (its mount namespace): the folder's contents are copied
    // onto a file system with 4 MiB to spare, which then takes the folder's place in one step
    // (Syncthing never sees it empty). /tmp/real keeps a private view of the folder on the disk
    // (private: the tmpfs mounted over the folder must not show there too).
    const pid = await m.mainPid('windows', 'mesh-syncthing');
    const inSyncthing = (cmd: string) =>
      m.on('windows', 'nsenter', ['-t', pid, '-m', 'sh', '-ec', cmd]);
    let restored: Awaited<ReturnType<typeof inSyncthing>> | undefined;
    try {
      const mounted = await inSyncthing(
        [
          'mkdir -p /tmp/small /tmp/real',
          'mount -t tmpfs -o size=$(( $(du -sk /opt/shared | cut -f1) + 4096 ))k mesh-full /tmp/small',
          'cp -a /opt/shared/. /tmp/small/',
          'mount --bind /opt/shared /tmp/real',
          'mount --make-private /tmp/real',
          'mount --bind /tmp/small /opt/shared',
        ].join(' && '),
      );
      expect(mounted.exitCode, mounted.stderr).toBe(0);
      const big = Buffer.alloc(8 * 1024 * 1024, 7);
      const sum = sha(big);
      await writeFile(m.shared('server', 'big.bin'), big);
      const full = await until(
        'windows status naming the full disk',
        async () => {
          const s = await m.status('windows');
          return failing(s).some((c) => c.name === 'folder-errors') ? s : undefined;
        },
        180_000,
      );
      expect(full.exitCode).toBe(3);
      expect(failing(full).find((c) => c.name === 'folder-errors')?.message).toMatch(/space|disk/i);
      const t0 = Date.now();
      const more = await inSyncthing('mount -o remount,size=128m /tmp/small');
      expect(more.exitCode, more.stderr).toBe(0);
      await until(
        'big.bin whole on windows',
        async () =>
          (await inSyncthing('sha256sum /opt/shared/big.bin')).stdout.startsWith(sum)
            ? true
            : undefined,
        240_000,
      );
      const sent = await readFile(m.shared('server', 'big.bin'));
      const lost =
        (sha(sent) === sum ? 0 : 1) +
        (await lostAfter(new Map([['big.bin', sum]]), 60_000, ['server', 'wsl']));
      record(
        'disk full on windows (4 MiB), an 8 MiB file sent, then room',
        1,
        lost,
        0,
        Date.now() - t0,
      );
      expect(lost).toBe(0);
    } finally {
      // Back onto the disk in one step, with what arrived meanwhile copied there first.
      restored = await inSyncthing(
        'if mountpoint -q /tmp/real; then cp -a /opt/shared/. /tmp/real/; umount -l /opt/shared; umount -l /tmp/real; fi; umount -l /tmp/small',
      );
    }
    expect(restored?.exitCode, restored?.stderr).toBe(0);
    // Back on the disk: what arrives now is there.
    expect(await lostAfter(await write('server', 'after-full', 2))).toBe(0);
    await m.healthy('windows');
  }, 600_000);

  it('three mesh client setup at once on a new machine: one machine, set up once, healthy', async () => {
    const t0 = Date.now();
    const runs = await Promise.all([0, 1, 2].map(() => m.join('laptop')));
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
    // One of each daemon, each started once (no crash loop): as many processes as a member
    // set up once has.
    const count = async (h: string, name: string) =>
      (await m.on(h, 'pgrep', ['-c', '-x', name])).stdout.trim();
    for (const name of ['tailscaled', 'syncthing']) {
      expect(await count('laptop', name), name).toBe(await count('windows', name));
    }
    for (const unit of UNITS) {
      const restarts = await m.on('laptop', 'systemctl', [
        'show',
        '-p',
        'NRestarts',
        '--value',
        unit,
      ]);
      expect(restarts.stdout.trim(), unit).toBe('0');
    }
    await m.healthy('laptop');
    const files = await write('laptop', 'together', 5);
    const lost = await lostAfter(files, 180_000, [...MEMBERS, 'laptop']);
    record('3 x mesh client setup at once on laptop', 5, lost, 0, Date.now() - t0);
    expect(lost).toBe(0);
  }, 600_000);

  it('Ctrl-C in the middle of mesh client setup, then the same command again: set up', async () => {
    expect((await m.mesh('laptop', ['client', 'leave'])).exitCode).toBe(0);
    const t0 = Date.now();
    // As a terminal's Ctrl-C: SIGINT to the command and what it started, 1.5 s in.
    await m.on('laptop', 'timeout', [
      '-s',
      'INT',
      '1.5',
      'mesh',
      'client',
      'setup',
      '--server',
      SERVER_URL,
      '--key-file',
      '/root/join.key',
    ]);
    const again = await m.join('laptop');
    expect(again.exitCode, again.stderr).toBe(0);
    await m.healthy('laptop');
    const lost = await lostAfter(await write('laptop', 'after-ctrl-c', 5), 180_000, [
      ...MEMBERS,
      'laptop',
    ]);
    record('Ctrl-C mid setup on laptop, then setup again', 5, lost, 0, Date.now() - t0);
    expect(lost).toBe(0);
  }, 300_000);
});
