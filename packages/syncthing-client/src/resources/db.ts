import type { SyncthingCallOptions, Transport } from '../internal/transport.js';
import {
  type BrowseEntry,
  BrowseSchema,
  type Completion,
  CompletionSchema,
  type DbFile,
  DbFileSchema,
  type FilePage,
  FilePageSchema,
  type FolderStatus,
  FolderStatusSchema,
  type Ignores,
  IgnoresSchema,
  type Need,
  NeedSchema,
} from '../schemas/db.js';
import { Resource } from './resource.js';

/** Paging of the file lists (`perpage` defaults to 65536 server-side). */
export interface PageParams {
  /** 1-based page. */
  page?: number;
  perpage?: number;
}

/** `/rest/db/ignores?folder=`: the folder's `.stignore`. */
export class IgnoresResource extends Resource {
  /** `GET /rest/db/ignores`: lines and expanded globs (`[]` when there is no `.stignore`). */
  get(folder: string, options?: SyncthingCallOptions): Promise<Ignores> {
    return this.transport.request({
      method: 'GET',
      path: '/rest/db/ignores',
      query: { folder },
      schema: IgnoresSchema,
      options,
    });
  }

  /** `POST /rest/db/ignores`: writes `.stignore` and answers with the expansion. */
  set(folder: string, lines: string[], options?: SyncthingCallOptions): Promise<Ignores> {
    return this.transport.request({
      method: 'POST',
      path: '/rest/db/ignores',
      query: { folder },
      json: { ignore: lines },
      schema: IgnoresSchema,
      options,
    });
  }
}

/** `/rest/db/*`: the folder database. */
export class DbResource extends Resource {
  /** `.stignore` of a folder. */
  readonly ignores: IgnoresResource;

  constructor(transport: Transport) {
    super(transport);
    this.ignores = new IgnoresResource(transport);
  }

  /** `GET /rest/db/status?folder=`: counts, state, sequence. Expensive on large folders. */
  status(folder: string, options?: SyncthingCallOptions): Promise<FolderStatus> {
    return this.transport.request({
      method: 'GET',
      path: '/rest/db/status',
      query: { folder },
      schema: FolderStatusSchema,
      options,
    });
  }

  /**
   * `GET /rest/db/completion[?folder=&device=]`: how far `device` is with `folder` (aggregated over
   * what is omitted; without `device` it is the local device).
   */
  completion(
    params: { folder?: string; device?: string } = {},
    options?: SyncthingCallOptions,
  ): Promise<Completion> {
    return this.transport.request({
      method: 'GET',
      path: '/rest/db/completion',
      query: { folder: params.folder, device: params.device },
      schema: CompletionSchema,
      options,
    });
  }

  /**
   * `POST /rest/db/scan[?folder=&sub=…&next=]`: rescans one folder (or all). `sub` limits it to
   * paths; `next` delays the next periodic scan by that many seconds.
   */
  scan(
    params: { folder?: string; sub?: string[]; next?: number } = {},
    options?: SyncthingCallOptions,
  ): Promise<void> {
    return this.transport.request({
      method: 'POST',
      path: '/rest/db/scan',
      query: { folder: params.folder, sub: params.sub, next: params.next },
      options,
    });
  }

  /** `GET /rest/db/need?folder=`: files this device still needs (in progress, queued, rest). */
  need(folder: string, params: PageParams = {}, options?: SyncthingCallOptions): Promise<Need> {
    return this.transport.request({
      method: 'GET',
      path: '/rest/db/need',
      query: { folder, page: params.page, perpage: params.perpage },
      schema: NeedSchema,
      options,
    });
  }

  /** `POST /rest/db/prio?folder=&file=`: moves a needed file to the front of the queue. */
  prio(folder: string, file: string, options?: SyncthingCallOptions): Promise<Need> {
    return this.transport.request({
      method: 'POST',
      path: '/rest/db/prio',
      query: { folder, file },
      schema: NeedSchema,
      options,
    });
  }

  /** `GET /rest/db/browse?folder=[&prefix=&levels=&dirsonly=]`: the global tree. Expensive. */
  browse(
    folder: string,
    params: { prefix?: string; levels?: number; dirsOnly?: boolean } = {},
    options?: SyncthingCallOptions,
  ): Promise<BrowseEntry[]> {
    return this.transport.request({
      method: 'GET',
      path: '/rest/db/browse',
      query: {
        folder,
        prefix: params.prefix,
        levels: params.levels,
        dirsonly: params.dirsOnly === undefined ? undefined : String(params.dirsOnly),
      },
      schema: BrowseSchema,
      options,
    });
  }

  /** `GET /rest/db/file?folder=&file=`: local and global record of one file; 404 if unknown. */
  file(folder: string, file: string, options?: SyncthingCallOptions): Promise<DbFile> {
    return this.transport.request({
      method: 'GET',
      path: '/rest/db/file',
      query: { folder, file },
      schema: DbFileSchema,
      options,
    });
  }

  /** `POST /rest/db/override?folder=` (send-only folders): make the local state global. */
  override(folder: string, options?: SyncthingCallOptions): Promise<void> {
    return this.transport.request({
      method: 'POST',
      path: '/rest/db/override',
      query: { folder },
      options,
    });
  }

  /** `POST /rest/db/revert?folder=` (receive-only folders): drop local changes. */
  revert(folder: string, options?: SyncthingCallOptions): Promise<void> {
    return this.transport.request({
      method: 'POST',
      path: '/rest/db/revert',
      query: { folder },
      options,
    });
  }

  /** `GET /rest/db/localchanged?folder=` (receive-only folders): locally changed files. */
  localChanged(
    folder: string,
    params: PageParams = {},
    options?: SyncthingCallOptions,
  ): Promise<FilePage> {
    return this.transport.request({
      method: 'GET',
      path: '/rest/db/localchanged',
      query: { folder, page: params.page, perpage: params.perpage },
      schema: FilePageSchema,
      options,
    });
  }

  /** `GET /rest/db/remoteneed?folder=&device=`: files `device` still needs from us. */
  remoteNeed(
    folder: string,
    device: string,
    params: PageParams = {},
    options?: SyncthingCallOptions,
  ): Promise<FilePage> {
    return this.transport.request({
      method: 'GET',
      path: '/rest/db/remoteneed',
      query: { folder, device, page: params.page, perpage: params.perpage },
      schema: FilePageSchema,
      options,
    });
  }
}
