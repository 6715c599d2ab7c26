import type { DetectedRole, PlatformInfo } from '@mesh/platform';

/** One step of `mesh client setup`, in order. */
export interface ClientStep {
  id:
    | 'save-server-url'
    | 'health-check'
    | 'install'
    | 'tailscaled'
    | 'join'
    | 'syncthing'
    | 'wsl-systemd'
    | 'wsl-sshd'
    | 'windows-firewall'
    | 'windows-wsl-autostart'
    | 'peer';
  title: string;
  /** `manual`: Mesh prints what to do (it needs the user, e.g. `wsl --shutdown` from Windows). */
  mode: 'auto' | 'manual';
}

/**
 * The steps `mesh client setup` runs on a platform (pure, unit-tested). WSL2 adds systemd and
 * sshd on port 2222; Windows adds the firewall rules and the WSL autostart task (both done by
 * `@mesh/platform`, elevated).
 */
export function clientSetupPlan(
  platform: Pick<PlatformInfo, 'osType' | 'systemd'>,
  role: DetectedRole,
  o: { peer: boolean },
): ClientStep[] {
  const steps: ClientStep[] = [
    { id: 'health-check', title: 'Check the server /health', mode: 'auto' },
    { id: 'install', title: 'Install what is missing (Tailscale, Syncthing)', mode: 'auto' },
    { id: 'tailscaled', title: 'Start tailscaled', mode: 'auto' },
    { id: 'join', title: 'Join the tailnet', mode: 'auto' },
    { id: 'save-server-url', title: 'Save the server URL', mode: 'auto' },
  ];
  if (platform.osType === 'wsl2') {
    steps.push({
      id: 'wsl-systemd',
      title: platform.systemd
        ? 'systemd is PID 1'
        : 'Enable systemd in /etc/wsl.conf (then wsl --shutdown)',
      mode: platform.systemd ? 'auto' : 'manual',
    });
    steps.push({
      id: 'wsl-sshd',
      title: 'sshd on port 2222 (drop-in /etc/ssh/sshd_config.d/mesh.conf)',
      mode: 'auto',
    });
  }
  steps.push({ id: 'syncthing', title: `Configure Syncthing for the ${role} role`, mode: 'auto' });
  if (platform.osType === 'windows') {
    steps.push({
      id: 'windows-firewall',
      title: 'Firewall rules for Syncthing (TCP sync port, UDP 21027)',
      mode: 'auto',
    });
    steps.push({
      id: 'windows-wsl-autostart',
      title: 'Start WSL at logon (scheduled task)',
      mode: 'auto',
    });
  }
  if (o.peer)
    steps.push({ id: 'peer', title: 'Pair Syncthing with the mesh (mesh peer)', mode: 'auto' });
  return steps;
}
