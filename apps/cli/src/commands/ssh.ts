import { addSshKey, copySshKeys, type MeshContext, sshStatus } from '@mesh/core';
import { context } from '../context.js';
import type { Output } from '../output/output.js';

interface Common {
  json: boolean;
  ctx?: MeshContext;
}

export async function sshAddKey(
  o: Common & { key: string | string[]; comment?: string | undefined },
  out: Output,
): Promise<number> {
  const ctx = o.ctx ?? (await context(out));
  // An unquoted `ssh-ed25519 AAAA... me@pc` arrives as several words: they are one key.
  const key = Array.isArray(o.key) ? o.key.join(' ') : o.key;
  const r = await addSshKey(ctx, {
    key,
    ...(o.comment === undefined ? {} : { comment: o.comment }),
  });
  out.result({ ok: true, ...r });
  return 0;
}

export async function sshCopyKeys(
  o: Common & { from: string; replace?: boolean | undefined },
  out: Output,
): Promise<number> {
  const ctx = o.ctx ?? (await context(out));
  const r = await copySshKeys(ctx, { from: o.from, replace: o.replace === true });
  if (r.added.length + r.removed.length > 0 || r.present > 0) {
    out.fields([
      ['Added', r.added.length],
      ['Removed', r.mode === 'replace' ? r.removed.length : undefined],
      ['Already here', r.present],
    ]);
  }
  out.result({ ok: true, ...r });
  return 0;
}

export async function sshStatusCommand(o: Common, out: Output): Promise<number> {
  const ctx = o.ctx ?? (await context(out));
  const st = await sshStatus(ctx);
  const { sshd, authorizedKeys: keys } = st;
  const password =
    sshd.passwordAuthentication === null
      ? 'unknown (sshd -T answers as root: sudo mesh ssh status)'
      : sshd.passwordAuthentication
        ? 'yes'
        : 'no (keys only)';
  out.section('SSH server');
  out.fields([
    ['Installed', sshd.installed ? `yes (${sshd.configFile})` : 'no'],
    ['Ports', sshd.installed ? sshd.ports.join(', ') : undefined],
    [
      'Listening',
      sshd.installed
        ? sshd.listening.length > 0
          ? out.colour('green', sshd.listening.join(', '))
          : out.colour('red', 'nothing')
        : undefined,
    ],
    ['Password login', sshd.installed ? password : undefined],
  ]);
  out.section('Keys');
  out.fields([
    ['File', keys.file],
    ['Keys', keys.mode === null ? '0 (no file)' : `${keys.keys} (mode ${keys.mode})`],
    ['Not keys', keys.invalid > 0 ? `${keys.invalid} line(s)` : undefined],
  ]);
  out.section('Hosts');
  if (st.hosts.length === 0) out.info('No hosts registered: mesh host add NAME --ip IP');
  else {
    out.table(
      ['NAME', 'SSH'],
      st.hosts.map((h) => [h.name, h.sshConfig ? `ssh ${h.name}` : 'no block (mesh host add)']),
    );
  }
  for (const p of st.problems) out.warn(p);
  if (st.healthy) out.ok('SSH into this machine can work');
  out.result({ ok: true, ...st });
  return st.healthy ? 0 : 3;
}
