import type { MeshContext } from '../../context.js';
import { toMeshError } from '../../map-error.js';
import { serverStatus } from '../nodes.js';
import { HEADSCALE_DOWN_FIX } from '../server.js';
import type { MeshStatus, StatusCheck } from './types.js';

/** The server's own Headscale: its service, health and nodes (server only). */
export async function headscaleSection(
  ctx: MeshContext,
): Promise<{ checks: StatusCheck[]; headscale: MeshStatus['headscale'] | undefined }> {
  const checks: StatusCheck[] = [];
  const add = (c: StatusCheck) => checks.push(c);
  let headscale: MeshStatus['headscale'] | undefined;
  if (ctx.role === 'server') {
    try {
      const s = await serverStatus(ctx);
      headscale = { ...s, keys: s.keys.length };
      if (s.service !== 'running' || !s.healthy) {
        add({
          section: 'headscale',
          name: 'service',
          level: 'fail',
          message: 'Headscale is not running',
          fix: HEADSCALE_DOWN_FIX,
        });
      } else {
        add({
          section: 'headscale',
          name: 'service',
          level: 'ok',
          message: `Headscale ${s.version ?? ''} is running at ${s.serverUrl ?? '?'}`.replace(
            '  ',
            ' ',
          ),
        });
        add({
          section: 'headscale',
          name: 'nodes',
          level: 'info',
          message: `Nodes: ${s.online} online, ${s.offline} offline`,
        });
      }
    } catch (error) {
      const e = toMeshError(error);
      add({
        section: 'headscale',
        name: 'service',
        level: 'fail',
        message: e.message,
        fix: e.hint,
      });
    }
  }
  return { checks, headscale };
}
