/** The shared folder's ID on every member: existing installations already use it. */
export const SHARED_FOLDER_ID = 'opt-shared';
export const SHARED_FOLDER_LABEL = 'Shared Workspace';
/**
 * How every member keeps the shared folder: both ways, the watcher reporting changes after 1 s,
 * and the last 5 versions of a changed file kept (Syncthing's simple versioning).
 */
export const SHARED_FOLDER_SETTINGS = {
  type: 'sendreceive',
  fsWatcherEnabled: true,
  fsWatcherDelayS: 1,
  versioning: { type: 'simple', params: { keep: '5' } },
} as const;
/** Where the shared folder lands on Windows unless `MESH_SHARED_FOLDER_WINDOWS` says otherwise. */
export const DEFAULT_SHARED_FOLDER_WINDOWS = 'C:\\shared';
/** The Headscale user every Mesh node belongs to. */
export const MESH_USER = 'mesh';

/** The default `.stignore`, created only when missing (a user's own is never replaced). */
export const DEFAULT_STIGNORE = `// Git lock files
.git/index.lock
.git/*.lock
// Editor temp files
*.swp
*.swo
*~
.*.swp
// Python cache
__pycache__
*.pyc
.pytest_cache
// Node modules (if any)
node_modules
// OS files
.DS_Store
Thumbs.db
// Versions mesh conflicts resolve set aside (they stay on this machine)
.mesh-resolved
`;
