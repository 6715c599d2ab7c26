import { changeNode, listNodes, type NodeAction } from '@mesh/core';
import { confirm } from '../confirm.js';
import { context } from '../context.js';
import type { Output } from '../output/output.js';

export async function nodesList(_a: { json: boolean }, out: Output): Promise<number> {
  const ctx = await context(out);
  const nodes = await listNodes(ctx);
  out.section('Nodes');
  if (nodes.length === 0) out.info('No nodes registered yet');
  else
    out.table(
      ['ID', 'NAME', 'IP', 'STATUS', 'LAST SEEN'],
      nodes.map((n) => [
        n.id,
        n.name,
        n.ips[0] ?? '',
        n.online ? 'online' : 'offline',
        n.lastSeen ?? '',
      ]),
    );
  out.result({ ok: true, nodes });
  return 0;
}

async function act(
  action: NodeAction,
  a: { json: boolean; node: string; name?: string; confirmed?: boolean },
  out: Output,
): Promise<number> {
  const ctx = await context(out);
  const r = await changeNode(ctx, action, a.node, a.name, { confirmed: a.confirmed === true });
  const verb = { rename: 'Renamed', expire: 'Expired', remove: 'Removed' }[action];
  if (r.changed)
    out.ok(`${verb} node ${r.node.id} (${action === 'rename' ? a.name : r.node.name})`);
  else
    out.ok(
      `Node ${r.node.id} already ${action === 'rename' ? `named ${a.name}` : 'expired'}: nothing to change`,
    );
  out.result({ ok: true, ...r });
  return 0;
}

export const nodesRename = (a: { json: boolean; node: string; name: string }, out: Output) =>
  act('rename', a, out);
export const nodesExpire = (a: { json: boolean; node: string }, out: Output) =>
  act('expire', a, out);

/** Asks on a terminal unless `--yes`; core refuses a removal that is not confirmed. */
export async function nodesRemove(
  a: { json: boolean; node: string; yes?: boolean | undefined },
  out: Output,
): Promise<number> {
  const confirmed =
    a.yes === true ||
    (await confirm(
      `Remove node ${a.node} from the mesh? Its machine needs a new key to join again.`,
    ));
  return act('remove', { ...a, confirmed }, out);
}
