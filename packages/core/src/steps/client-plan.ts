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
    | 'windows-tailscale'
    | 'windows-script'
    | 'peer';
  title: string;
  /** `manual`: Mesh prints what to do (it needs the user, e.g. `wsl --shutdown` from Windows). */
  mode: 'auto' | 'manual';
}

/**
 * The steps `mesh client setup` runs on a platform, in order (pure, unit-tested; `clientSetup`
 * executes exactly this list). WSL2 adds systemd and sshd on port 2222, and hands the Windows side
 * to the user as a reviewable script (never elevating by itself); Windows adds the firewall rules,
 * the WSL autostart task and Tailscale's registry values (all done by `@mesh/platform`, elevated).
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
      title: 'sshd on port 2222 (/etc/ssh/sshd_config, checked with sshd -t), restarted',
      mode: 'auto',
    });
  }
  steps.push({
    id: 'syncthing',
    title: `Configure Syncthing for the ${role} role, start the mesh agent`,
    mode: 'auto',
  });
  if (platform.osType === 'windows') {
    steps.push({
      id: 'windows-firewall',
      title: 'Firewall rules: WSL2 SSH, Syncthing Windows/WSL2 sync ports, Syncthing Discovery',
      mode: 'auto',
    });
    steps.push({
      id: 'windows-wsl-autostart',
      title: 'Start WSL at logon (scheduled task)',
      mode: 'auto',
    });
    steps.push({
      id: 'windows-tailscale',
      title: 'Tailscale registry values and tailscaled-env.txt for this server',
      mode: 'auto',
    });
  }
  if (platform.osType === 'wsl2') {
    steps.push({
      id: 'windows-script',
      title: 'Windows side: review and run the script of mesh windows script, elevated',
      mode: 'manual',
    });
  }
  if (o.peer)
    steps.push({ id: 'peer', title: 'Pair Syncthing with the mesh (mesh peer)', mode: 'auto' });
  return steps;
}
