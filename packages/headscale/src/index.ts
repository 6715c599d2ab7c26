/**
 * `@mesh/headscale`: set up a Headscale server as code (config, systemd unit, service, install)
 * and administer it through one typed client over REST or the local CLI.
 * @packageDocumentation
 */

export { MESH_BIN_DIR, resolveHeadscaleBinary } from './binary.js';
export {
  ApiKeys,
  type CreatePreAuthKeyOptions,
  HeadscaleClient,
  type HeadscaleClientOptions,
  Nodes,
  PolicyResource,
  PreAuthKeys,
  type UserRef,
  Users,
} from './client.js';
export * from './errors.js';
export {
  type HeadscaleConfigOptions,
  type HeadscalePostgresOptions,
  headscaleConfigObject,
  readHeadscaleConfig,
  renderHeadscaleConfig,
  writeHeadscaleConfig,
} from './server/config.js';
export {
  configValueAt,
  type HardenedConfig,
  type HardenedSetting,
  HEADSCALE_HARDENING,
  hardenHeadscaleConfig,
  headscaleHardeningGaps,
  headscalePolicyOf,
  headscalePolicySettings,
  keptHardening,
} from './server/hardening.js';
export { type WaitForHealthOptions, waitForHealth } from './server/health.js';
export {
  type HeadscaleDownload,
  type InstallHeadscaleOptions,
  installHeadscale,
} from './server/install.js';
export {
  type CheckHeadscalePolicyOptions,
  checkHeadscalePolicy,
  type HeadscalePolicyOptions,
  isGeneratedPolicy,
  POLICY_HEADER,
  type PolicyCheckResult,
  policyTags,
  renderHeadscalePolicy,
} from './server/policy.js';
export {
  HeadscaleService,
  type HeadscaleServiceOptions,
  type ServiceManager,
  type ServiceStatus,
  type SupervisedProcessOptions,
  SupervisedProcessService,
  SystemdService,
  type SystemdServiceOptions,
} from './server/service.js';
export {
  type SetupHeadscaleServerOptions,
  type SetupHeadscaleServerResult,
  type SetupStep,
  setupHeadscaleServer,
} from './server/setup.js';
export {
  type HeadscaleServiceSpecOptions,
  headscaleServiceSpec,
  renderSystemdUnit,
  type SystemdUnitOptions,
} from './server/systemd.js';
export { editYaml, type YamlEdit } from './server/yaml-edit.js';
export { CliTransport, type CliTransportOptions } from './transport/cli.js';
export { REST_ENDPOINTS, RestTransport, type RestTransportOptions } from './transport/rest.js';
export type {
  ApiKeyRef,
  CallContext,
  CallOptions,
  HeadscaleTransport,
  PreAuthKeyInput,
  PreAuthKeyRef,
} from './transport/types.js';
export type * from './types.js';
export {
  compareVersions,
  FEATURES,
  type Feature,
  MIN_SUPPORTED_VERSION,
  parseVersion,
  requireFeature,
  type SemVer,
  supports,
} from './version.js';
