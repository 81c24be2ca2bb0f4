/**
 * A streaming multipart/form-data body: preamble + the file read from disk + epilogue, with an exact
 * Content-Length computed up front, so a 1 GB zip is sent with constant memory and no chunked encoding.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';

/** The file part of a multipart body. */
export interface MultipartFile {
  /** Form field name (`file` for compatible mode, `files` for the native API). */
  field: string;
  /** Path on disk. */
  path: string;
  /** File name sent in Content-Disposition. */
  filename: string;
  /** Content type of the part; defaults from the extension. */
  contentType?: string;
}

/** A body that can be (re)opened as a byte stream, with its exact length. */
export interface StreamingBody {
  contentType: string;
  contentLength: number;
  /** A fresh stream of the whole body each time it is called (retries reopen the file). */
  open(onChunk?: (bytes: number) => void): AsyncIterable<Uint8Array>;
}

/** Read size for the file; large chunks keep syscall and event-loop overhead low on big uploads. */
const READ_CHUNK = 1024 * 1024;

/** Escapes a value for a quoted Content-Disposition parameter, as browsers do (WHATWG HTML form encoding). */
export function quoteDispositionValue(v: string): string {
  return v.replace(/\r/g, '%0D').replace(/\n/g, '%0A').replace(/"/g, '%22');
}

/** Guesses the part content type from the file name. */
export function contentTypeFor(filename: string): string {
  const ext = filename.toLowerCase().split('.').pop();
  if (ext === 'zip') return 'application/zip';
  if (ext === 'jsonl') return 'application/jsonl';
  if (ext === 'json') return 'application/json';
  return 'application/octet-stream';
}

/**
 * Builds a multipart body with text `fields` (sent first, in order; repeated names allowed) and one
 * streamed file part. The file is stat'ed now; if it changes size before sending, undici rejects
 * the body as a length mismatch instead of sending a corrupt request.
 */
export async function multipartFileBody(fields: Array<[string, string]>, file: MultipartFile): Promise<StreamingBody> {
  const size = (await stat(file.path)).size;
  const boundary = `----wanflow${randomBytes(16).toString('hex')}`;
  let head = '';
  for (const [name, value] of fields) {
    head += `--${boundary}\r\nContent-Disposition: form-data; name="${quoteDispositionValue(name)}"\r\n\r\n${value}\r\n`;
  }
  head +=
    `--${boundary}\r\nContent-Disposition: form-data; name="${quoteDispositionValue(file.field)}"; filename="${quoteDispositionValue(file.filename)}"\r\n` +
    `Content-Type: ${file.contentType ?? contentTypeFor(file.filename)}\r\n\r\n`;
  const preamble = Buffer.from(head, 'utf8');
  const epilogue = Buffer.from(`\r\n--${boundary}--\r\n`, 'utf8');
  return {
    contentType: `multipart/form-data; boundary=${boundary}`,
    contentLength: preamble.length + size + epilogue.length,
    open(onChunk) {
      return (async function* () {
        yield preamble;
        onChunk?.(preamble.length);
        const stream = createReadStream(file.path, { highWaterMark: READ_CHUNK });
        try {
          for await (const chunk of stream as AsyncIterable<Buffer>) {
            yield chunk;
            onChunk?.(chunk.length);
          }
        } finally {
          stream.destroy();
        }
        yield epilogue;
        onChunk?.(epilogue.length);
      })();
    },
  };
}
