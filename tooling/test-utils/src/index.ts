export { trackFailures } from './failures.js';
export {
  type PackageServer,
  type Route,
  serveSyncthing,
  serveTailscale,
  sha256Hex,
  startPackageServer,
  tailscaleTgz,
  versionScript,
} from './release-fixture.js';
export { type UntilOptions, until } from './until.js';
