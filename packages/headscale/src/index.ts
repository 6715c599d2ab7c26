/**
 * `@mesh/headscale`: set up a Headscale server as code (config, systemd unit, service, install)
 * and administer it through one typed client over REST or the local CLI.
 * @packageDocumentation
 */

export { resolveHeadscaleBinary } from './binary.js';
export {
  type ApiKeys,
  type CreatePreAuthKeyOptions,
  HeadscaleClient,
  type HeadscaleClientOptions,
  type Nodes,
  type PolicyResource,
  type PreAuthKeys,
  type UserRef,
  type Users,
} from './client.js';
export * from './errors.js';
export {
  type HeadscaleConfigOptions,
  type HeadscalePostgresOptions,
  readHeadscaleConfig,
  renderHeadscaleConfig,
  writeHeadscaleConfig,
} from './server/config.js';
export {
  configValueAt,
  type HardenedConfig,
  hardenHeadscaleConfig,
  headscaleHardeningGaps,
  headscalePolicyOf,
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
  type PolicyCheckResult,
  policyTags,
  renderHeadscalePolicy,
  renderOpenPolicy,
  SELF_HOSTED_NODE_ATTRS,
  selfHostedNodeAttrs,
} from './server/policy.js';
export {
  HeadscaleService,
  type HeadscaleServiceControl,
  type HeadscaleServiceOptions,
  type HeadscaleServiceStatus,
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
  type HeadscaleUnitOptions,
  headscaleServiceSpec,
  renderHeadscaleUnit,
} from './server/systemd.js';
export { CliTransport, type CliTransportOptions } from './transport/cli.js';
export { RestTransport, type RestTransportOptions } from './transport/rest.js';
export type {
  ApiKeyRef,
  CallContext,
  HeadscaleCallOptions,
  HeadscaleTransport,
  PreAuthKeyInput,
  PreAuthKeyRef,
} from './transport/types.js';
export type * from './types.js';
export {
  compareHeadscaleVersions,
  HEADSCALE_FEATURES,
  type HeadscaleFeature,
  type HeadscaleVersion,
  headscaleSupports,
  MIN_HEADSCALE_VERSION,
  parseHeadscaleVersion,
  requireHeadscaleFeature,
} from './version.js';
