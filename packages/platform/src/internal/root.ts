import path from 'node:path';

/**
 * Where an absolute machine path lives under `root`. With the default root `/` this is the path
 * itself; tests pass a temporary directory so `/etc/wsl.conf` becomes `<tmp>/etc/wsl.conf`.
 * A Windows drive prefix (`C:\`) is kept as a folder (`<root>/C/...`) so Windows paths can be
 * exercised on Linux too.
 */
export function inRoot(root: string | undefined, machinePath: string): string {
  if (root === undefined || root === '/' || root === '') return machinePath;
  const drive = /^([A-Za-z]):[\\/]/.exec(machinePath);
  if (drive) {
    const rest = machinePath.slice(3).split(/[\\/]+/);
    return path.join(root, (drive[1] ?? '').toUpperCase(), ...rest);
  }
  return path.join(root, machinePath);
}
