import { changeNode, listNodes, MeshError, type NodeAction } from '@mesh/core';
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
  a: { json: boolean; node: string; name?: string },
  out: Output,
): Promise<number> {
  const ctx = await context(out);
  const r = await changeNode(ctx, action, a.node, a.name);
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
/**
 * Removing a node cuts its machine off until it joins again with a new key: confirmed on a
 * terminal, or with `--yes` (scripts), before anything is asked of the server.
 */
export async function nodesRemove(
  a: { json: boolean; node: string; yes?: boolean | undefined },
  out: Output,
): Promise<number> {
  const question = `Remove node ${a.node} from the mesh? Its machine needs a new key to join again.`;
  if (a.yes !== true && !(await confirm(question))) {
    throw new MeshError(`removing node ${a.node}: not confirmed`, {
      kind: 'badInput',
      hint: 'answer yes at the prompt, or pass --yes',
    });
  }
  return act('remove', a, out);
}
