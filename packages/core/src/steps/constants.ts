/** The shared folder's ID, as the earlier tool named it (§15). */
export const SHARED_FOLDER_ID = 'opt-shared';
export const SHARED_FOLDER_LABEL = 'Shared Workspace';
/** The Headscale user every Mesh node belongs to. */
export const MESH_USER = 'mesh';

/** The earlier tool's default `.stignore`, created only when missing (§15.2). */
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
