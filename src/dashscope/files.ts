/**
 * Files: the OpenAI-compatible API (`/compatible-mode/v1/files`, ids `file-ft-…`, keeps `purpose`) that the
 * English guide uses, and under `files.native` the native `/api/v1/files` variant (UUID ids) of notes §4.2.
 */
import { basename } from 'node:path';
import { z } from 'zod';
import type { CallOptions, DashScope } from './client';
import { multipartFileBody } from './multipart';
import { PageIterator, nextPageNumber, type PageNumberCursor } from './pagination';
import { path } from './path';
import { APIResource, API_V1, COMPATIBLE_V1 } from './resource';
import {
  FileDeletedSchema,
  FileListSchema,
  FileObjectSchema,
  NativeFileListSchema,
  NativeFileSchema,
  NativeUploadResultSchema,
  nativeDataEnvelope,
  type FileDeleted,
  type FileObject,
  type NativeFile,
  type NativeUploadResult,
} from './schemas';

/** Options of `files.upload`. */
export interface UploadOptions extends CallOptions {
  /** Default `fine-tune`. */
  purpose?: string | undefined;
  /** Name sent to the service; default the file's base name. */
  filename?: string | undefined;
  /** Called as bytes go out (including the small multipart framing): (sentBytes, totalBytes). */
  onProgress?: ((sentBytes: number, totalBytes: number) => void) | undefined;
}

/** Filters of `files.list`. */
export interface FileListParams {
  /** Start after this file id. */
  after?: string | undefined;
  /** Page size, 1–2000 (service default 2000). */
  limit?: number | undefined;
  purpose?: string | undefined;
}

/** OpenAI-compatible Files. */
export class Files extends APIResource {
  /** The native `/api/v1/files` variant. */
  readonly native: NativeFiles;

  constructor(client: DashScope) {
    super(client);
    this.native = new NativeFiles(client);
  }

  /**
   * Uploads a file from disk as multipart (`file`, `purpose`), streamed with constant memory and an exact
   * Content-Length. Not retried on a reset (the upload may have been stored): list files to check.
   */
  async upload(filePath: string, options: UploadOptions = {}): Promise<FileObject> {
    const body = await multipartFileBody([['purpose', options.purpose ?? 'fine-tune']], {
      field: 'file',
      path: filePath,
      filename: options.filename ?? basename(filePath),
    });
    return this.client.request(
      { method: 'POST', path: `${COMPATIBLE_V1}/files`, body, onProgress: options.onProgress },
      FileObjectSchema,
      options,
    );
  }

  /** Iterates over all files, following the `after` cursor while `has_more`. */
  list(params: FileListParams = {}, options: CallOptions = {}): PageIterator<FileObject, string | undefined> {
    return new PageIterator<FileObject, string | undefined>(
      async (after, signal) => {
        const page = await this.client.request(
          { method: 'GET', path: `${COMPATIBLE_V1}/files`, query: { after, limit: params.limit, purpose: params.purpose } },
          FileListSchema,
          { ...options, signal },
        );
        const last = page.data[page.data.length - 1];
        return { items: page.data, next: page.has_more && last ? last.id : null };
      },
      params.after,
      options.signal,
    );
  }

  /** One file's metadata. */
  retrieve(fileId: string, options: CallOptions = {}): Promise<FileObject> {
    return this.client.request({ method: 'GET', path: COMPATIBLE_V1 + path`/files/${fileId}` }, FileObjectSchema, options);
  }

  /** Deletes a file; the service answers `{ id, deleted: true }`. */
  delete(fileId: string, options: CallOptions = {}): Promise<FileDeleted> {
    return this.client.request({ method: 'DELETE', path: COMPATIBLE_V1 + path`/files/${fileId}` }, FileDeletedSchema, options);
  }
}

/** Options of `files.native.upload`. */
export interface NativeUploadOptions extends UploadOptions {
  description?: string | undefined;
}

/** Native `/api/v1/files` (UUID ids, `{ request_id, data }` envelope). */
export class NativeFiles extends APIResource {
  /** Uploads one file (`files`, `purpose`, `descriptions`); the result lists uploaded and failed files. */
  async upload(filePath: string, options: NativeUploadOptions = {}): Promise<NativeUploadResult> {
    const body = await multipartFileBody(
      [
        ['purpose', options.purpose ?? 'fine-tune'],
        ['descriptions', options.description ?? ''],
      ],
      { field: 'files', path: filePath, filename: options.filename ?? basename(filePath) },
    );
    const res = await this.client.request(
      { method: 'POST', path: `${API_V1}/files`, body, onProgress: options.onProgress },
      nativeDataEnvelope(NativeUploadResultSchema),
      options,
    );
    return res.data;
  }

  /** Iterates over all native files by page number. */
  list(params: { page_size?: number } = {}, options: CallOptions = {}): PageIterator<NativeFile, PageNumberCursor> {
    return new PageIterator<NativeFile, PageNumberCursor>(
      async (cursor, signal) => {
        const res = await this.client.request(
          { method: 'GET', path: `${API_V1}/files`, query: { ...cursor } },
          nativeDataEnvelope(NativeFileListSchema),
          { ...options, signal },
        );
        const items = res.data.files ?? [];
        return { items, next: nextPageNumber(cursor, items.length, res.data.total, res.data.page_size) };
      },
      { page_no: 1, page_size: params.page_size ?? 100 },
      options.signal,
    );
  }

  /** One native file's metadata. */
  async retrieve(fileId: string, options: CallOptions = {}): Promise<NativeFile> {
    const res = await this.client.request({ method: 'GET', path: API_V1 + path`/files/${fileId}` }, nativeDataEnvelope(NativeFileSchema), options);
    return res.data;
  }

  /** Deletes a native file. Resolves when the service accepted the deletion. */
  async delete(fileId: string, options: CallOptions = {}): Promise<void> {
    await this.client.request({ method: 'DELETE', path: API_V1 + path`/files/${fileId}` }, z.looseObject({ request_id: z.string().nullish() }), options);
  }
}
