// The one redaction of every Mesh package (see the error contract in `errors.ts`).
export { redact } from '@mesh/errors';
export { resolveBinary, type TailscaleProgram } from './binaries.js';
export {
  type CliPingOptions,
  type CliPingResult,
  type CliPong,
  type CliUpOptions,
  parsePingOutput,
  TailscaleCli,
  type TailscaleCliOptions,
} from './cli.js';
export {
  DEFAULT_TAILSCALED_PORT,
  type TailscaledLaunch,
  type TailscaledLaunchOptions,
  tailscaledLaunch,
} from './daemon.js';
export {
  type AuthKeyRejection,
  isTailscaleError,
  TailscaleAbortError,
  TailscaleAuthKeyError,
  TailscaleCommandError,
  TailscaleControlUnreachableError,
  TailscaleDaemonUnreachableError,
  TailscaleError,
  type TailscaleErrorOptions,
  TailscaleLocalApiError,
  TailscaleSchemaError,
  TailscaleTimeoutError,
} from './errors.js';
export {
  classifyAuthKeyMessage,
  type JoinOptions,
  type JoinResult,
  join,
  PEER_ROUTES_WAIT_MS,
  peerRoutesKnown,
  waitForPeerRoutes,
} from './join.js';
export {
  LocalApiClient,
  type LocalApiClientOptions,
  type PingOptions,
  type PingType,
  type StartOptions,
  type TailscaleCallOptions,
  type WatchOptions,
} from './local-api.js';
export { type PingAnyOptions, pingAny } from './ping-any.js';
export { type PingUntilAnsweredOptions, pingUntilAnswered } from './ping-until.js';
export {
  type BackendState,
  backendStateName,
  type HealthWarning,
  type MaskedPrefs,
  type Notify,
  NotifyWatchOpt,
  type PeerStatus,
  type PingResult,
  type Prefs,
  type PrefsPatch,
  type Status,
  type WhoIs,
} from './schemas/index.js';
export { defaultSocketPath, WINDOWS_PIPE } from './socket.js';
export {
  findPeer,
  isPeerOnline,
  type NodeInfo,
  type PeerPath,
  type TailnetStatus,
  toNodeInfo,
  toTailnetStatus,
  type WaitForOptions,
  waitForState,
} from './status-model.js';
export { parseTailscaleVersion } from './version.js';
