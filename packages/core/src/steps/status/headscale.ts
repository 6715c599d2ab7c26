import type { MeshContext } from '../../context.js';
import { toMeshError } from '../../map-error.js';
import { type ServerStatus, serverStatus } from '../nodes.js';
import { HEADSCALE_DOWN_FIX } from '../server.js';
import type { MeshStatus, StatusCheck } from './types.js';

/** The server's own Headscale as checks: down (stopped or not healthy), or running and its nodes. */
export function headscaleChecks(s: ServerStatus): StatusCheck[] {
  if (s.service !== 'running' || !s.healthy) {
    return [
      {
        section: 'headscale',
        name: 'service',
        level: 'fail',
        message: 'Headscale is not running',
        fix: HEADSCALE_DOWN_FIX,
      },
    ];
  }
  return [
    {
      section: 'headscale',
      name: 'service',
      level: 'ok',
      message: `Headscale ${s.version ?? ''} is running at ${s.serverUrl ?? '?'}`.replace(
        '  ',
        ' ',
      ),
    },
    {
      section: 'headscale',
      name: 'nodes',
      level: 'info',
      message: `Nodes: ${s.online} online, ${s.offline} offline`,
    },
  ];
}

/** The server's own Headscale: its service, health and nodes (server only). */
export async function headscaleSection(
  ctx: MeshContext,
): Promise<{ checks: StatusCheck[]; headscale: MeshStatus['headscale'] | undefined }> {
  if (ctx.role !== 'server') return { checks: [], headscale: undefined };
  try {
    const s = await serverStatus(ctx);
    return { checks: headscaleChecks(s), headscale: { ...s, keys: s.keys.length } };
  } catch (error) {
    const e = toMeshError(error);
    return {
      checks: [
        { section: 'headscale', name: 'service', level: 'fail', message: e.message, fix: e.hint },
      ],
      headscale: undefined,
    };
  }
}
