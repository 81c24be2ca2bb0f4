/** Media formats the dataset accepts, as recognised by their first bytes. */
export type ImageFormat = 'jpeg' | 'png' | 'webp' | 'bmp';
export type VideoFormat = 'mp4' | 'mov';
export type MediaFormat = ImageFormat | VideoFormat;

/** Bytes needed by detectFormat. */
export const SNIFF_BYTES = 16;

const QUICKTIME_TOP_BOXES = new Set(['moov', 'mdat', 'free', 'skip', 'wide', 'pnot']);

/** The format of a file from its first SNIFF_BYTES bytes (magic numbers), or undefined if unrecognised. */
export function detectFormat(head: Buffer): MediaFormat | undefined {
  if (head.length >= 3 && head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return 'jpeg';
  if (head.length >= 8 && head.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'png';
  if (head.length >= 12 && head.toString('latin1', 0, 4) === 'RIFF' && head.toString('latin1', 8, 12) === 'WEBP') return 'webp';
  if (head.length >= 14 && head.toString('latin1', 0, 2) === 'BM') return 'bmp';
  if (head.length >= 12) {
    const type = head.toString('latin1', 4, 8);
    if (type === 'ftyp') return head.toString('latin1', 8, 12) === 'qt  ' ? 'mov' : 'mp4';
    if (QUICKTIME_TOP_BOXES.has(type)) return 'mov';
  }
  return undefined;
}

/** Extensions accepted for each format. */
export const EXTENSIONS: Record<MediaFormat, readonly string[]> = {
  jpeg: ['jpg', 'jpeg'],
  png: ['png'],
  webp: ['webp'],
  bmp: ['bmp'],
  mp4: ['mp4'],
  mov: ['mov'],
};

/** True for image formats. */
export const isImageFormat = (f: MediaFormat): f is ImageFormat => f === 'jpeg' || f === 'png' || f === 'webp' || f === 'bmp';
