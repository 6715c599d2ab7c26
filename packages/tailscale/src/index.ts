export { MESH_BIN_DIR, resolveBinary, type TailscaleProgram } from './binaries.js';
export {
  DEFAULT_TAILSCALED_PORT,
  type TailscaledLaunch,
  type TailscaledLaunchOptions,
  tailscaledLaunch,
} from './daemon.js';
