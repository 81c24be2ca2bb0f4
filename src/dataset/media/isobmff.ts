import type { Dimensions } from './image';
import { MediaFormatError, readExact, type ByteSource } from './reader';

/** What the dataset checks need from an MP4/MOV file. */
export interface VideoInfo extends Dimensions {
  /** Duration in seconds from `moov/mvhd`. */
  seconds: number;
}

/** A `moov` larger than this is not a short clip; refuse rather than buffer it. */
export const MAX_MOOV_BYTES = 64 * 1024 * 1024;
const MAX_TOP_LEVEL_BOXES = 10_000;

interface BoxHeader {
  type: string;
  /** Offset of the box's content (after the header). */
  start: number;
  /** Offset just after the box. */
  end: number;
}

async function readBoxHeader(source: ByteSource, offset: number, limit: number): Promise<BoxHeader> {
  const h = await readExact(source, offset, 8, `box header at byte ${offset}`);
  const type = h.toString('latin1', 4, 8);
  let size = h.readUInt32BE(0);
  let start = offset + 8;
  if (size === 1) {
    const large = await readExact(source, offset + 8, 8, `64-bit size of "${type}"`);
    size = Number(large.readBigUInt64BE(0));
    start += 8;
  } else if (size === 0) {
    size = limit - offset;
  }
  if (size < start - offset || offset + size > limit) {
    throw new MediaFormatError(`box "${type}" at byte ${offset} has size ${size}, beyond the file`);
  }
  return { type, start, end: offset + size };
}

/** Child boxes of a buffer holding a container's content. */
function* children(buf: Buffer): Generator<{ type: string; body: Buffer }> {
  let pos = 0;
  while (pos + 8 <= buf.length) {
    let size = buf.readUInt32BE(pos);
    const type = buf.toString('latin1', pos + 4, pos + 8);
    let header = 8;
    if (size === 1) {
      if (pos + 16 > buf.length) throw new MediaFormatError(`box "${type}" truncated`);
      size = Number(buf.readBigUInt64BE(pos + 8));
      header = 16;
    } else if (size === 0) {
      size = buf.length - pos;
    }
    if (size < header || pos + size > buf.length) throw new MediaFormatError(`box "${type}" has size ${size}, beyond its parent`);
    yield { type, body: buf.subarray(pos + header, pos + size) };
    pos += size;
  }
}

function parseMvhd(body: Buffer): number {
  const version = body[0];
  const need = version === 1 ? 32 : 20;
  if (body.length < need) throw new MediaFormatError('mvhd box truncated');
  const timescale = version === 1 ? body.readUInt32BE(20) : body.readUInt32BE(12);
  const duration = version === 1 ? Number(body.readBigUInt64BE(24)) : body.readUInt32BE(16);
  if (timescale === 0) throw new MediaFormatError('mvhd timescale is 0');
  if (duration === 0 || (version === 0 && duration === 0xffffffff)) {
    throw new MediaFormatError('mvhd gives no duration (fragmented or live file)');
  }
  return duration / timescale;
}

function parseTkhd(body: Buffer): Dimensions {
  const offset = (body[0] === 1 ? 36 : 24) + 52;
  if (body.length < offset + 8) throw new MediaFormatError('tkhd box truncated');
  return { width: body.readUInt32BE(offset) / 65536, height: body.readUInt32BE(offset + 4) / 65536 };
}

/**
 * Duration and size of an MP4/MOV by walking the box tree: top-level boxes are skipped by their sizes
 * (so `mdat` is never read, wherever it sits), then only `moov` is read and parsed for `mvhd` and each `trak/tkhd`.
 */
export async function readVideoInfo(source: ByteSource): Promise<VideoInfo> {
  let offset = 0;
  for (let n = 0; n < MAX_TOP_LEVEL_BOXES && offset < source.size; n++) {
    const box = await readBoxHeader(source, offset, source.size);
    if (box.type === 'moov') {
      const length = box.end - box.start;
      if (length > MAX_MOOV_BYTES) throw new MediaFormatError(`moov box of ${length} bytes is too large`);
      return parseMoov(await readExact(source, box.start, length, 'moov box'));
    }
    offset = box.end;
  }
  throw new MediaFormatError('no moov box (not a complete MP4/MOV file)');
}

function parseMoov(moov: Buffer): VideoInfo {
  let seconds: number | undefined;
  let width = 0;
  let height = 0;
  for (const box of children(moov)) {
    if (box.type === 'mvhd') seconds = parseMvhd(box.body);
    if (box.type === 'trak') {
      for (const inner of children(box.body)) {
        if (inner.type !== 'tkhd') continue;
        const d = parseTkhd(inner.body);
        width = Math.max(width, d.width);
        height = Math.max(height, d.height);
      }
    }
  }
  if (seconds === undefined) throw new MediaFormatError('moov has no mvhd box');
  if (width === 0 || height === 0) throw new MediaFormatError('no video track with a size (tkhd)');
  return { seconds, width: Math.round(width), height: Math.round(height) };
}
