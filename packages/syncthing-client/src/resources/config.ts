import type * as z from 'zod/mini';
import { path } from '../internal/path.js';
import type { SyncthingCallOptions, Transport } from '../internal/transport.js';
import { list } from '../schemas/common.js';
import {
  type Config,
  type ConfigInSync,
  ConfigInSyncSchema,
  ConfigSchema,
  type DefaultIgnores,
  DefaultIgnoresSchema,
  type DeviceConfig,
  type DeviceConfigInput,
  DeviceConfigSchema,
  type FolderConfig,
  type FolderConfigInput,
  FolderConfigSchema,
  GuiConfigSchema,
  LdapConfigSchema,
  OptionsConfigSchema,
  type RestartRequired,
  RestartRequiredSchema,
} from '../schemas/config.js';
import { Resource } from './resource.js';

/**
 * One config object (`options`, `gui`, `ldap`, `defaults/device`, `defaults/folder`):
 * GET, PUT (replace; omitted fields reset to defaults) and PATCH (merge top-level fields).
 */
export class ConfigSection<S extends z.ZodMiniType> extends Resource {
  constructor(
    transport: Transport,
    private readonly endpoint: string,
    private readonly schema: S,
  ) {
    super(transport);
  }

  /** `GET` the section. */
  get(options?: SyncthingCallOptions): Promise<z.output<S>> {
    return this.transport.request({
      method: 'GET',
      path: this.endpoint,
      schema: this.schema,
      options,
    });
  }

  /**
   * `PATCH`: replaces only the given top-level fields. Arrays are replaced whole, not merged
   * (syncthing#8886), so read-modify-write from one owner only.
   */
  update(patch: Partial<z.output<S>>, options?: SyncthingCallOptions): Promise<void> {
    return this.transport.request({ method: 'PATCH', path: this.endpoint, json: patch, options });
  }

  /** `PUT`: replaces the whole section; omitted fields fall back to built-in defaults. */
  replace(
    value: z.output<S> | Partial<z.output<S>>,
    options?: SyncthingCallOptions,
  ): Promise<void> {
    return this.transport.request({ method: 'PUT', path: this.endpoint, json: value, options });
  }
}

/** `/rest/config/devices[/:id]`. */
export class ConfigDevices extends Resource {
  /** `GET /rest/config/devices`: all configured devices (the local one included). */
  list(options?: SyncthingCallOptions): Promise<DeviceConfig[]> {
    return this.transport.request({
      method: 'GET',
      path: '/rest/config/devices',
      schema: list(DeviceConfigSchema),
      options,
    });
  }

  /** `GET /rest/config/devices/:id`; {@link SyncthingNotFoundError} when unknown. */
  get(deviceId: string, options?: SyncthingCallOptions): Promise<DeviceConfig> {
    return this.transport.request({
      method: 'GET',
      path: path`/rest/config/devices/${deviceId}`,
      schema: DeviceConfigSchema,
      options,
    });
  }

  /** `POST /rest/config/devices`: adds one device; missing fields come from `defaults.device`. */
  add(device: DeviceConfigInput, options?: SyncthingCallOptions): Promise<void> {
    return this.transport.request({
      method: 'POST',
      path: '/rest/config/devices',
      json: device,
      options,
    });
  }

  /** `PATCH /rest/config/devices/:id`: replaces the given top-level fields (arrays whole). */
  update(
    deviceId: string,
    patch: Partial<DeviceConfig>,
    options?: SyncthingCallOptions,
  ): Promise<void> {
    return this.transport.request({
      method: 'PATCH',
      path: path`/rest/config/devices/${deviceId}`,
      json: patch,
      options,
    });
  }

  /** `PUT /rest/config/devices/:id`: creates or replaces one device (base = defaults). */
  replace(device: DeviceConfigInput, options?: SyncthingCallOptions): Promise<void> {
    return this.transport.request({
      method: 'PUT',
      path: path`/rest/config/devices/${device.deviceID}`,
      json: device,
      options,
    });
  }

  /** `PUT /rest/config/devices`: replaces the whole device list. */
  replaceAll(devices: DeviceConfigInput[], options?: SyncthingCallOptions): Promise<void> {
    return this.transport.request({
      method: 'PUT',
      path: '/rest/config/devices',
      json: devices,
      options,
    });
  }

  /** `DELETE /rest/config/devices/:id`. */
  remove(deviceId: string, options?: SyncthingCallOptions): Promise<void> {
    return this.transport.request({
      method: 'DELETE',
      path: path`/rest/config/devices/${deviceId}`,
      options,
    });
  }
}

/** `/rest/config/folders[/:id]`. */
export class ConfigFolders extends Resource {
  /** `GET /rest/config/folders`. */
  list(options?: SyncthingCallOptions): Promise<FolderConfig[]> {
    return this.transport.request({
      method: 'GET',
      path: '/rest/config/folders',
      schema: list(FolderConfigSchema),
      options,
    });
  }

  /** `GET /rest/config/folders/:id`; {@link SyncthingNotFoundError} when unknown. */
  get(folderId: string, options?: SyncthingCallOptions): Promise<FolderConfig> {
    return this.transport.request({
      method: 'GET',
      path: path`/rest/config/folders/${folderId}`,
      schema: FolderConfigSchema,
      options,
    });
  }

  /**
   * `POST /rest/config/folders`: adds one folder. Missing fields come from `defaults.folder`; the
   * local device is added to `devices` automatically.
   */
  add(folder: FolderConfigInput, options?: SyncthingCallOptions): Promise<void> {
    return this.transport.request({
      method: 'POST',
      path: '/rest/config/folders',
      json: folder,
      options,
    });
  }

  /**
   * `PATCH /rest/config/folders/:id`: replaces the given top-level fields (arrays whole). On
   * Syncthing 1.30 a PATCH also sets every folder field it does not name back to its default
   * (`fsWatcherDelayS` 1 → 10, `rescanIntervalS` 60 → 3600 after `{"paused": false}`):
   * {@link modify} keeps them.
   */
  update(
    folderId: string,
    patch: Partial<FolderConfig>,
    options?: SyncthingCallOptions,
  ): Promise<void> {
    return this.transport.request({
      method: 'PATCH',
      path: path`/rest/config/folders/${folderId}`,
      json: patch,
      options,
    });
  }

  /**
   * Changes one folder and keeps every field `change` does not name, on every Syncthing: reads
   * it whole, applies `change`, writes it back whole (`GET`, then `PUT`). A change made by
   * someone else between the two is lost, as with any read-modify-write.
   */
  async modify(
    folderId: string,
    change: (folder: FolderConfig) => Partial<FolderConfig>,
    options?: SyncthingCallOptions,
  ): Promise<void> {
    const folder = await this.get(folderId, options);
    await this.replace({ ...folder, ...change(folder) }, options);
  }

  /** `PUT /rest/config/folders/:id`: creates or replaces one folder (base = defaults). */
  replace(folder: FolderConfigInput, options?: SyncthingCallOptions): Promise<void> {
    return this.transport.request({
      method: 'PUT',
      path: path`/rest/config/folders/${folder.id}`,
      json: folder,
      options,
    });
  }

  /** `PUT /rest/config/folders`: replaces the whole folder list. */
  replaceAll(folders: FolderConfigInput[], options?: SyncthingCallOptions): Promise<void> {
    return this.transport.request({
      method: 'PUT',
      path: '/rest/config/folders',
      json: folders,
      options,
    });
  }

  /** `DELETE /rest/config/folders/:id` (files on disk stay). */
  remove(folderId: string, options?: SyncthingCallOptions): Promise<void> {
    return this.transport.request({
      method: 'DELETE',
      path: path`/rest/config/folders/${folderId}`,
      options,
    });
  }
}

/** `/rest/config/defaults/ignores` (1.19.0+): ignore lines for new folders. */
export class DefaultIgnoresResource extends Resource {
  /** `GET /rest/config/defaults/ignores`. */
  get(options?: SyncthingCallOptions): Promise<DefaultIgnores> {
    return this.transport.request({
      method: 'GET',
      path: '/rest/config/defaults/ignores',
      schema: DefaultIgnoresSchema,
      feature: 'GET /rest/config/defaults/ignores',
      options,
    });
  }

  /** `PUT /rest/config/defaults/ignores {lines}`. */
  set(lines: string[], options?: SyncthingCallOptions): Promise<void> {
    return this.transport.request({
      method: 'PUT',
      path: '/rest/config/defaults/ignores',
      json: { lines },
      feature: 'PUT /rest/config/defaults/ignores',
      options,
    });
  }
}

/** `/rest/config/*` (1.12.0+). Config writes take effect at once and are saved. */
export class ConfigResource extends Resource {
  /** Devices. */
  readonly devices: ConfigDevices;
  /** Folders. */
  readonly folders: ConfigFolders;
  /** `/rest/config/options`. */
  readonly options: ConfigSection<typeof OptionsConfigSchema>;
  /** `/rest/config/gui` (contains the API key: don't log it). */
  readonly gui: ConfigSection<typeof GuiConfigSchema>;
  /** `/rest/config/ldap`. */
  readonly ldap: ConfigSection<typeof LdapConfigSchema>;
  /** `/rest/config/defaults/*`: templates for new devices/folders and default ignores. */
  readonly defaults: {
    device: ConfigSection<typeof DeviceConfigSchema>;
    folder: ConfigSection<typeof FolderConfigSchema>;
    ignores: DefaultIgnoresResource;
  };

  constructor(transport: Transport) {
    super(transport);
    this.devices = new ConfigDevices(transport);
    this.folders = new ConfigFolders(transport);
    this.options = new ConfigSection(transport, '/rest/config/options', OptionsConfigSchema);
    this.gui = new ConfigSection(transport, '/rest/config/gui', GuiConfigSchema);
    this.ldap = new ConfigSection(transport, '/rest/config/ldap', LdapConfigSchema);
    this.defaults = {
      device: new ConfigSection(transport, '/rest/config/defaults/device', DeviceConfigSchema),
      folder: new ConfigSection(transport, '/rest/config/defaults/folder', FolderConfigSchema),
      ignores: new DefaultIgnoresResource(transport),
    };
  }

  /** `GET /rest/config`: the whole config. */
  get(options?: SyncthingCallOptions): Promise<Config> {
    return this.transport.request({
      method: 'GET',
      path: '/rest/config',
      schema: ConfigSchema,
      options,
    });
  }

  /** `PUT /rest/config`: replaces the whole config (the race-free way for a single owner). */
  replace(config: Config, options?: SyncthingCallOptions): Promise<void> {
    return this.transport.request({ method: 'PUT', path: '/rest/config', json: config, options });
  }

  /** `GET /rest/config/restart-required`: whether saved changes need a restart. */
  restartRequired(options?: SyncthingCallOptions): Promise<RestartRequired> {
    return this.transport.request({
      method: 'GET',
      path: '/rest/config/restart-required',
      schema: RestartRequiredSchema,
      options,
    });
  }

  /** `GET /rest/config/insync` (deprecated alias of restart-required, inverted). */
  insync(options?: SyncthingCallOptions): Promise<ConfigInSync> {
    return this.transport.request({
      method: 'GET',
      path: '/rest/config/insync',
      schema: ConfigInSyncSchema,
      options,
    });
  }
}
