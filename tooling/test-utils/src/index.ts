export {
  type PackageServer,
  type Route,
  serveTailscale,
  sha256Hex,
  startPackageServer,
  tailscaleTgz,
  versionScript,
} from './release-fixture.js';
export { type UntilOptions, until } from './until.js';
