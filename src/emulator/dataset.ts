/**
 * The service's "data process" step: opens a dataset zip, reads data.jsonl at its root and checks every sample
 * the way the reference describes (fields per mode, referenced files present, formats, names, ≥10 samples,
 * video length per model). Problems are collected, not thrown: a broken dataset fails the job later, in the job.
 */
import yauzl from 'yauzl';
import type { Readable } from 'node:stream';
import { movieSeconds } from './mp4';
import type { DatasetFacts } from './types';
import type { EmuModel } from './models';

const IMAGE_EXT = /\.(bmp|jpe?g|png|webp)$/i;
const VIDEO_EXT = /\.(mp4|mov)$/i;
const NAME_RULE = /^[A-Za-z0-9_\-./]+$/;
const MAX_JSONL_BYTES = 20 * 1024 * 1024;
const MAX_PROBLEMS = 20;
export const MIN_SAMPLES = 10;

function openZip(file: string): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) =>
    yauzl.open(file, { lazyEntries: true, autoClose: false, strictFileNames: false }, (err, zf) => (err || !zf ? reject(err ?? new Error('no zip')) : resolve(zf))),
  );
}

function listEntries(zf: yauzl.ZipFile): Promise<Map<string, yauzl.Entry>> {
  return new Promise((resolve, reject) => {
    const entries = new Map<string, yauzl.Entry>();
    zf.on('entry', (e: yauzl.Entry) => {
      entries.set(e.fileName, e);
      zf.readEntry();
    });
    zf.on('end', () => resolve(entries));
    zf.on('error', reject);
    zf.readEntry();
  });
}

function openEntry(zf: yauzl.ZipFile, entry: yauzl.Entry): Promise<Readable> {
  return new Promise((resolve, reject) => zf.openReadStream(entry, (err, s) => (err || !s ? reject(err ?? new Error('no stream')) : resolve(s))));
}

async function readAll(stream: Readable, limit: number): Promise<Buffer | null> {
  const parts: Buffer[] = [];
  let n = 0;
  for await (const c of stream) {
    n += (c as Buffer).length;
    if (n > limit) {
      stream.destroy();
      return null;
    }
    parts.push(c as Buffer);
  }
  return Buffer.concat(parts);
}

/** The first `n` bytes of a stream (fewer if it is shorter); the rest is not read. */
async function readHead(stream: Readable, n: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let got = 0;
  for await (const c of stream) {
    parts.push(c as Buffer);
    got += (c as Buffer).length;
    if (got >= n) break;
  }
  stream.destroy();
  return Buffer.concat(parts).subarray(0, n);
}

/** Whether the bytes start like a BMP, JPEG, PNG or WEBP file. */
function isImage(b: Buffer): boolean {
  return (
    (b.length > 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) ||
    (b.length > 8 && b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) ||
    (b.length > 2 && b.toString('latin1', 0, 2) === 'BM') ||
    (b.length > 12 && b.toString('latin1', 0, 4) === 'RIFF' && b.toString('latin1', 8, 12) === 'WEBP')
  );
}

/** Inspects one dataset zip for `model` as a training or validation set. */
export async function processDataset(zipPath: string, model: EmuModel, kind: 'training' | 'validation', label: string): Promise<DatasetFacts> {
  const facts: DatasetFacts = { ok: false, problems: [], samples: 0, prompts: [], videoSeconds: [] };
  const problem = (m: string) => {
    if (facts.problems.length < MAX_PROBLEMS) facts.problems.push(`${label}: ${m}`);
  };
  let zf: yauzl.ZipFile;
  try {
    zf = await openZip(zipPath);
  } catch (e) {
    problem(`the file is not a readable zip archive (${(e as Error).message})`);
    return facts;
  }
  try {
    const entries = await listEntries(zf);
    const jsonl = entries.get('data.jsonl');
    if (!jsonl) {
      const nested = [...entries.keys()].find((n) => n.endsWith('/data.jsonl'));
      problem(nested ? `data.jsonl must be at the zip root, found it at ${nested}` : 'data.jsonl is missing at the zip root');
      return facts;
    }
    const raw = await readAll(await openEntry(zf, jsonl), MAX_JSONL_BYTES);
    if (!raw) {
      problem('data.jsonl is larger than 20 MB');
      return facts;
    }
    const lines = raw.toString('utf8').split(/\r?\n/);
    const required = ['prompt', 'first_frame_path', ...(model.mode === 'kf2v' ? ['last_frame_path'] : []), ...(kind === 'training' ? ['video_path'] : [])];
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i].trim();
      if (!line) continue;
      const lineNo = i + 1;
      let obj: unknown;
      try {
        obj = JSON.parse(line);
      } catch {
        problem(`data.jsonl line ${lineNo} is not valid JSON`);
        continue;
      }
      if (!obj || typeof obj !== 'object' || Array.isArray(obj)) {
        problem(`data.jsonl line ${lineNo} must be a JSON object`);
        continue;
      }
      const rec = obj as Record<string, unknown>;
      let lineOk = true;
      for (const field of required) {
        if (typeof rec[field] !== 'string' || (rec[field] as string).trim() === '') {
          problem(`data.jsonl line ${lineNo}: field ${field} is required and must be a non-empty string`);
          lineOk = false;
        }
      }
      if (!lineOk) continue;
      for (const field of required.filter((f) => f.endsWith('_path'))) {
        const ref = (rec[field] as string).replace(/^\.\//, '');
        const isVideo = field === 'video_path';
        if (!NAME_RULE.test(ref)) {
          problem(`data.jsonl line ${lineNo}: ${field} "${ref}" may contain only English letters, digits, _ and -`);
          lineOk = false;
          continue;
        }
        if (!(isVideo ? VIDEO_EXT : IMAGE_EXT).test(ref)) {
          problem(`data.jsonl line ${lineNo}: ${field} "${ref}" must be ${isVideo ? 'an MP4 or MOV video' : 'a BMP, JPEG, PNG or WEBP image'}`);
          lineOk = false;
          continue;
        }
        const entry = entries.get(ref);
        if (!entry) {
          problem(`data.jsonl line ${lineNo}: ${field} "${ref}" is not in the zip`);
          lineOk = false;
          continue;
        }
        if (!isVideo) {
          const head = await readHead(await openEntry(zf, entry), 16).catch(() => null);
          if (!head || !isImage(head)) {
            problem(`data.jsonl line ${lineNo}: ${field} "${ref}" is not a readable BMP, JPEG, PNG or WEBP image`);
            lineOk = false;
          }
        }
        if (isVideo) {
          const seconds = await movieSeconds(await openEntry(zf, entry)).catch(() => null);
          if (seconds === null) {
            problem(`data.jsonl line ${lineNo}: video_path "${ref}" is not a readable MP4/MOV file`);
            lineOk = false;
          } else if (seconds > model.videoSeconds[1] + 0.05 || seconds < model.videoSeconds[0] - 0.05) {
            problem(`data.jsonl line ${lineNo}: video_path "${ref}" lasts ${seconds.toFixed(2)} s; ${model.id} accepts ${model.videoSeconds[0]}–${model.videoSeconds[1]} s`);
            lineOk = false;
          } else {
            facts.videoSeconds.push(seconds);
          }
        }
      }
      if (lineOk) {
        facts.samples++;
        facts.prompts.push(rec.prompt as string);
      }
    }
    const minimum = kind === 'training' ? MIN_SAMPLES : 1;
    if (facts.problems.length === 0 && facts.samples < minimum) problem(`the dataset has ${facts.samples} valid samples; at least ${minimum} are required`);
    facts.ok = facts.problems.length === 0;
    return facts;
  } catch (e) {
    problem(`the zip archive could not be read (${(e as Error).message})`);
    return facts;
  } finally {
    zf.close();
  }
}
