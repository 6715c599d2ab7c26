import { newSyncthingApiKey, privateSyncthingConfig } from '@mesh/syncthing-client';

export interface SyncthingLabConfig {
  /** e.g. `127.0.0.1:8384` (inside the host namespace). */
  guiAddress: string;
  apiKey: string;
  /** e.g. `tcp://0.0.0.0:22000`. */
  listenAddress: string;
  /** Device name shown to peers (instances otherwise all take the machine's hostname). */
  deviceName?: string;
}

/** A random GUI/REST API key (32 alphanumerics, like the ones syncthing generates). */
export const newApiKey = newSyncthingApiKey;

/**
 * Rewrites a freshly generated syncthing `config.xml` for the lab, before its first start:
 * `@mesh/syncthing-client`'s {@link privateSyncthingConfig} with one explicit listen address.
 */
export function configureSyncthingXml(xml: string, c: SyncthingLabConfig): string {
  return privateSyncthingConfig(xml, {
    guiAddress: c.guiAddress,
    apiKey: c.apiKey,
    listenAddresses: [c.listenAddress],
    ...(c.deviceName === undefined ? {} : { deviceName: c.deviceName }),
  });
}
