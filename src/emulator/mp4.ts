/**
 * Reads the movie duration from an MP4/MOV byte stream (the `moov/mvhd` box), streaming: media data (`mdat`)
 * is skipped, never buffered. Returns null when the stream is not an ISO-BMFF/QuickTime file.
 */
import type { Readable } from 'node:stream';

const MAX_MOOV_BYTES = 64 * 1024 * 1024;

export async function movieSeconds(stream: Readable): Promise<number | null> {
  let buf: Buffer = Buffer.alloc(0);
  let skip = 0;
  let moovBytes = -1;
  let sawBox = false;
  for await (const chunk of stream) {
    let c = chunk as Buffer;
    if (skip > 0) {
      if (c.length <= skip) {
        skip -= c.length;
        continue;
      }
      c = c.subarray(skip);
      skip = 0;
    }
    buf = buf.length ? Buffer.concat([buf, c]) : c;
    for (;;) {
      if (moovBytes >= 0) {
        if (buf.length < moovBytes) break;
        return mvhdSeconds(buf.subarray(0, moovBytes));
      }
      if (buf.length < 8) break;
      let size = buf.readUInt32BE(0);
      const type = buf.toString('latin1', 4, 8);
      if (!sawBox && !/^[a-z0-9 ]{4}$/i.test(type)) return null;
      sawBox = true;
      let header = 8;
      if (size === 1) {
        if (buf.length < 16) break;
        size = Number(buf.readBigUInt64BE(8));
        header = 16;
      } else if (size === 0) {
        return null; // box to end of file before any moov: no duration available
      }
      if (size < header) return null;
      if (type === 'moov') {
        if (size > MAX_MOOV_BYTES) return null;
        moovBytes = size - header;
        buf = buf.subarray(header);
        continue;
      }
      if (buf.length >= size) {
        buf = buf.subarray(size);
        continue;
      }
      skip = size - buf.length;
      buf = Buffer.alloc(0);
      break;
    }
  }
  return null;
}

/** Finds `mvhd` among the children of a `moov` payload and returns duration / timescale. */
function mvhdSeconds(moov: Buffer): number | null {
  let off = 0;
  while (off + 8 <= moov.length) {
    const size = moov.readUInt32BE(off);
    const type = moov.toString('latin1', off + 4, off + 8);
    if (size < 8 || off + size > moov.length) return null;
    if (type === 'mvhd') {
      const body = moov.subarray(off + 8, off + size);
      const version = body[0];
      if (version === 1 && body.length >= 32) {
        const timescale = body.readUInt32BE(20);
        const duration = Number(body.readBigUInt64BE(24));
        return timescale > 0 ? duration / timescale : null;
      }
      if (body.length >= 20) {
        const timescale = body.readUInt32BE(12);
        const duration = body.readUInt32BE(16);
        return timescale > 0 ? duration / timescale : null;
      }
      return null;
    }
    off += size;
  }
  return null;
}
