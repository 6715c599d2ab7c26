import { addHost, hostStatus, listHosts, type MeshContext, removeHost } from '@mesh/core';
import { context } from '../context.js';
import type { Output } from '../output/output.js';

interface Common {
  json: boolean;
  ctx?: MeshContext;
}

export async function hostAdd(
  o: Common & {
    name: string;
    ip?: string | undefined;
    port?: number | undefined;
    user?: string | undefined;
    ssh: boolean;
  },
  out: Output,
): Promise<number> {
  const ctx = o.ctx ?? (await context(out));
  const r = await addHost(ctx, {
    name: o.name,
    ...(o.ip === undefined ? {} : { ip: o.ip }),
    ...(o.port === undefined ? {} : { port: o.port }),
    ...(o.user === undefined ? {} : { user: o.user }),
    ssh: o.ssh,
  });
  out.changes(r);
  if (!r.changed) out.ok(`${o.name} is registered already (${r.host.ip} port ${r.host.port})`);
  out.info(`Next: ssh ${o.name}, or from the server: mesh remote provision ${o.name}`);
  out.result({ ok: true, ...r });
  return 0;
}

export async function hostRemove(
  o: Common & { name: string; keepSsh: boolean },
  out: Output,
): Promise<number> {
  const ctx = o.ctx ?? (await context(out));
  const r = await removeHost(ctx, o.name, { keepSsh: o.keepSsh });
  out.changes(r);
  out.info(
    `${o.name} is still a member of the mesh if it was one: mesh server nodes remove ${o.name} takes it out`,
  );
  out.result({ ok: true, ...r });
  return 0;
}

export async function hostList(o: Common, out: Output): Promise<number> {
  const ctx = o.ctx ?? (await context(out));
  const hosts = await listHosts(ctx);
  if (hosts.length === 0) out.info('No hosts yet: mesh host add NAME --ip IP');
  else {
    out.table(
      ['NAME', 'IP', 'PORT', 'USER', 'STATUS'],
      hosts.map((h) => [
        h.name,
        h.ip,
        String(h.port),
        h.sshUser,
        h.inMesh ? 'MESH' : h.sshConfig ? 'SSH' : 'registered',
      ]),
    );
  }
  out.result({ ok: true, hosts });
  return 0;
}

export async function hostShow(o: Common & { name: string }, out: Output): Promise<number> {
  const ctx = o.ctx ?? (await context(out));
  const h = await hostStatus(ctx, o.name);
  out.section(`Host ${h.name}`);
  out.fields([
    ['Address', `${h.sshUser}@${h.ip} port ${h.port}`],
    ['SSH config', h.sshConfig ? `ssh ${h.name}` : 'no block (mesh host add writes it)'],
    ['In the mesh', h.inMesh ? `yes (${h.tailnetIp ?? 'no IPv4'})` : 'no'],
  ]);
  if (h.sshWorks) out.ok('SSH logs in');
  else out.warn(`SSH does not log in: ${h.sshError}`);
  out.result({ ok: true, ...h });
  return h.sshWorks ? 0 : 3;
}
