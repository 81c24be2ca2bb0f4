/**
 * Streams a multipart upload to disk with busboy (never held in memory), computing size and md5, with the
 * size limit enforced while streaming. Temporary files are removed on any failure.
 */
import Busboy from 'busboy';
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream, openSync, rmSync } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { ApiError, badParam, type Ctx } from './http';

export interface UploadedPart {
  field: string;
  filename: string;
  tmpPath: string;
  bytes: number;
  md5: string;
  tooLarge: boolean;
}

export interface ParsedUpload {
  fields: Record<string, string[]>;
  files: UploadedPart[];
}

export const tooLargeError = (limit: number) =>
  new ApiError(400, 'FileTooLarge', `The file exceeds the maximum size of ${limit} bytes (1 GB for a fine-tune .zip uploaded via the API).`, 'file');

/** Parses a multipart/form-data request, storing every file part under tmpDir. */
export async function parseUpload(ctx: Ctx, tmpDir: string, maxBytes: number): Promise<ParsedUpload> {
  const type = String(ctx.req.headers['content-type'] ?? '');
  if (!/^multipart\/form-data/i.test(type)) throw badParam(`Content-Type must be multipart/form-data, got "${type || '(none)'}".`);
  const declared = Number(ctx.req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes + 1024 * 1024) throw tooLargeError(maxBytes);
  const result: ParsedUpload = { fields: {}, files: [] };
  const writes: Promise<void>[] = [];
  const sources: NodeJS.ReadableStream[] = [];
  let bb: Busboy.Busboy;
  try {
    bb = Busboy({ headers: ctx.req.headers, limits: { fileSize: maxBytes, files: 50, fields: 100, fieldSize: 64 * 1024 } });
  } catch (e) {
    throw badParam(`The multipart body cannot be parsed: ${(e as Error).message}`);
  }
  bb.on('field', (name, value) => {
    (result.fields[name] ??= []).push(value);
  });
  let finished = false;
  bb.on('file', (field, stream, info) => {
    if (finished) {
      stream.resume(); // the upload already failed: drop late parts without touching the disk
      return;
    }
    const part: UploadedPart = { field, filename: info.filename ?? '', tmpPath: path.join(tmpDir, `up-${randomBytes(8).toString('hex')}`), bytes: 0, md5: '', tooLarge: false };
    result.files.push(part);
    sources.push(stream);
    const hash = createHash('md5');
    stream.on('limit', () => {
      part.tooLarge = true;
    });
    const meter = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        part.bytes += chunk.length;
        hash.update(chunk);
        cb(null, chunk);
      },
    });
    // Opened now (not lazily) so removing it later cannot race with a pending open that would recreate it.
    const written = pipeline(stream, meter, createWriteStream(part.tmpPath, { fd: openSync(part.tmpPath, 'w') })).then(() => {
      part.md5 = hash.digest('hex');
    });
    written.catch(() => undefined); // awaited below; this only keeps an early failure from being "unhandled"
    writes.push(written);
  });
  try {
    await new Promise<void>((resolve, reject) => {
      bb.on('close', resolve);
      bb.on('error', reject);
      ctx.req.on('close', () => {
        if (!ctx.req.complete) reject(new Error('the client closed the connection before the upload ended'));
      });
      ctx.req.on('error', reject);
      ctx.req.pipe(bb);
    });
    await Promise.all(writes);
  } catch (e) {
    // Stop the file streams and let their writers close before removing what they wrote.
    finished = true;
    ctx.req.unpipe(bb);
    for (const s of sources) (s as unknown as { destroy(err?: Error): void }).destroy(new Error('upload aborted'));
    await Promise.allSettled(writes);
    discard(result);
    if (e instanceof ApiError) throw e;
    throw badParam(`The multipart body is malformed or truncated: ${(e as Error).message}`);
  }
  return result;
}

/** Removes the temporary files of an upload. */
export function discard(upload: ParsedUpload, keep: Set<string> = new Set()): void {
  for (const f of upload.files) if (!keep.has(f.tmpPath)) rmSync(f.tmpPath, { force: true });
}
