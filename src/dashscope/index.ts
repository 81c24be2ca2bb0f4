/** Public entry of the typed DashScope / Model Studio client. */
export { DashScope, DEFAULT_BASE_URL, DEFAULT_TIMEOUT_MS } from './client';
export type { ClientOptions, CallOptions, RequestSpec } from './client';
export * from './errors';
export * from './schemas';
export { path, InvalidPathParameterError } from './path';
export { PageIterator, type Page, type PageNumberCursor } from './pagination';
export { parseRetryAfterMs } from './retryAfter';
export { Files, NativeFiles, type UploadOptions, type NativeUploadOptions, type FileListParams } from './files';
export { FineTunes, type PageParams } from './fineTunes';
export { Deployments } from './deployments';
export { VideoSynthesis, inferVideoRoute, type VideoSynthesisOptions } from './videoSynthesis';
export { Tasks } from './tasks';
