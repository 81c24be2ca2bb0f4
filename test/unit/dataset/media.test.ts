import { detectFormat, type ImageFormat } from '../../../src/dataset/media/format';
import { readImageDimensions } from '../../../src/dataset/media/image';
import { MAX_MOOV_BYTES, readVideoInfo } from '../../../src/dataset/media/isobmff';
import { MediaFormatError, bufferSource } from '../../../src/dataset/media/reader';
import { media } from './fixtures';

describe('detectFormat', () => {
  it.each([
    ['frame.jpg', 'jpeg'],
    ['frame.png', 'png'],
    ['frame.webp', 'webp'],
    ['frame.bmp', 'bmp'],
    ['clip-2s.mp4', 'mp4'],
    ['clip-3s.mov', 'mov'],
  ])('recognises %s as %s by its first bytes', (file, format) => {
    expect(detectFormat(media(file).subarray(0, 16))).toBe(format);
  });
  it('recognises nothing in text or a GIF', () => {
    expect(detectFormat(Buffer.from('{"prompt": "not an image"}'))).toBeUndefined();
    expect(detectFormat(Buffer.from('GIF89a\x40\x00\x40\x00\x00\x00\x00\x00', 'latin1'))).toBeUndefined();
  });
});

describe('readImageDimensions', () => {
  it.each([
    ['frame.jpg', 'jpeg'],
    ['frame.png', 'png'],
    ['frame.webp', 'webp'],
    ['frame.bmp', 'bmp'],
  ] as const)('reads 64×64 from the real %s', async (file, format) => {
    expect(await readImageDimensions(bufferSource(media(file)), format as ImageFormat)).toEqual({ width: 64, height: 64 });
  });

  it('finds a JPEG frame header behind a large APP1 segment', async () => {
    const jpg = media('frame.jpg');
    const app1 = Buffer.alloc(4 + 60_000);
    app1.writeUInt16BE(0xffe1, 0);
    app1.writeUInt16BE(60_002, 2);
    const big = Buffer.concat([jpg.subarray(0, 2), app1, jpg.subarray(2)]);
    expect(await readImageDimensions(bufferSource(big), 'jpeg')).toEqual({ width: 64, height: 64 });
  });

  it('reads WEBP VP8L and VP8X headers', async () => {
    const vp8l = Buffer.alloc(30);
    vp8l.write('RIFF', 0, 'latin1');
    vp8l.write('WEBPVP8L', 8, 'latin1');
    vp8l[20] = 0x2f;
    vp8l.writeUInt32LE((4999 & 0x3fff) | ((299 & 0x3fff) << 14), 21);
    expect(await readImageDimensions(bufferSource(vp8l), 'webp')).toEqual({ width: 5000, height: 300 });
    const vp8x = Buffer.alloc(30);
    vp8x.write('RIFF', 0, 'latin1');
    vp8x.write('WEBPVP8X', 8, 'latin1');
    vp8x.writeUIntLE(8191, 24, 3);
    vp8x.writeUIntLE(99, 27, 3);
    expect(await readImageDimensions(bufferSource(vp8x), 'webp')).toEqual({ width: 8192, height: 100 });
  });

  it('reads a top-down BMP (negative height) and an OS/2 core header', async () => {
    const bmp = Buffer.from(media('frame.bmp'));
    bmp.writeInt32LE(-64, 22);
    expect(await readImageDimensions(bufferSource(bmp), 'bmp')).toEqual({ width: 64, height: 64 });
    const core = Buffer.alloc(26);
    core.write('BM', 0, 'latin1');
    core.writeUInt32LE(12, 14);
    core.writeUInt16LE(5000, 18);
    core.writeUInt16LE(10, 20);
    expect(await readImageDimensions(bufferSource(core), 'bmp')).toEqual({ width: 5000, height: 10 });
  });

  it('throws MediaFormatError on a truncated PNG and on a JPEG without a frame header', async () => {
    await expect(readImageDimensions(bufferSource(media('frame.png').subarray(0, 20)), 'png')).rejects.toThrow(MediaFormatError);
    const noSof = Buffer.from([0xff, 0xd8, 0xff, 0xda, 0x00, 0x02]);
    await expect(readImageDimensions(bufferSource(noSof), 'jpeg')).rejects.toThrow(/no frame header/);
  });
});

describe('readVideoInfo', () => {
  it.each([
    ['clip-2s.mp4', 2],
    ['clip-3s.mp4', 3],
    ['clip-5s.mp4', 5],
    ['clip-3s.mov', 3],
    ['clip-12s.mp4', 12],
  ])('reads duration and size of %s (moov after mdat)', async (file, seconds) => {
    const buf = media(file);
    expect(buf.indexOf('mdat')).toBeLessThan(buf.indexOf('moov'));
    expect(await readVideoInfo(bufferSource(buf))).toEqual({ seconds, width: 64, height: 64 });
  });

  it('never reads the mdat payload', async () => {
    const buf = media('clip-12s.mp4');
    const mdatStart = buf.indexOf('mdat') + 4;
    const mdatEnd = buf.indexOf('moov') - 4;
    const reads: [number, number][] = [];
    const source = { size: buf.length, read: async (o: number, l: number) => (reads.push([o, l]), buf.subarray(o, o + l)) };
    await readVideoInfo(source);
    for (const [o, l] of reads) expect(o + l <= mdatStart || o >= mdatEnd).toBe(true);
  });

  it('handles a 64-bit box size', async () => {
    const buf = media('clip-2s.mp4');
    const ftypSize = buf.readUInt32BE(0);
    const large = Buffer.alloc(16);
    large.writeUInt32BE(1, 0);
    large.write('free', 4, 'latin1');
    large.writeBigUInt64BE(16n, 8);
    const withLarge = Buffer.concat([buf.subarray(0, ftypSize), large, buf.subarray(ftypSize)]);
    expect((await readVideoInfo(bufferSource(withLarge))).seconds).toBe(2);
  });

  it('rejects a file cut before its moov, and a box that claims more than the file', async () => {
    const buf = media('clip-2s.mp4');
    await expect(readVideoInfo(bufferSource(buf.subarray(0, buf.indexOf('moov') + 100)))).rejects.toThrow(/beyond the file/);
    await expect(readVideoInfo(bufferSource(buf.subarray(0, buf.indexOf('moov') - 4)))).rejects.toThrow(/no moov box/);
  });

  it('refuses a moov larger than the limit without reading it', async () => {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(MAX_MOOV_BYTES + 9, 0);
    head.write('moov', 4, 'latin1');
    const source = { size: MAX_MOOV_BYTES + 9, read: async (o: number, l: number) => (o === 0 ? head.subarray(0, l) : Buffer.alloc(0)) };
    await expect(readVideoInfo(source)).rejects.toThrow(/too large/);
  });
});
