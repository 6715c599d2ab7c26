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
export type { HostEntry } from './hosts/registry.js';
export { errorDocumentSchema, type JsonCommand, jsonSchemas } from './json/documents.js';
export { toMeshError } from './map-error.js';
export type { MeshPaths, ResolvePathsOptions } from './paths.js';
export { prepareHost, provisioningScript } from './remote/prepare.js';
export {
  type ProvisionOptions,
  type ProvisionOutcome,
  type ProvisionResult,
  provisionAll,
  provisionHost,
} from './remote/provision.js';
export { type RemoteStatus, remoteStatus } from './remote/status.js';
export type { Reporter, WaitHandle } from './reporter.js';
export {
  type AddSshKeyOptions,
  type AddSshKeyResult,
  addSshKey,
} from './ssh/add-key.js';
export {
  type CopySshKeysOptions,
  type CopySshKeysResult,
  copySshKeys,
} from './ssh/copy-keys.js';
export type { SshKeySummary } from './ssh/local-keys.js';
export { type SshStatus, type SshStatusOptions, sshStatus } from './ssh/status.js';
export {
  type WslSetupSshOptions,
  type WslSetupSshResult,
  wslSetupSsh,
} from './ssh/wsl-setup.js';
export {
  type AgentStatus,
  agentLogs,
  agentStatus,
  type RunAgentOptions,
  runAgent,
} from './steps/agent.js';
export type { AgentState } from './steps/agent-state.js';
export {
  type ClientSetupOptions,
  type ClientSetupResult,
  clientSetup,
  type JoinMeshOptions,
  type JoinMeshResult,
  joinCommand,
  joinMesh,
  type TimedClientStep,
} from './steps/client.js';
export { type ClientStep, clientSetupPlan } from './steps/client-plan.js';
export {
  type ConflictCopy,
  type ConflictKeep,
  type ConflictList,
  type ConflictResolution,
  type DeviceNameLookup,
  type ListConflictCopiesOptions,
  listConflictCopies,
  type ResolveConflictsOptions,
  type ResolveConflictsResult,
  resolveConflicts,
} from './steps/conflicts.js';
export { type DoctorFix, type DoctorReport, doctor } from './steps/doctor.js';
export {
  type HardenOptions,
  type HardenResult,
  hardenClient,
  hardenServer,
} from './steps/harden.js';
export {
  type InitOptions,
  type InitQuestion,
  type InitResult,
  type InitSetting,
  type InitTarget,
  initEnvFile,
  initQuestions,
  validateInitValue,
} from './steps/init.js';
export { installMissingPrograms } from './steps/install.js';
export {
  type CreateJoinKeyOptions,
  createJoinKey,
  type JoinKey,
  type KeySummary,
  parseTags,
  saveJoinKey,
} from './steps/keys.js';
export { leaveMesh, stopMeshDaemons } from './steps/leave.js';
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
  type MeshPeer,
  type PeerPlan,
  type PeerPlanInput,
  type PendingDevice,
  planPeering,
} from './steps/peer-plan.js';
export {
  HEADSCALE_CONFIG_FIX,
  HEADSCALE_DOWN_FIX,
  type SetupServerOptions,
  type SetupServerResult,
  setupServer,
  validateServerUrl,
} from './steps/server.js';
export { type EffectiveSetting, effectiveSettings } from './steps/settings-report.js';
export { ensureWslSshdStep } from './steps/sshd.js';
export {
  type MeshStatus,
  type MeshStatusOptions,
  meshStatus,
  type StatusCheck,
  type TrustReport,
} from './steps/status.js';
export {
  STATUS_EVENTS,
  StatusKeeper,
  type StatusKeeperOptions,
} from './steps/status-keeper.js';
export { type SyncFolderOptions, syncFolder } from './steps/sync-folder.js';
export {
  type FolderProgress,
  type FolderSnapshot,
  folderProgress,
} from './steps/sync-plan.js';
export {
  type EnsureSyncthingOptions,
  type EnsureSyncthingResult,
  ensureSyncthing,
  type LocalSyncthing,
  startSyncthing,
} from './steps/syncthing.js';
export { checkTailscaleVersion } from './steps/versions.js';
export { type WaitForPeersOptions, waitForPeers } from './steps/wait-peers.js';
export { quietRun, type WatchPeersOptions, watchPeers } from './steps/watch.js';
export {
  type WindowsIntentOptions,
  windowsAgentCommand,
  windowsSetupScript,
} from './steps/windows.js';
export { ensureWslSystemdStep } from './steps/wsl-conf.js';
export { VOUCH_PORT } from './trust/protocol.js';
export type {
  ListedNode,
  VouchedDevice,
} from './trust/vouch-client.js';
