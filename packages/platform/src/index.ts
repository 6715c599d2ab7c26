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
  isSystemdPid1,
  type OsType,
  type PlatformInfo,
  type WslInfo,
  wslVersionFromKernel,
} from './detect/platform.js';
export {
  type DetectedRole,
  detectRole,
  parseHostnameList,
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
// Packages
export {
  detectPackageManager,
  type PackageManager,
  type PackageManagerName,
  type PackageManagerOptions,
  packageCommands,
  packageManager,
} from './packages/package-manager.js';
// Who holds a port: sockets of this network namespace (/proc/self/net) and their processes
export {
  blocksBind,
  decodeProcAddress,
  matchSocketInodes,
  type PortHoldersOptions,
  type PortHolding,
  type ProcSocket,
  parseProcNet,
  portHolders,
  type SocketHolder,
  type SocketProtocol,
  socketInode,
  socketsInTheWay,
  TCP_LISTEN,
} from './port-holders.js';
export {
  type MeshRole,
  type PortEntry,
  type PortPlan,
  portPlan,
  type RolePorts,
  rolePorts,
  SYNCTHING_DISCOVERY_PORT,
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
  parseSystemctlShow,
  quoteExecArg,
  renderSystemdUnit,
  type SystemdOptions,
  systemdServiceManager,
  systemdUnitDir,
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
  ENVIRONMENT_ONLY_VARIABLES,
  FILE_VARIABLES,
  findEnvFile,
  type LoadSettingsOptions,
  loadSettings,
  type MeshSettings,
  parseSettings,
  RUNTIME_VARIABLES,
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
  formatPublicKey,
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
  setSshHostBlock,
  writeSshHostBlock,
} from './ssh/client-config.js';
export {
  type LookupUserOptions,
  lookupUser,
  parsePasswd,
  runAsPrefix,
  type UserAccount,
} from './users.js';
// Windows
export {
  defaultFirewallRules,
  type FirewallRule,
  firewallRuleAction,
  MESH_AGENT_TASK_NAME,
  type MeshAgentTaskIntent,
  meshAgentTaskAction,
  parseWslList,
  TAILSCALE_REGISTRY_KEY,
  TAILSCALED_ENV_FILE,
  type TailscaleWindowsIntent,
  tailscaledEnvAction,
  tailscaleWindowsActions,
  WINGET_IDS,
  type WindowsAction,
  type WindowsIntent,
  WSL_TASK_NAME,
  type WslAutoStartIntent,
  windowsActions,
  wingetInstallCommand,
  wingetListCommand,
  wingetPackageAction,
  wslAutoStartAction,
} from './windows/actions.js';
export {
  type ApplyWindowsOptions,
  applyWindowsActions,
  applyWindowsIntent,
  type WindowsActionResult,
} from './windows/apply.js';
export { type Command, POWERSHELL, powershellCommand, psQuote } from './windows/powershell.js';
export { renderWindowsScript } from './windows/script.js';
export {
  SYNCTHING_TASK_NAME,
  SYNCTHING_WINDOWS_HOME,
  type SyncthingWindowsFolder,
  type SyncthingWindowsIntent,
  syncthingWindowsActions,
} from './windows/syncthing.js';
// WSL
export {
  type ElevatedRunOptions,
  elevatedRunCommand,
  type InteropOptions,
  runElevatedScript,
  runPowerShell,
  stripTranscript,
  windowsTempDir,
} from './wsl/interop.js';
export { type WslPathOptions, windowsToWslPath, wslToWindowsPath } from './wsl/paths.js';
export {
  checkSshdConfig,
  type EnsureSshdPortOptions,
  type EnsureSshdPortResult,
  ensureSshdPort,
  readSshdPorts,
  SSHD_CONFIG_PATH,
  type SshdConfigOptions,
  type SshdPorts,
  setSshdPort,
  WSL2_SSH_PORT,
} from './wsl/sshd-config.js';
export {
  type EnsureResult,
  type EnsureWslSystemdOptions,
  ensureWslSystemd,
  iniValue,
  parseIni,
  readWslSystemd,
  setIniValue,
  WSL_CONF_PATH,
  type WslConfOptions,
  type WslSystemdState,
} from './wsl/wsl-conf.js';
