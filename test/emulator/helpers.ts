/** Shared helpers for the emulator tests: a temp emulator, dataset zips built with yazl, HTTP helpers. */
import { mkdtempSync, createWriteStream, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import yazl from 'yazl';
import { request } from 'undici';
import { EMULATOR_DEFAULT_API_KEY, startEmulator, type EmulatorOptions, type RunningEmulator } from '../../src/emulator';

export const KEY = EMULATOR_DEFAULT_API_KEY;
export const MEDIA = path.join(__dirname, '../../assets/media');
export const AUTH = { authorization: `Bearer ${KEY}` };

export function tempDir(prefix = 'wanflow-emu-'): string {
  return mkdtempSync(path.join(tmpdir(), prefix));
}

export async function startTestEmulator(opts: Partial<EmulatorOptions> = {}): Promise<RunningEmulator & { dataDir: string }> {
  const dataDir = opts.dataDir ?? tempDir();
  const emu = await startEmulator({ port: 0, timeScale: 1, ...opts, dataDir });
  return { ...emu, dataDir, close: async () => emu.close() };
}

export interface ZipOptions {
  samples?: number;
  mode?: 'i2v' | 'kf2v';
  kind?: 'training' | 'validation';
  video?: string;
  /** Asset used for every frame image (default frame.jpg). */
  frame?: string;
  /** Overrides the data.jsonl text. */
  jsonl?: string;
  /** Leave out these archive paths. */
  omit?: string[];
  /** Put data.jsonl under this folder instead of the root. */
  jsonlDir?: string;
}

/** Builds a dataset zip from assets/media: N samples of frame.jpg + clip-2s.mp4, data.jsonl at the root. */
export async function buildDatasetZip(dir: string, name: string, o: ZipOptions = {}): Promise<string> {
  const samples = o.samples ?? 12;
  const zip = new yazl.ZipFile();
  const frame = readFileSync(path.join(MEDIA, o.frame ?? 'frame.jpg'));
  const video = readFileSync(path.join(MEDIA, o.video ?? 'clip-2s.mp4'));
  const lines: string[] = [];
  const omit = new Set(o.omit ?? []);
  const add = (buf: Buffer, p: string) => {
    if (!omit.has(p)) zip.addBuffer(buf, p);
  };
  for (let i = 1; i <= samples; i++) {
    const rec: Record<string, string> = { prompt: `The video begins with sample ${i}. Then the s86b5p effect begins.`, first_frame_path: `image_${i}.jpg` };
    add(frame, `image_${i}.jpg`);
    if (o.mode === 'kf2v') {
      rec.last_frame_path = `last_${i}.jpg`;
      add(frame, `last_${i}.jpg`);
    }
    if ((o.kind ?? 'training') === 'training') {
      rec.video_path = `video_${i}.mp4`;
      add(video, `video_${i}.mp4`);
    }
    lines.push(JSON.stringify(rec));
  }
  zip.addBuffer(Buffer.from(o.jsonl ?? lines.join('\n') + '\n'), o.jsonlDir ? `${o.jsonlDir}/data.jsonl` : 'data.jsonl');
  zip.end();
  const out = path.join(dir, name);
  await new Promise<void>((resolve, reject) => {
    const ws = createWriteStream(out);
    zip.outputStream.pipe(ws).on('close', resolve).on('error', reject);
  });
  return out;
}

/** Uploads a file through the compatible-mode API with fetch + FormData. */
export async function uploadCompat(url: string, file: string, opts: { purpose?: string; filename?: string; key?: string } = {}) {
  const form = new FormData();
  form.append('file', new Blob([readFileSync(file)]), opts.filename ?? path.basename(file));
  if (opts.purpose !== '') form.append('purpose', opts.purpose ?? 'fine-tune');
  const res = await fetch(`${url}/compatible-mode/v1/files`, { method: 'POST', headers: { authorization: `Bearer ${opts.key ?? KEY}` }, body: form });
  return { status: res.status, body: (await res.json()) as any };
}

/** A JSON request with the default key; returns status, headers and parsed body. */
export async function api(url: string, method: string, p: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await request(`${url}${p}`, {
    method: method as 'GET',
    headers: { ...AUTH, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.body.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: res.statusCode, headers: res.headers, body: json };
}

/** Polls until `check` returns a value (not undefined), failing after timeoutMs. */
export async function waitFor<T>(check: () => Promise<T | undefined>, timeoutMs = 30_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export const quickStart = {
  'wan2.5-i2v-preview': { n_epochs: 400, batch_size: 2, learning_rate: 2e-5, split: 0.9, eval_epochs: 50, max_pixels: 36864, max_split_val_dataset_sample: 5, save_total_limit: 10, lora_rank: 32, lora_alpha: 32 },
};

export function cleanup(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
