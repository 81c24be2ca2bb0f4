/** Shared setup of the client-against-emulator tests: an emulator per file, a client, dataset zips, admin calls. */
import { mkdtempSync, readFileSync, rmSync, createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yazl from 'yazl';
import { DashScope } from '../../../src/dashscope';
import { EMULATOR_DEFAULT_API_KEY, startEmulator, type FaultConfig, type RequestLogEntry } from '../../../src/emulator';

const MEDIA = join(__dirname, '../../../assets/media');

export interface ClientEnv {
  ds: DashScope;
  url: string;
  dir: string;
  /** Replaces the emulator's fault settings. */
  setFaults(config: FaultConfig): Promise<void>;
  /** The emulator's request log. */
  requests(): Promise<RequestLogEntry[]>;
  /** A client with other options against the same emulator (closed with the env). */
  client(options?: { apiKey?: string; maxRetries?: number; timeoutMs?: number }): DashScope;
  close(): Promise<void>;
}

/** Starts an emulator in a temp dir (time scale 6000 unless given) and a client for it. */
export async function startClientEnv(timeScale = 6000): Promise<ClientEnv> {
  const dir = mkdtempSync(join(tmpdir(), 'wanflow-client-'));
  const emu = await startEmulator({ port: 0, timeScale, dataDir: join(dir, 'emulator') });
  const clients: DashScope[] = [];
  const client = (o: { apiKey?: string; maxRetries?: number; timeoutMs?: number } = {}) => {
    const c = new DashScope({ apiKey: o.apiKey ?? EMULATOR_DEFAULT_API_KEY, baseUrl: emu.url, maxRetries: o.maxRetries, timeoutMs: o.timeoutMs ?? 20_000 });
    clients.push(c);
    return c;
  };
  const admin = async (method: string, p: string, body?: unknown): Promise<unknown> => {
    const res = await fetch(`${emu.url}/__emulator/${p}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`admin ${method} ${p}: ${res.status} ${await res.text()}`);
    return res.json();
  };
  return {
    ds: client(),
    url: emu.url,
    dir,
    client,
    setFaults: async (config) => void (await admin('POST', 'faults', config)),
    requests: async () => ((await admin('GET', 'requests')) as { requests: RequestLogEntry[] }).requests,
    async close() {
      await Promise.all(clients.map((c) => c.close()));
      await emu.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** POSTs to an admin scenario endpoint. */
export async function scenario(url: string, name: string, body: unknown): Promise<void> {
  const res = await fetch(`${url}/__emulator/scenario/${name}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`scenario ${name}: ${res.status} ${await res.text()}`);
}

/**
 * Writes a valid first-frame i2v dataset zip: `samples` × (frame.jpg, clip-2s.mp4) and data.jsonl
 * `{"prompt","first_frame_path","video_path"}` (validation sets: no video).
 */
export async function buildDatasetZip(dir: string, name: string, { samples = 12, kind = 'training' }: { samples?: number; kind?: 'training' | 'validation' } = {}): Promise<string> {
  const zip = new yazl.ZipFile();
  const frame = readFileSync(join(MEDIA, 'frame.jpg'));
  const clip = readFileSync(join(MEDIA, 'clip-2s.mp4'));
  const lines: string[] = [];
  for (let i = 1; i <= samples; i++) {
    zip.addBuffer(frame, `image_${i}.jpg`);
    const line: Record<string, string> = { prompt: `Sample ${i}: then the s86b5p effect begins.`, first_frame_path: `image_${i}.jpg` };
    if (kind === 'training') {
      zip.addBuffer(clip, `video_${i}.mp4`);
      line.video_path = `video_${i}.mp4`;
    }
    lines.push(JSON.stringify(line));
  }
  zip.addBuffer(Buffer.from(`${lines.join('\n')}\n`), 'data.jsonl');
  zip.end();
  const out = join(dir, name);
  await new Promise<void>((resolve, reject) => {
    zip.outputStream.pipe(createWriteStream(out)).on('close', resolve).on('error', reject);
  });
  return out;
}

/** Calls `probe` until `done` holds for its result (or the deadline passes). */
export async function waitFor<T>(probe: () => Promise<T>, done: (v: T) => boolean, timeoutMs = 30_000, intervalMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (done(v)) return v;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms; last value: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** wan2.2-i2v-flash hyper-parameters that pass the service rules with 12 samples (3 steps/epoch × 267 ≥ 800). */
export const FAST_HYPER = { n_epochs: 267, batch_size: 4, learning_rate: 2e-5, eval_epochs: 89, max_pixels: 262144, save_total_limit: 10 };
export const FAST_MODEL = 'wan2.2-i2v-flash';

/** Uploads a dataset, trains a job to SUCCEEDED and returns its `finetuned_output`. */
export async function trainedModel(env: ClientEnv): Promise<string> {
  const file = await env.ds.files.upload(await buildDatasetZip(env.dir, `train-${Date.now()}.zip`));
  const job = await env.ds.fineTunes.create({ model: FAST_MODEL, training_file_ids: [file.id], training_type: 'efficient_sft', hyper_parameters: FAST_HYPER });
  const done = await waitFor(() => env.ds.fineTunes.retrieve(job.job_id), (j) => ['SUCCEEDED', 'FAILED', 'CANCELED'].includes(j.status));
  if (done.status !== 'SUCCEEDED' || !done.finetuned_output) throw new Error(`training ended ${done.status}`);
  return done.finetuned_output;
}

/** A valid `aigc_config`. */
export const AIGC_CONFIG = {
  use_input_prompt: false,
  prompt: 'Describe the image. Then the s86b5p effect begins.',
  lora_prompt_default: 'Then the s86b5p effect begins.',
};
