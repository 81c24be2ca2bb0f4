/** Random-access reads over some bytes of known size (a zip entry, a buffer in tests). */
export interface ByteSource {
  readonly size: number;
  /** Up to `length` bytes from `offset`; fewer only at the end. */
  read(offset: number, length: number): Promise<Buffer>;
}

/** A ByteSource over a buffer. */
export function bufferSource(buffer: Buffer): ByteSource {
  return {
    size: buffer.length,
    read: async (offset, length) => buffer.subarray(offset, Math.min(buffer.length, offset + length)),
  };
}

/** Thrown by the media parsers when the bytes are not what they claim to be. */
export class MediaFormatError extends Error {
  override readonly name = 'MediaFormatError';
}

/** Reads exactly `length` bytes or throws MediaFormatError naming `what`. */
export async function readExact(source: ByteSource, offset: number, length: number, what: string): Promise<Buffer> {
  const buf = await source.read(offset, length);
  if (buf.length < length) throw new MediaFormatError(`truncated: ${what} ends early`);
  return buf;
}
