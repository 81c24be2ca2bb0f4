import { promises as fs, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ZipFile } from 'yazl';

/** The tiny real media shipped in assets/media. */
export const MEDIA = path.join(__dirname, '../../../assets/media');
export const media = (name: string): Buffer => readFileSync(path.join(MEDIA, name));

/** One file to put in a test zip. */
export interface ZipItem {
  name: string;
  data: Buffer | string;
  compress?: boolean;
}

/** Builds a zip in memory with yazl. */
export async function buildZip(items: ZipItem[]): Promise<Buffer> {
  const zip = new ZipFile();
  for (const item of items) {
    const data = typeof item.data === 'string' ? Buffer.from(item.data, 'utf8') : item.data;
    zip.addBuffer(data, item.name, { compress: item.compress ?? false, mtime: new Date(2026, 0, 1) });
  }
  zip.end();
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Replaces every occurrence of `from` by `to` (same length) in a buffer: used to forge names yazl refuses. */
export function replaceBytes(buf: Buffer, from: string, to: string): Buffer {
  if (from.length !== to.length) throw new Error('replaceBytes needs equal lengths');
  const out = Buffer.from(buf);
  const needle = Buffer.from(from, 'latin1');
  let count = 0;
  for (let i = out.indexOf(needle); i !== -1; i = out.indexOf(needle, i + 1)) {
    Buffer.from(to, 'latin1').copy(out, i);
    count++;
  }
  if (count === 0) throw new Error(`"${from}" not found`);
  return out;
}

/** Sets the central-directory size fields of entry `name` (what yauzl trusts). */
export function forgeCentralSizes(buf: Buffer, name: string, sizes: { compressed?: number; uncompressed?: number }): Buffer {
  const out = Buffer.from(buf);
  for (let i = out.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02])); i !== -1; i = out.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]), i + 4)) {
    const nameLength = out.readUInt16LE(i + 28);
    if (out.toString('latin1', i + 46, i + 46 + nameLength) !== name) continue;
    if (sizes.compressed !== undefined) out.writeUInt32LE(sizes.compressed, i + 20);
    if (sizes.uncompressed !== undefined) out.writeUInt32LE(sizes.uncompressed, i + 24);
    return out;
  }
  throw new Error(`no central directory entry "${name}"`);
}

/** A fresh temporary directory. */
export const tempDir = (): Promise<string> => fs.mkdtemp(path.join(os.tmpdir(), 'wanflow-dataset-'));

/** Writes `buf` as `name` in `dir` and returns the path. */
export async function writeZip(dir: string, name: string, buf: Buffer): Promise<string> {
  const p = path.join(dir, name);
  await fs.writeFile(p, buf);
  return p;
}

/** data.jsonl text from line objects. */
export const jsonl = (lines: unknown[]): string => lines.map((l) => JSON.stringify(l)).join('\n') + '\n';

/** A valid flat i2v training set of `n` samples, as items (so tests can alter it). */
export function i2vItems(n: number, video = 'clip-2s.mp4'): ZipItem[] {
  const items: ZipItem[] = [];
  const lines: unknown[] = [];
  for (let i = 1; i <= n; i++) {
    lines.push({ prompt: `a test clip number ${i}`, first_frame_path: `image_${i}.png`, video_path: `video_${i}.mp4` });
    items.push({ name: `image_${i}.png`, data: media('frame.png') }, { name: `video_${i}.mp4`, data: media(video) });
  }
  return [{ name: 'data.jsonl', data: jsonl(lines), compress: true }, ...items];
}

/** Patches the `mvhd` duration of an MP4 to `seconds` (version 0 box). */
export function withDuration(mp4: Buffer, seconds: number): Buffer {
  const out = Buffer.from(mp4);
  const at = out.indexOf('mvhd') + 4;
  const timescale = out.readUInt32BE(at + 12);
  out.writeUInt32BE(Math.round(seconds * timescale), at + 16);
  return out;
}

/** Patches a PNG's IHDR width. */
export function pngWithWidth(png: Buffer, width: number): Buffer {
  const out = Buffer.from(png);
  out.writeUInt32BE(width, 16);
  return out;
}
