/**
 * `@mesh/core`: the steps of the `mesh` command as plain functions. Each takes a
 * {@link MeshContext} (paths, runner, reporter, role) and returns a typed result; errors are
 * {@link MeshError}s with a one-line message, a hint and an exit code.
 */

export { createMeshContext, type MeshContext, type MeshContextOptions } from './context.js';
export {
  type DurationOptions,
  type DurationResult,
  parseDuration,
  safeParseDuration,
} from './duration.js';
export {
  ExitCode,
  type ExitCodeValue,
  isMeshError,
  MeshError,
  type MeshErrorKind,
  type MeshErrorOptions,
  redactSecrets,
} from './errors.js';
export {
  type AddHostOptions,
  addHost,
  type HostChange,
  type HostReport,
  hostStatus,
  listHosts,
  removeHost,
} from './hosts/commands.js';
export { type HostEntry, hostsFile, readHosts } from './hosts/registry.js';
export { errorDocumentSchema, type JsonCommand, jsonSchemas } from './json/documents.js';
export { toMeshError } from './map-error.js';
export { type MeshPaths, type ResolvePathsOptions, resolveMeshPaths, underRoot } from './paths.js';
export {
  prepareHostCommand,
  provisioningScript,
  provisioningSudoers,
} from './remote/prepare.js';
export {
  type ProvisionOptions,
  type ProvisionOutcome,
  type ProvisionResult,
  provisionAll,
  provisionHost,
} from './remote/provision.js';
export { type SshTarget, sshArgs } from './remote/ssh.js';
export { type RemoteStatus, remoteStatus } from './remote/status.js';
export { type Reporter, silentReporter, type WaitHandle, waitFor } from './reporter.js';
export {
  type AddSshKeyOptions,
  type AddSshKeyResult,
  addSshKey,
  readPublicKeyArgument,
} from './ssh/add-key.js';
export {
  type CopySshKeysOptions,
  type CopySshKeysResult,
  copySshKeys,
  hostKeysBlock,
} from './ssh/copy-keys.js';
export { keysHome, type SshKeySummary } from './ssh/local-keys.js';
export { type SshStatus, type SshStatusOptions, sshStatus } from './ssh/status.js';
export { findWindowsKeys, type WindowsKeys } from './ssh/windows-keys.js';
export {
  type WslSetupSshOptions,
  type WslSetupSshResult,
  windowsKeysBlock,
  wslSetupSsh,
} from './ssh/wsl-setup.js';
export {
  AGENT_SERVICE,
  type AgentStatus,
  agentLogs,
  agentStatus,
  type RunAgentOptions,
  runAgent,
} from './steps/agent.js';
export type { AgentState } from './steps/agent-state.js';
export { validateAuthKey } from './steps/auth-key.js';
export {
  type ClientSetupOptions,
  type ClientSetupResult,
  clientSetup,
  type JoinMeshOptions,
  type JoinMeshResult,
  joinCommand,
  joinMesh,
} from './steps/client.js';
export { type ClientStep, clientSetupPlan } from './steps/client-plan.js';
export {
  CONFLICT_KEEP_CHOICES,
  type ConflictCopy,
  type ConflictKeep,
  type ConflictList,
  type ConflictResolution,
  type DeviceNameLookup,
  type ListConflictCopiesOptions,
  listConflictCopies,
  RESOLVED_DIR,
  type ResolveConflictsOptions,
  type ResolveConflictsResult,
  resolveConflicts,
} from './steps/conflicts.js';
export {
  DEFAULT_SHARED_FOLDER_WINDOWS,
  DEFAULT_STIGNORE,
  MESH_USER,
  SHARED_FOLDER_ID,
  SHARED_FOLDER_SETTINGS,
} from './steps/constants.js';
export { type DoctorFix, type DoctorReport, doctor } from './steps/doctor.js';
export {
  type HardenOptions,
  type HardenResult,
  hardenClient,
  hardenServer,
  MESH_TCP_PORTS,
  TAILSCALED_HARDENED_ENV,
} from './steps/harden.js';
export {
  INIT_SETTINGS,
  type InitOptions,
  type InitQuestion,
  type InitResult,
  type InitSetting,
  type InitTarget,
  initEnvFile,
  initQuestions,
  validateInitValue,
} from './steps/init.js';
export { installMissingPrograms, missingPrograms, packageFor } from './steps/install.js';
export {
  type CreateJoinKeyOptions,
  createJoinKey,
  type JoinKey,
  type KeySummary,
  parseTags,
  saveJoinKey,
} from './steps/keys.js';
export { leaveMesh, MESH_DAEMONS, stopMeshDaemons } from './steps/leave.js';
export { isMachineStep, runMachineStep, runMachineSteps } from './steps/machine.js';
export type { MachineStepResult, MachineStepsOptions } from './steps/machine-step.js';
export {
  changeNode,
  listNodes,
  type NodeAction,
  type NodeActionResult,
  type NodeSummary,
  type ServerStatus,
  serverStatus,
} from './steps/nodes.js';
export {
  type AddDeviceOptions,
  addDevice,
  checkManualDevice,
  type PairPeersOptions,
  type PairPeersResult,
  pairPeers,
  pruneUntrusted,
  type UntrustedDevice,
} from './steps/peer.js';
export {
  hostOf,
  type MeshPeer,
  type PeerPlan,
  type PeerPlanInput,
  type PendingDevice,
  planPeering,
} from './steps/peer-plan.js';
export { isTransientJoinError, retryDelayMs } from './steps/retry.js';
export {
  HEADSCALE_CONFIG_FIX,
  HEADSCALE_DOWN_FIX,
  headscaleConfigProblem,
  parsePostgresUrl,
  primaryIpv4,
  requireHeadscaleConfig,
  requireServerRole,
  type SetupServerOptions,
  type SetupServerResult,
  setupServer,
  validateServerUrl,
} from './steps/server.js';
export { type EffectiveSetting, effectiveSettings } from './steps/settings-report.js';
export { ensureWslSshdStep } from './steps/sshd.js';
export {
  guiOnLoopback,
  type SecretFile,
  secretFiles,
  type TailscaledLogs,
  tailscaledLogs,
} from './steps/status/security.js';
export {
  type MeshStatus,
  type MeshStatusOptions,
  meshStatus,
  type StatusCheck,
  type TrustReport,
} from './steps/status.js';
export { type SyncFolderOptions, syncFolder } from './steps/sync-folder.js';
export {
  type FolderProgress,
  type FolderSnapshot,
  folderProgress,
  type PeerEvent,
  wantsPairing,
} from './steps/sync-plan.js';
export {
  checkSharedFolder,
  type EnsureSyncthingOptions,
  type EnsureSyncthingResult,
  ensureSyncthing,
} from './steps/syncthing.js';
export {
  checkSyncthingPorts,
  type SyncthingPort,
  syncthingPorts,
} from './steps/syncthing-ports.js';
export type { JoinTailnetOptions } from './steps/tailscale.js';
export { checkTailscaleVersion } from './steps/versions.js';
export { resolvePeerHost, type WaitForPeersOptions, waitForPeers } from './steps/wait-peers.js';
export { type WatchPeersOptions, watchPeers } from './steps/watch.js';
export {
  ensureWindowsSteps,
  meshWindowsIntent,
  WINDOWS_NODE_PATH,
  type WindowsIntentOptions,
  windowsAgentCommand,
  windowsHandOff,
  windowsSetupScript,
} from './steps/windows.js';
export { windowsSyncthingIntent } from './steps/windows-syncthing.js';
export { ensureWslSystemdStep } from './steps/wsl-conf.js';
export { VOUCH_PORT, type VouchAnswer } from './trust/protocol.js';
export {
  type AskVouchOptions,
  askVouch,
  type ListedNode,
  type VouchedDevice,
  type VouchOutcome,
} from './trust/vouch-client.js';
export { type ServeVouchesOptions, serveVouches } from './trust/vouch-server.js';
