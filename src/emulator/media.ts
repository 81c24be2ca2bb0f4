/**
 * OSS-like signed media URLs served by the emulator itself (`/oss/<bucket>/<key>?Expires=&Signature=`):
 * real small MP4 and JPEG bytes from assets/media, refused with 403 AccessDenied once Expires (emulated
 * unix seconds) has passed, as OSS does.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HOUR } from './clock';

export const URL_TTL_MS = 24 * HOUR;
export const OSS_BUCKET = 'finetune-swap-emulator';

function mediaDir(): string {
  const candidates = [path.join(__dirname, '../../assets/media'), path.join(__dirname, '../../../assets/media')];
  const found = candidates.find((c) => existsSync(path.join(c, 'clip-2s.mp4')));
  if (!found) throw new Error(`assets/media not found (looked in ${candidates.join(', ')})`);
  return found;
}

/** The media file served for a key, by its extension and kind. */
const ASSETS: Record<string, { file: string; type: string }> = {
  mp4: { file: 'clip-5s.mp4', type: 'video/mp4' },
  jpeg: { file: 'frame.jpg', type: 'image/jpeg' },
};

export class MediaSigner {
  private readonly dir = mediaDir();
  private readonly cache = new Map<string, Buffer>();

  constructor(private readonly secret: string, private readonly now: () => number) {}

  private sign(key: string, expires: number): string {
    return createHmac('sha256', this.secret).update(`${key}\n${expires}`).digest('base64url').slice(0, 27);
  }

  /** A signed URL for `key` (e.g. `previews/ft-…/checkpoint-40/0.mp4`), valid 24 emulated hours from now. */
  url(origin: string, key: string): string {
    const expires = Math.floor((this.now() + URL_TTL_MS) / 1000);
    return `${origin}/oss/${OSS_BUCKET}/${key}?Expires=${expires}&OSSAccessKeyId=emulator&Signature=${encodeURIComponent(this.sign(key, expires))}`;
  }

  /** Serves GET/HEAD /oss/…; returns the HTTP status sent. */
  serve(req: IncomingMessage, res: ServerResponse): number {
    const url = new URL(`http://emulator.invalid${req.url ?? '/'}`);
    const prefix = `/oss/${OSS_BUCKET}/`;
    let key: string;
    try {
      key = decodeURIComponent(url.pathname.slice(prefix.length));
    } catch {
      return ossError(res, 400, 'InvalidObjectName', 'The specified object name is not valid.');
    }
    const expires = Number(url.searchParams.get('Expires'));
    const sig = url.searchParams.get('Signature') ?? '';
    if (req.method !== 'GET' && req.method !== 'HEAD') return ossError(res, 405, 'MethodNotAllowed', 'The specified method is not allowed against this resource.');
    if (!url.pathname.startsWith(prefix) || !Number.isInteger(expires) || !sig) return ossError(res, 403, 'AccessDenied', 'AccessDenied: missing Expires or Signature.');
    const expected = Buffer.from(this.sign(key, expires));
    const got = Buffer.from(sig);
    if (expected.length !== got.length || !timingSafeEqual(expected, got)) return ossError(res, 403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided.');
    if (this.now() > expires * 1000) return ossError(res, 403, 'AccessDenied', 'Request has expired.');
    const asset = ASSETS[key.split('.').pop() ?? ''];
    if (!asset) return ossError(res, 404, 'NoSuchKey', 'The specified key does not exist.');
    let bytes = this.cache.get(asset.file);
    if (!bytes) {
      bytes = readFileSync(path.join(this.dir, asset.file));
      this.cache.set(asset.file, bytes);
    }
    res.writeHead(200, { 'content-type': asset.type, 'content-length': bytes.length, 'x-oss-request-id': 'emulator' });
    res.end(req.method === 'HEAD' ? undefined : bytes);
    return 200;
  }
}

function ossError(res: ServerResponse, status: number, code: string, message: string): number {
  const xml = `<?xml version="1.0" encoding="UTF-8"?>\n<Error>\n  <Code>${code}</Code>\n  <Message>${message}</Message>\n  <RequestId>emulator</RequestId>\n  <HostId>${OSS_BUCKET}.oss-emulator</HostId>\n</Error>\n`;
  res.writeHead(status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(xml) });
  res.end(xml);
  return status;
}
