import type { ImageFormat } from './format';
import { MediaFormatError, readExact, type ByteSource } from './reader';

/** Pixel size of an image or video. */
export interface Dimensions {
  width: number;
  height: number;
}

/** Reads the width and height from an image's header, reading only the bytes needed. */
export async function readImageDimensions(source: ByteSource, format: ImageFormat): Promise<Dimensions> {
  switch (format) {
    case 'png':
      return pngDimensions(source);
    case 'jpeg':
      return jpegDimensions(source);
    case 'webp':
      return webpDimensions(source);
    case 'bmp':
      return bmpDimensions(source);
  }
}

async function pngDimensions(source: ByteSource): Promise<Dimensions> {
  const b = await readExact(source, 0, 24, 'PNG header');
  if (b.toString('latin1', 12, 16) !== 'IHDR') throw new MediaFormatError('PNG without IHDR chunk first');
  return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
}

/** SOF markers that carry the frame size (excluding DHT C4, JPG C8 and DAC CC). */
const isSof = (m: number): boolean => m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc;

async function jpegDimensions(source: ByteSource): Promise<Dimensions> {
  let pos = 2;
  for (let segments = 0; segments < 10_000; segments++) {
    const head = await readExact(source, pos, 4, 'JPEG segment header');
    if (head[0] !== 0xff) throw new MediaFormatError(`JPEG marker expected at byte ${pos}`);
    const marker = head[1];
    if (marker === 0xff) {
      pos += 1; // fill byte
      continue;
    }
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      pos += 2; // markers without a length
      continue;
    }
    if (marker === 0xd9 || marker === 0xda) throw new MediaFormatError('JPEG has no frame header (SOF) before its image data');
    const length = head.readUInt16BE(2);
    if (length < 2) throw new MediaFormatError(`JPEG segment length ${length} at byte ${pos}`);
    if (isSof(marker)) {
      const sof = await readExact(source, pos + 4, 5, 'JPEG frame header');
      return { height: sof.readUInt16BE(1), width: sof.readUInt16BE(3) };
    }
    pos += 2 + length;
  }
  throw new MediaFormatError('JPEG has too many segments before its frame header');
}

async function webpDimensions(source: ByteSource): Promise<Dimensions> {
  const b = await readExact(source, 0, 30, 'WEBP header');
  const chunk = b.toString('latin1', 12, 16);
  if (chunk === 'VP8 ') {
    if (b[23] !== 0x9d || b[24] !== 0x01 || b[25] !== 0x2a) throw new MediaFormatError('WEBP VP8 start code missing');
    return { width: b.readUInt16LE(26) & 0x3fff, height: b.readUInt16LE(28) & 0x3fff };
  }
  if (chunk === 'VP8L') {
    if (b[20] !== 0x2f) throw new MediaFormatError('WEBP VP8L signature missing');
    const bits = b.readUInt32LE(21);
    return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
  }
  if (chunk === 'VP8X') {
    return { width: b.readUIntLE(24, 3) + 1, height: b.readUIntLE(27, 3) + 1 };
  }
  throw new MediaFormatError(`WEBP with unknown first chunk "${chunk}"`);
}

async function bmpDimensions(source: ByteSource): Promise<Dimensions> {
  const b = await readExact(source, 0, 18, 'BMP header');
  const dib = b.readUInt32LE(14);
  if (dib === 12) {
    const c = await readExact(source, 18, 4, 'BMP core header');
    return { width: c.readUInt16LE(0), height: c.readUInt16LE(2) };
  }
  if (dib < 40) throw new MediaFormatError(`BMP with unknown header size ${dib}`);
  const c = await readExact(source, 18, 8, 'BMP info header');
  return { width: Math.abs(c.readInt32LE(0)), height: Math.abs(c.readInt32LE(4)) };
}
