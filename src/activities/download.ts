import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { request } from 'undici';
import { PIPELINE_FAILURE_TYPES } from '../workflows/options';
import { finalFailure } from './errors';

/**
 * Downloads a URL to `dest` atomically (a temporary file renamed into place), skipping it when `dest` already exists,
 * so a retried activity does not download twice and a crash never leaves a half-written artifact.
 * Returns the bytes written (or found).
 */
export async function downloadTo(url: string, dest: string, signal?: AbortSignal): Promise<number> {
  const existing = await stat(dest).catch(() => undefined);
  if (existing?.isFile()) return existing.size;
  await mkdir(dirname(dest), { recursive: true });
  const tmp = `${dest}.part-${process.pid}-${Date.now()}`;
  const res = await request(url, { method: 'GET', signal, headersTimeout: 60_000, bodyTimeout: 120_000 });
  if (res.statusCode !== 200) {
    await res.body.dump();
    const message = `download of ${redactQuery(url)} failed: HTTP ${res.statusCode}`;
    // Signed storage URLs answer 403 once expired (24 h) and 404 when gone: no retry brings them back.
    if (res.statusCode === 403 || res.statusCode === 404 || res.statusCode === 410) {
      throw finalFailure(PIPELINE_FAILURE_TYPES.artifactUnavailable, `${message} (the link expired or the object is gone)`);
    }
    throw new Error(message);
  }
  try {
    await pipeline(res.body, createWriteStream(tmp));
    await rename(tmp, dest);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  return (await stat(dest)).size;
}

/** Signed URLs carry credentials in their query; never log them whole. */
export function redactQuery(url: string): string {
  const i = url.indexOf('?');
  return i < 0 ? url : `${url.slice(0, i)}?…`;
}
