import { PathConversionError } from '../errors.js';

export interface WslPathOptions {
  /** Where WSL mounts Windows drives (`[automount] root` in wsl.conf). @default '/mnt/' */
  mountRoot?: string;
  /** The distro name used for Linux paths seen from Windows (`WSL_DISTRO_NAME`). */
  distro?: string;
  /** UNC host for Linux paths seen from Windows: `wsl$` works everywhere, `wsl.localhost` on Windows 11. @default 'wsl$' */
  uncHost?: 'wsl$' | 'wsl.localhost';
}

const DRIVE = /^([A-Za-z]):(?:[\\/](.*))?$/;
const WSL_UNC = /^[\\/]{2}(?:wsl\$|wsl\.localhost)[\\/]([^\\/]+)(?:[\\/](.*))?$/i;

function mountRootOf(options: WslPathOptions): string {
  const root = options.mountRoot ?? '/mnt/';
  return root.endsWith('/') ? root : `${root}/`;
}

/**
 * Converts a Windows path to the path WSL sees: `C:\shared\x` → `/mnt/c/shared/x`, and
 * `\\wsl$\Ubuntu\home\u` (or `\\wsl.localhost\...`) → `/home/u`. Forward slashes are accepted.
 * Throws {@link PathConversionError} for relative paths and other UNC shares.
 */
export function windowsToWslPath(windowsPath: string, options: WslPathOptions = {}): string {
  const unc = WSL_UNC.exec(windowsPath);
  if (unc) {
    if (options.distro && unc[1]?.toLowerCase() !== options.distro.toLowerCase()) {
      throw new PathConversionError(
        `${windowsPath} belongs to distro ${unc[1]}, not ${options.distro}`,
      );
    }
    const rest = (unc[2] ?? '').split(/[\\/]+/).filter(Boolean);
    return `/${rest.join('/')}`;
  }
  const drive = DRIVE.exec(windowsPath);
  if (!drive) {
    throw new PathConversionError(`not an absolute Windows path: ${windowsPath}`, {
      hint: 'use a drive path such as C:\\shared or a \\\\wsl$\\<distro>\\ path',
    });
  }
  const rest = (drive[2] ?? '').split(/[\\/]+/).filter(Boolean);
  const letter = (drive[1] ?? '').toLowerCase();
  return `${mountRootOf(options)}${letter}${rest.length > 0 ? `/${rest.join('/')}` : ''}`;
}

/**
 * Converts a WSL path to the path Windows sees: `/mnt/c/shared` → `C:\shared`; any other
 * absolute path → `\\wsl$\<distro>\...` (needs `distro`).
 */
export function wslToWindowsPath(wslPath: string, options: WslPathOptions = {}): string {
  if (!wslPath.startsWith('/')) {
    throw new PathConversionError(`not an absolute WSL path: ${wslPath}`);
  }
  const mount = mountRootOf(options);
  if (wslPath.startsWith(mount)) {
    const [letter, ...rest] = wslPath.slice(mount.length).split('/').filter(Boolean);
    if (letter && /^[a-z]$/i.test(letter)) {
      return `${letter.toUpperCase()}:\\${rest.join('\\')}`;
    }
  }
  if (!options.distro) {
    throw new PathConversionError(
      `${wslPath} is inside the distro; its Windows path needs the distro name`,
      {
        hint: 'pass distro (WSL_DISTRO_NAME)',
      },
    );
  }
  const parts = wslPath.split('/').filter(Boolean);
  return `\\\\${options.uncHost ?? 'wsl$'}\\${options.distro}${parts.length > 0 ? `\\${parts.join('\\')}` : ''}`;
}
