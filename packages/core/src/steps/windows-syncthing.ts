import type { SyncthingWindowsIntent } from '@mesh/platform';
import { PRIVATE_SYNCTHING_OPTIONS } from '@mesh/syncthing-client';
import {
  DEFAULT_SHARED_FOLDER_WINDOWS,
  DEFAULT_STIGNORE,
  SHARED_FOLDER_ID,
  SHARED_FOLDER_LABEL,
  SHARED_FOLDER_SETTINGS,
} from './constants.js';

/**
 * Syncthing on a Windows machine, from the values the Linux roles use: the private `<options>`
 * of `privateSyncthingConfig`, the shared folder's ID, label and settings, and the same
 * `.stignore`. The ports are the Windows role's, from `@mesh/platform`'s port plan.
 */
export function windowsSyncthingIntent(
  folderPath: string = DEFAULT_SHARED_FOLDER_WINDOWS,
): SyncthingWindowsIntent {
  const { versioning, ...shared } = SHARED_FOLDER_SETTINGS;
  return {
    options: PRIVATE_SYNCTHING_OPTIONS,
    folder: {
      id: SHARED_FOLDER_ID,
      label: SHARED_FOLDER_LABEL,
      path: folderPath,
      attributes: Object.fromEntries(Object.entries(shared).map(([k, v]) => [k, String(v)])),
      versioning: { type: versioning.type, params: versioning.params },
      stignore: DEFAULT_STIGNORE,
    },
  };
}
