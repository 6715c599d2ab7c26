import { UnsupportedPlatformError } from '../errors.js';
import { pathExists } from '../internal/atomic-file.js';
import { inRoot } from '../internal/root.js';
import { createRunner, type Runner, runChecked } from '../runner.js';
import { wingetInstallCommand, wingetListCommand } from '../windows/actions.js';
import type { Command } from '../windows/powershell.js';

export type PackageManagerName = 'apt' | 'dnf' | 'winget' | 'brew';

/** Installs packages, checking first. */
export interface PackageManager {
  readonly name: PackageManagerName;
  /** The exact commands, for plans and dry runs. */
  commands(pkg: string): { check: Command; install: Command[] };
  isInstalled(pkg: string): Promise<boolean>;
  /** Installs `pkg` only when it is missing. */
  ensure(pkg: string): Promise<{ changed: boolean }>;
}

export interface PackageManagerOptions {
  /** @default createRunner() */
  runner?: Runner;
  /** Put `sudo -n` before installs (Linux, when not root). @default false */
  sudo?: boolean;
  /** Per install, in milliseconds. @default 600000 */
  timeout?: number;
}

const PKG = /^[A-Za-z0-9][A-Za-z0-9+._@/-]*$/;

/** The check and install commands of each package manager. */
export function packageCommands(
  name: PackageManagerName,
  pkg: string,
  options: { sudo?: boolean } = {},
): { check: Command; install: Command[] } {
  if (!PKG.test(pkg))
    throw new UnsupportedPlatformError(`not a package name: ${JSON.stringify(pkg)}`);
  const sudo = (c: Command): Command =>
    options.sudo ? { file: 'sudo', args: ['-n', c.file, ...c.args] } : c;
  switch (name) {
    case 'apt':
      return {
        // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own format syntax
        check: { file: 'dpkg-query', args: ['-W', '-f=${Status}', pkg] },
        install: [
          sudo({
            file: 'env',
            args: [
              'DEBIAN_FRONTEND=noninteractive',
              'apt-get',
              'install',
              '-y',
              '--no-install-recommends',
              pkg,
            ],
          }),
        ],
      };
    case 'dnf':
      return {
        check: { file: 'rpm', args: ['-q', pkg] },
        install: [sudo({ file: 'dnf', args: ['install', '-y', pkg] })],
      };
    case 'brew':
      return {
        check: { file: 'brew', args: ['list', '--versions', pkg] },
        install: [{ file: 'brew', args: ['install', pkg] }],
      };
    case 'winget':
      return { check: wingetListCommand(pkg), install: [wingetInstallCommand(pkg)] };
  }
}

function installed(name: PackageManagerName, exitCode: number, stdout: string): boolean {
  if (exitCode !== 0) return false;
  // dpkg-query also knows removed-but-configured packages: only "install ok installed" counts.
  if (name === 'apt') return /install ok installed/.test(stdout);
  if (name === 'brew') return stdout.trim() !== '';
  return true;
}

/** A {@link PackageManager} of a given kind. */
export function packageManager(
  name: PackageManagerName,
  options: PackageManagerOptions = {},
): PackageManager {
  const runner = options.runner ?? createRunner();
  const pm: PackageManager = {
    name,
    commands: (pkg) => packageCommands(name, pkg, options.sudo ? { sudo: true } : {}),
    async isInstalled(pkg) {
      const { check } = pm.commands(pkg);
      const r = await runner.run(check.file, check.args, { timeout: 60_000 });
      return installed(name, r.exitCode, r.stdout);
    },
    async ensure(pkg) {
      if (await pm.isInstalled(pkg)) return { changed: false };
      for (const c of pm.commands(pkg).install) {
        await runChecked(runner, c.file, c.args, {
          timeout: options.timeout ?? 600_000,
          hint:
            name === 'winget' ? 'run from an elevated session' : 'run as root or pass sudo: true',
        });
      }
      return { changed: true };
    },
  };
  return pm;
}

const PROBES: { name: PackageManagerName; paths: string[] }[] = [
  { name: 'apt', paths: ['/usr/bin/apt-get'] },
  { name: 'dnf', paths: ['/usr/bin/dnf', '/usr/bin/dnf5'] },
  {
    name: 'brew',
    paths: ['/opt/homebrew/bin/brew', '/usr/local/bin/brew', '/home/linuxbrew/.linuxbrew/bin/brew'],
  },
];

/**
 * Finds the package manager of this host: winget on Windows; on Linux/macOS the first of apt,
 * dnf, brew whose binary exists under `root`. Throws {@link UnsupportedPlatformError} when none.
 */
export async function detectPackageManager(
  options: PackageManagerOptions & { root?: string; platform?: NodeJS.Platform } = {},
): Promise<PackageManager> {
  if ((options.platform ?? process.platform) === 'win32') return packageManager('winget', options);
  for (const probe of PROBES) {
    for (const p of probe.paths) {
      if (await pathExists(inRoot(options.root, p))) return packageManager(probe.name, options);
    }
  }
  throw new UnsupportedPlatformError(
    'no supported package manager (apt, dnf, brew, winget) found',
    {
      hint: 'install the package by hand',
    },
  );
}
