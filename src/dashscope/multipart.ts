/**
 * A streaming multipart/form-data body: preamble + the file read from disk + epilogue, with an exact
 * Content-Length computed up front, so a 1 GB zip is sent with constant memory and no chunked encoding.
 */
import { open, stat } from 'node:fs/promises';
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

/** Read size for the file. */
const READ_CHUNK = 1024 * 1024;
/**
 * Buffers read into in rotation. undici pulls chunk n+1 only after chunk n was written and, when the socket
 * reported backpressure, drained; a socket that accepted chunk n+1 without backpressure holds under 16 KiB, so
 * chunk n has left it by then. A buffer is refilled (read-ahead included) only after POOL-1-READ_AHEAD later
 * chunks were pulled, a wide margin over that one-chunk bound. Reuse keeps the memory of a 1 GB upload at POOL × READ_CHUNK instead of letting
 * garbage chunks pile up until the next GC.
 */
const POOL = 8;

/** How many reads run ahead of the chunk being sent, so the disk and the socket work at the same time. */
const READ_AHEAD = 2;

/** Yields the file's bytes in chunks read into a small rotating set of buffers, reading ahead. */
async function* readFileChunks(path: string, expectedSize: number): AsyncGenerator<Uint8Array, void, undefined> {
  const handle = await open(path, 'r');
  const pending: Array<Promise<Uint8Array>> = [];
  try {
    const chunks = Math.ceil(expectedSize / READ_CHUNK);
    // Small files get small buffers: many concurrent uploads of small datasets must not cost 8 MiB each.
    const pool = Array.from({ length: Math.min(POOL, Math.max(1, chunks)) }, () => Buffer.allocUnsafe(Math.min(READ_CHUNK, Math.max(1, expectedSize))));
    let next = 0; // index of the next chunk to start reading
    const startRead = () => {
      const i = next++;
      const buf = pool[i % pool.length]!;
      const position = i * READ_CHUNK;
      const length = Math.min(READ_CHUNK, expectedSize - position);
      pending.push(
        handle.read(buf, 0, length, position).then(({ bytesRead }) => {
          if (bytesRead !== length) throw new Error(`${path} changed while uploading (read ${bytesRead} of ${length} bytes at ${position})`);
          return buf.subarray(0, length);
        }),
      );
    };
    while (next < chunks && pending.length <= READ_AHEAD) startRead();
    while (pending.length > 0) {
      const chunk = await pending.shift()!;
      if (next < chunks) startRead();
      yield chunk;
    }
  } finally {
    await Promise.allSettled(pending);
    await handle.close();
  }
}

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
 * streamed file part. The file is stat'ed now and exactly that many bytes are sent; a file that shrinks
 * meanwhile fails the upload instead of sending a short body.
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
        for await (const chunk of readFileChunks(file.path, size)) {
          yield chunk;
          onChunk?.(chunk.length);
        }
        yield epilogue;
        onChunk?.(epilogue.length);
      })();
    },
  };
}
