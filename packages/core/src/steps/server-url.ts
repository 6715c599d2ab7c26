import { resolveServerUrl } from '@mesh/platform';
import type { MeshContext } from '../context.js';

export interface ControlServerUrlOptions {
  /** A URL given explicitly (`--server`, `--server-url`, a discovered server): it wins. */
  option?: string | undefined;
  /**
   * Throw when the saved file holds no URL (`FileEditError`) instead of counting it as none.
   * @default false
   */
  strict?: boolean;
}

/**
 * The Headscale server URL this machine uses, by the one rule of `@mesh/platform`'s
 * `resolveServerUrl`: the option given, then `MESH_SERVER_URL`, then `HEADSCALE_SERVER`, then
 * the file setup saved. Undefined when there is none; an empty option is returned as it is, for
 * the caller to refuse.
 */
export async function controlServerUrl(
  ctx: MeshContext,
  o: ControlServerUrlOptions = {},
): Promise<string | undefined> {
  const found = resolveServerUrl({ option: o.option, settings: ctx.settings, env: ctx.env });
  return (await (o.strict ? found : found.catch(() => undefined)))?.url;
}
