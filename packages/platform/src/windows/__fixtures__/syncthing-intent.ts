import type { SyncthingWindowsIntent } from '../syncthing.js';

/** The shape of what @mesh/core passes; core's tests check its values are the Linux roles' own. */
export const SYNCTHING_INTENT: SyncthingWindowsIntent = {
  options: { globalAnnounceEnabled: 'false', relaysEnabled: 'false', urAccepted: '-1' },
  folder: {
    id: 'opt-shared',
    label: 'Shared Workspace',
    path: 'C:\\shared',
    attributes: { type: 'sendreceive', fsWatcherEnabled: 'true', fsWatcherDelayS: '1' },
    versioning: { type: 'simple', params: { keep: '5' } },
    stignore: '// Editor temp files\n*.swp\n',
  },
};
