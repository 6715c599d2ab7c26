// zod's English messages: the one copy, from the error contract every package shares
export { englishError } from '@mesh/errors';
// Binaries
export {
  findOnPath,
  MESH_BIN_DIR,
  type ResolveMeshBinaryOptions,
  resolveMeshBinary,
} from './binaries.js';
// Detection
export { osName } from './detect/os-name.js';
export { type OsRelease, parseOsRelease } from './detect/os-release.js';
export {
  type DetectOptions,
  detectPlatform,
  detectWsl,
  type OsType,
  type PlatformInfo,
  type WslInfo,
} from './detect/platform.js';
export {
  type DetectedRole,
  detectRole,
  type RoleHostnames,
} from './detect/role.js';
// Errors
export {
  CommandFailedError,
  FileEditError,
  isPlatformError,
  PathConversionError,
  PlatformAbortError,
  PlatformConfigError,
  PlatformError,
  PlatformTimeoutError,
  ServiceError,
  SshdConfigError,
  UnsupportedPlatformError,
} from './errors.js';
export { modeOpenToOthers } from './file-mode.js';
export {
  type BackupMode,
  pathExists,
  readIfExists,
  type WriteFileAtomicOptions,
  type WriteFileResult,
  writeFileAtomic,
} from './internal/atomic-file.js';
export {
  type Line as TextLine,
  parseLines as parseTextLines,
  renderLines as renderTextLines,
  type TextDoc as TextLines,
} from './internal/lines.js';
export { acquireLock } from './lock.js';
// Release packages: pinned versions, downloaded and verified by checksum
export {
  type DownloadFetch,
  type DownloadOptions,
  type DownloadResponse,
  type DownloadVerifiedOptions,
  type DownloadVerifiedResult,
  displayUrl,
  downloadText,
  downloadVerified,
} from './packages/download.js';
export {
  type InstallReleaseOptions,
  type InstallReleaseResult,
  installHeadscaleRelease,
  installTailscaleRelease,
  KEPT_TAILSCALE_PATH,
  RELEASE_INSTALL_DIR,
} from './packages/install-release.js';
export { installSyncthingRelease, KEPT_SYNCTHING_PATH } from './packages/install-syncthing.js';
// Packages
export {
  detectPackageManager,
  type PackageManager,
  type PackageManagerName,
  type PackageManagerOptions,
} from './packages/package-manager.js';
export {
  checksumFor,
  HEADSCALE_RELEASES_URL,
  HEADSCALE_VERSION,
  type HeadscaleRelease,
  headscaleRelease,
  parseChecksums,
  parseSha256,
  parseSha256File,
  parseSignedChecksums,
  type ReleaseArch,
  type ReleaseSourceOptions,
  releaseArch,
  releaseVersion,
  SYNCTHING_RELEASES_URL,
  SYNCTHING_VERSION,
  type SyncthingRelease,
  syncthingRelease,
  TAILSCALE_PACKAGES_URL,
  TAILSCALE_VERSION,
  type TailscaleRelease,
  tailscaleRelease,
} from './packages/release-sources.js';
// Who holds a port: sockets of this network namespace (/proc/self/net) and their processes
export {
  type PortHoldersOptions,
  type PortHolding,
  type ProcSocket,
  portHolders,
  type SocketHolder,
  type SocketProtocol,
} from './port-holders.js';
export {
  type MeshRole,
  type PortEntry,
  type PortPlan,
  portPlan,
  type RolePorts,
  rolePorts,
  tcpListens,
} from './ports.js';
// Privilege
export { type DaemonPrivilege, decidePrivilege, SUDO_PREFIX, sudoWorks } from './privilege.js';
export {
  createRunner,
  namespaceRunner,
  RunError,
  type Runner,
  type RunOptions,
  type RunResult,
  runChecked,
} from './runner.js';
// Services
export { detectServiceManager } from './services/detect.js';
export type {
  ServiceHardening,
  ServiceManager,
  ServiceSpec,
  ServiceStatus,
} from './services/service.js';
export {
  type SupervisedOptions,
  supervisedServiceManager,
} from './services/supervised.js';
export {
  renderSystemdUnit,
  type SystemdOptions,
  systemdServiceManager,
} from './services/systemd.js';
export {
  type WindowsServiceCommands,
  windowsServiceCommands,
  windowsServiceManager,
} from './services/windows.js';
// Settings
export {
  type DirsOptions,
  type MeshDirs,
  meshDirs,
  readSavedServerUrl,
  resolveServerUrl,
  SERVER_URL_FILE,
  type ServerUrlFileOptions,
  type ServerUrlSource,
  writeSavedServerUrl,
} from './settings/dirs.js';
export {
  FILE_VARIABLES,
  type LoadSettingsOptions,
  loadSettings,
  type MeshSettings,
  parseSettings,
  SETTINGS_VARIABLES,
  type SettingSource,
} from './settings/settings.js';
export { shellLine, shellQuote } from './shell-words.js';
// authorized_keys: public keys checked, added once, merged into mesh's own blocks
export {
  type AuthorizedKeysFileOptions,
  addAuthorizedKey,
  authorizedKeysPath,
  checkPublicKey,
  isKeyType,
  type KeyBlockResult,
  looksPrivate,
  type PublicKey,
  parseAuthorizedKeys,
  publicKeyFingerprint,
  setAuthorizedKeysBlock,
  writeAuthorizedKeys,
} from './ssh/authorized-keys.js';
export {
  hasSshHostBlock,
  type SshConfigFileOptions,
  type SshHostEntry,
  writeSshHostBlock,
} from './ssh/client-config.js';
export {
  type LookupUserOptions,
  lookupUser,
  runAsPrefix,
  type UserAccount,
} from './users.js';
// Windows
export {
  defaultFirewallRules,
  type FirewallRule,
  firewallRuleAction,
  type MeshAgentTaskIntent,
  meshAgentTaskAction,
  parseWslList,
  TAILSCALED_ENV_FILE,
  type TailscaleWindowsIntent,
  tailscaleWindowsActions,
  WINGET_IDS,
  type WindowsAction,
  type WindowsIntent,
  type WslAutoStartIntent,
  windowsActions,
  wingetPackageAction,
  wslAutoStartAction,
} from './windows/actions.js';
export {
  type ApplyWindowsOptions,
  applyWindowsActions,
  applyWindowsIntent,
  type WindowsActionResult,
} from './windows/apply.js';
export type { Command } from './windows/powershell.js';
export { renderWindowsScript } from './windows/script.js';
export {
  SYNCTHING_TASK_NAME,
  type SyncthingWindowsFolder,
  type SyncthingWindowsIntent,
} from './windows/syncthing.js';
// WSL
export {
  type ElevatedRunOptions,
  elevatedRunCommand,
  type InteropOptions,
  runElevatedScript,
  runPowerShell,
} from './wsl/interop.js';
export { type WslPathOptions, windowsToWslPath, wslToWindowsPath } from './wsl/paths.js';
export {
  type EnsureSshdPortOptions,
  type EnsureSshdPortResult,
  ensureSshdPort,
  readSshdPorts,
  SSHD_CONFIG_PATH,
  type SshdConfigOptions,
  type SshdPorts,
  WSL2_SSH_PORT,
} from './wsl/sshd-config.js';
export {
  type EnsureResult,
  type EnsureWslSystemdOptions,
  ensureWslSystemd,
  iniValue,
  readWslSystemd,
  WSL_CONF_PATH,
  type WslConfOptions,
  type WslSystemdState,
} from './wsl/wsl-conf.js';
