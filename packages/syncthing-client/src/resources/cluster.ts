import type { SyncthingCallOptions, Transport } from '../internal/transport.js';
import {
  type PendingDevices,
  PendingDevicesSchema,
  type PendingFolders,
  PendingFoldersSchema,
} from '../schemas/cluster.js';
import { Resource } from './resource.js';

/** `/rest/cluster/pending/*`: devices and folders offered to us but not (yet) configured. */
export class PendingResource extends Resource {
  /** `GET /rest/cluster/pending/devices` (1.13.0+): device ID → name, address, time. */
  devices(options?: SyncthingCallOptions): Promise<PendingDevices> {
    return this.transport.request({
      method: 'GET',
      path: '/rest/cluster/pending/devices',
      schema: PendingDevicesSchema,
      feature: 'GET /rest/cluster/pending/devices',
      options,
    });
  }

  /** `GET /rest/cluster/pending/folders[?device=]` (1.13.0+): folder ID → offering devices. */
  folders(
    params: { device?: string } = {},
    options?: SyncthingCallOptions,
  ): Promise<PendingFolders> {
    return this.transport.request({
      method: 'GET',
      path: '/rest/cluster/pending/folders',
      query: { device: params.device },
      schema: PendingFoldersSchema,
      feature: 'GET /rest/cluster/pending/folders',
      options,
    });
  }

  /** `DELETE /rest/cluster/pending/devices?device=` (1.18.0+): forgets a pending device. */
  dismissDevice(deviceId: string, options?: SyncthingCallOptions): Promise<void> {
    return this.transport.request({
      method: 'DELETE',
      path: '/rest/cluster/pending/devices',
      query: { device: deviceId },
      feature: 'DELETE /rest/cluster/pending/devices',
      options,
    });
  }

  /** `DELETE /rest/cluster/pending/folders?folder=[&device=]` (1.18.0+): forgets an offer. */
  dismissFolder(
    folderId: string,
    params: { device?: string } = {},
    options?: SyncthingCallOptions,
  ): Promise<void> {
    return this.transport.request({
      method: 'DELETE',
      path: '/rest/cluster/pending/folders',
      query: { folder: folderId, device: params.device },
      feature: 'DELETE /rest/cluster/pending/folders',
      options,
    });
  }
}

/** `/rest/cluster/*`. */
export class ClusterResource {
  /** Pending devices and folders. */
  readonly pending: PendingResource;
  constructor(transport: Transport) {
    this.pending = new PendingResource(transport);
  }
}
