import { FILE_VARIABLES, type SettingSource } from '@mesh/platform';
import type { MeshContext } from '../context.js';

/** One setting as this run sees it, for `mesh status --verbose` and `--json`. */
export interface EffectiveSetting {
  /** The variable, e.g. `MESH_SHARED_FOLDER_LINUX`. */
  name: string;
  /** The value in effect: the one set, else the documented default, else null (unset). */
  value: string | null;
  /** `env` (process environment), the path of the `.env` file it came from, or `default`. */
  source: SettingSource;
}

/** Every variable a `.env` may set, with its effective value and where that came from. */
export function effectiveSettings(ctx: Pick<MeshContext, 'settings'>): EffectiveSetting[] {
  const { settings } = ctx;
  // Defaults are taken from the parsed settings, so they cannot drift from what Mesh uses.
  const defaults: Record<string, string> = {
    MESH_DEFAULT_USER: settings.defaultUser,
    MESH_SHARED_FOLDER_LINUX: settings.sharedFolderLinux,
    MESH_SHARED_FOLDER_WINDOWS: settings.sharedFolderWindows,
    MESH_AGENT_FORGET_AFTER: String(settings.agentForgetAfterS),
    MESH_AGENT_RECHECK_AFTER: String(settings.agentRecheckAfterS),
    MESH_MAGIC_DNS: settings.magicDns ? 'on' : 'off',
    MESH_TAILSCALE_PACKAGES_URL: settings.tailscalePackagesUrl,
    MESH_HEADSCALE_RELEASES_URL: settings.headscaleReleasesUrl,
    MESH_SYNCTHING_RELEASES_URL: settings.syncthingReleasesUrl,
  };
  return FILE_VARIABLES.map((name) => ({
    name,
    value: settings.variables[name] ?? defaults[name] ?? null,
    source: settings.sources[name] ?? 'default',
  }));
}
