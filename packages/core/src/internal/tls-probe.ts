/** Moved to `@mesh/syncthing-client`; re-exported so existing imports keep working. */
export {
  type ProbeDeviceIdOptions as ProbeCertificateOptions,
  probeCertificate,
} from '@mesh/syncthing-client';
