export {
  DEFAULT_HOSTS,
  HEADSCALE_PORT,
  type HostPlan,
  LAB_PREFIX_LENGTH,
  LAB_SUBNET_BASE,
  type LabPlan,
  planLab,
  ROLE_PORTS,
  topologyCommands,
} from './address-plan.js';
export { labAvailable } from './available.js';
export { type LabProgram, MESH_BIN_DIR, resolveLabBinary } from './binaries.js';
export { describeLab, type LabGate, labGate } from './describe-lab.js';
export { LabError } from './errors.js';
export { forwardArgs } from './forward.js';
export { LAB_ROLES, type LabHostEnvOptions, labHostEnv, MESH_CLI, onPath } from './host-env.js';
export { socketDispatcher, socketGet } from './http.js';
export { type TailscaleUpArgsOptions, tailscaleUpArgs } from './join-args.js';
export { Lab, type PhaseTiming } from './lab.js';
export type { LabHeadscale } from './lab-headscale.js';
export type { LabHost } from './lab-host.js';
export type { LabOptions } from './lab-options.js';
export type { LabSyncthing } from './lab-syncthing.js';
export type { LabTailscaled } from './lab-tailscale.js';
export { LAB_PREFIX, type LabNames, labIdOf, labNames, newLabId } from './naming.js';
export { PACKAGE_SOURCE_PORT, type PackageSource } from './package-source.js';
export type { LabProcess, ProcessExit } from './process.js';
export { type LabState, labRunDir } from './state.js';
export { configureSyncthingXml } from './syncthing-config.js';
export { waitFor } from './wait.js';
