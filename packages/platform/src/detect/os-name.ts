import type { PlatformInfo } from './platform.js';

/**
 * The OS as a person names it, for output: os-release's `PRETTY_NAME` ("Debian GNU/Linux 12
 * (bookworm)"), with "(WSL 2)" after it inside WSL, else `Windows` or `macOS`. `osType` cannot
 * serve here: role detection and the port plan key on it, so it says `ubuntu` for any Linux.
 */
export function osName(p: Pick<PlatformInfo, 'os' | 'distro' | 'wsl'>): string {
  if (p.os === 'windows') return 'Windows';
  if (p.os === 'macos') return 'macOS';
  if (p.os !== 'linux') return 'unknown';
  const d = p.distro;
  // PRETTY_NAME is optional in os-release(5); NAME and VERSION_ID say nearly as much.
  const name =
    d?.prettyName || (d ? [d.name ?? d.id, d.versionId].filter(Boolean).join(' ') : 'Linux');
  return p.wsl ? `${name} (WSL ${p.wsl.version})` : name;
}
