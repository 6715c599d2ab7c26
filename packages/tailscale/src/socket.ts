import { existsSync } from 'node:fs';

/** The LocalAPI named pipe of the Windows service (`safesocket/pipe_windows.go`). */
export const WINDOWS_PIPE = '\\\\.\\pipe\\ProtectedPrefix\\Administrators\\Tailscale\\tailscaled';

/**
 * Where the system tailscaled listens, per OS: Linux `/var/run/tailscale/tailscaled.sock`
 * (falling back to `/run/…` where `/var/run` is missing), macOS open-source daemon
 * `/var/run/tailscaled.socket`, Windows the named pipe {@link WINDOWS_PIPE}. undici and
 * `node:net` accept a pipe path as `socketPath`, so the same client works on Windows.
 */
export function defaultSocketPath(platform: NodeJS.Platform = process.platform): string {
  if (platform === 'win32') return WINDOWS_PIPE;
  if (platform === 'darwin') return '/var/run/tailscaled.socket';
  if (!existsSync('/var/run') && existsSync('/run')) return '/run/tailscale/tailscaled.sock';
  return '/var/run/tailscale/tailscaled.sock';
}
