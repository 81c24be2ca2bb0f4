import { promises as fs } from 'node:fs';
import { createWriteStream } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { ZipFile } from 'yazl';

/** Where the tiny real media live (shared with the emulator). */
export const MEDIA_DIR = path.join(__dirname, '../../assets/media');

/** Options of generateSampleDataset. */
export interface SampleDatasetOptions {
  /** Output directory (created if missing). */
  dir: string;
  mode: 'i2v' | 'kf2v';
  kind: 'training' | 'validation';
  /** Number of samples (lines of data.jsonl), default 12. */
  samples?: number;
}

/** A generated dataset zip. */
export interface SampleDataset {
  path: string;
  samples: number;
}

/** Videos used, all ≤ 5 s and ≥ 2 s, so valid for every base model. */
const VIDEOS = ['clip-2s.mp4', 'clip-3s.mp4', 'clip-5s.mp4', 'clip-3s.mov'] as const;
const IMAGES = ['frame.jpg', 'frame.png', 'frame.webp', 'frame.bmp'] as const;

const SUBJECTS = [
  'a paper boat',
  'a red kite',
  'a green lantern',
  'a wooden toy train',
  'a small white cat',
  'a glass marble',
  'an origami crane',
  'a brass compass',
];
const MOTIONS = [
  'drifts slowly from left to right',
  'rises gently while the camera holds still',
  'spins once and settles',
  'slides across the frame as the light shifts',
  'sways softly in a light breeze',
];
const STYLES = ['in soft morning light', 'against a pastel backdrop', 'in a flat-colour animation style'];

/** A deterministic, readable prompt for sample `i`. */
function promptFor(i: number, mode: 'i2v' | 'kf2v'): string {
  const subject = SUBJECTS[i % SUBJECTS.length];
  const motion = MOTIONS[i % MOTIONS.length];
  const style = STYLES[i % STYLES.length];
  const ending = mode === 'kf2v' ? ', ending on the same composition as the last frame' : '';
  return `wanflow-style: ${subject} ${motion} ${style}${ending}.`;
}

/**
 * Local-time constructor on purpose: yazl writes DOS timestamps in local time, so this makes the bytes
 * identical in every time zone (with forceDosTimestamp, no UTC extra field is written).
 */
const FIXED_MTIME = new Date(2026, 0, 1, 0, 0, 0);
const ENTRY = { mtime: FIXED_MTIME, mode: 0o100644, forceDosTimestamp: true } as const;

const pad = (i: number): string => String(i + 1).padStart(3, '0');
const extOf = (f: string): string => path.extname(f);

/**
 * Writes a small valid dataset zip built from the real media in assets/media, and returns its path.
 * The output is byte-identical for the same arguments (fixed order, timestamps and modes), so its sha256
 * can key an idempotent upload. i2v uses the flat layout of the docs; kf2v uses image/ and video/ folders.
 */
export async function generateSampleDataset(options: SampleDatasetOptions): Promise<SampleDataset> {
  const samples = options.samples ?? 12;
  if (!Number.isInteger(samples) || samples < 1 || samples > 10_000) {
    throw new RangeError(`samples must be an integer between 1 and 10000, got ${samples}`);
  }
  const media = new Map<string, Buffer>();
  for (const f of [...VIDEOS, ...IMAGES]) media.set(f, await fs.readFile(path.join(MEDIA_DIR, f)));
  const get = (f: string): Buffer => media.get(f) as Buffer;

  const zip = new ZipFile();
  const lines: string[] = [];
  for (let i = 0; i < samples; i++) {
    const video = VIDEOS[i % VIDEOS.length];
    const first = IMAGES[i % IMAGES.length];
    const last = IMAGES[(i + 1) % IMAGES.length];
    const line: Record<string, string> = { prompt: promptFor(i, options.mode) };
    if (options.mode === 'i2v') {
      line.first_frame_path = `image_${pad(i)}${extOf(first)}`;
      zip.addBuffer(get(first), line.first_frame_path, { ...ENTRY, compress: false });
      if (options.kind === 'training') {
        line.video_path = `video_${pad(i)}${extOf(video)}`;
        zip.addBuffer(get(video), line.video_path, { ...ENTRY, compress: false });
      }
    } else {
      line.first_frame_path = `image/first_frame_${pad(i)}${extOf(first)}`;
      line.last_frame_path = `image/last_frame_${pad(i)}${extOf(last)}`;
      zip.addBuffer(get(first), line.first_frame_path, { ...ENTRY, compress: false });
      zip.addBuffer(get(last), line.last_frame_path, { ...ENTRY, compress: false });
      if (options.kind === 'training') {
        line.video_path = `video/video_${pad(i)}${extOf(video)}`;
        zip.addBuffer(get(video), line.video_path, { ...ENTRY, compress: false });
      }
    }
    lines.push(JSON.stringify(line));
  }
  zip.addBuffer(Buffer.from(lines.join('\n') + '\n', 'utf8'), 'data.jsonl', { ...ENTRY, compress: true });
  zip.end();

  await fs.mkdir(options.dir, { recursive: true });
  const out = path.join(options.dir, `sample-${options.mode}-${options.kind}-${samples}.zip`);
  const tmp = `${out}.${process.pid}.${Date.now()}.tmp`;
  try {
    await pipeline(zip.outputStream, createWriteStream(tmp));
    await fs.rename(tmp, out);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
  return { path: path.resolve(out), samples };
}
