/**
 * Shared plumbing of the pipeline benchmarks (history, api, scale): a dev server, an emulator, a worker in its own
 * process (RSS sampled from /proc), distinct sample datasets, the emulator's request log, histories, result files.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { ZipFile } from 'yazl';
import { request } from 'undici';
import { startDevServer, type DevServer } from '../src/temporal/devServer';
import { startEmulator, EMULATOR_DEFAULT_API_KEY, type RunningEmulator, type RequestLogEntry } from '../src/emulator';
import { DashScope } from '../src/dashscope';
import { MEDIA_DIR } from '../src/dataset/sample';
import { DEFAULT_AIGC_CONFIG, type ModelId, type PipelineInput } from '../src/workflows/input';

export const ROOT = join(__dirname, '..');
export const RESULTS_DIR = join(__dirname, 'results');

/** Parses `--name value` flags. */
export function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  if (i >= 0) return args[i + 1];
  const eq = args.find((a) => a.startsWith(`--${name}=`));
  return eq?.slice(name.length + 3);
}
export function numFlag(args: string[], name: string, dflt: number): number {
  const v = flag(args, name);
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number, got ${v}`);
  return n;
}

export function machine() {
  return {
    cores: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    ramGB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    date: new Date().toISOString(),
  };
}

export const log = (m: string) => process.stdout.write(`[${new Date().toISOString().slice(11, 19)}] ${m}\n`);

/** Prints a markdown table and returns it. */
export function table(headers: string[], rows: (string | number)[][]): string {
  const lines = [`| ${headers.join(' | ')} |`, `|${headers.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`];
  for (const r of rows) lines.push(`| ${r.map(String).join(' | ')} |`);
  return lines.join('\n');
}

export function writeResults(name: string, json: unknown, md: string): void {
  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(join(RESULTS_DIR, `${name}.json`), JSON.stringify(json, null, 2) + '\n');
  writeFileSync(join(RESULTS_DIR, `${name}.md`), md.endsWith('\n') ? md : md + '\n');
  log(`wrote bench/results/${name}.json and ${name}.md`);
}

export function machineLine(m: ReturnType<typeof machine>): string {
  return `Machine: ${m.cores} cores (${m.cpuModel}, shared with other engineers), ${m.ramGB} GB RAM, Node ${m.node}, ${m.platform}; ${m.date}.`;
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}
export const mean = (v: number[]) => (v.length ? v.reduce((a, b) => a + b, 0) / v.length : NaN);
export const fmt = (n: number, d = 1) => (Number.isFinite(n) ? n.toFixed(d) : '–');
export const met = (ok: boolean) => (ok ? 'met' : '**NOT met**');

// ---------------------------------------------------------------------------------------------------------------
// Environment: dev server + emulator + worker process

export interface Env {
  dir: string;
  /** The dev server this bench started; undefined when it targets a server it did not start (--stack). */
  dev?: DevServer;
  /** Where the workers and the driver connect. */
  temporalAddress: string;
  connection: Connection;
  client: Client;
  emulator: RunningEmulator;
  dashscope: DashScope;
  taskQueue: string;
  timeScale: number;
  /** The first worker process (of `workers`). */
  worker: WorkerProcess;
  workers: WorkerProcess[];
  collector: RequestCollector;
  close(): Promise<void>;
}

export interface WorkerProcess {
  child: ChildProcess;
  pid: number;
  /** Peak VmRSS (bytes) seen so far, and the sample count. */
  rssPeak(): { bytes: number; samples: number; baselineBytes: number };
  stop(): Promise<void>;
}

/** Reads VmRSS of a process in bytes (Linux /proc), undefined if gone. */
function vmRss(pid: number): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** `node --import tsx src/worker.ts` in its own process (so its RSS is the worker's alone), started once ready. */
export async function spawnWorker(
  env: Record<string, string>,
  concurrency = { activities: 200, workflowTasks: 200 },
  maxCachedWorkflows?: number,
): Promise<WorkerProcess> {
  // src/worker.ts as shipped, configured by its environment.
  const script = join(ROOT, 'src/worker.ts');
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    cwd: ROOT,
    env: {
      ...process.env,
      ...env,
      WANFLOW_MAX_CONCURRENT_ACTIVITIES: String(concurrency.activities),
      WANFLOW_MAX_CONCURRENT_WORKFLOW_TASKS: String(concurrency.workflowTasks),
      ...(maxCachedWorkflows === undefined ? {} : { WANFLOW_MAX_CACHED_WORKFLOWS: String(maxCachedWorkflows) }),
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const pid = child.pid!;
  let peak = 0;
  let samples = 0;
  let baseline = 0;
  let stderr = '';
  const timer = setInterval(() => {
    const r = vmRss(pid);
    if (r !== undefined) {
      samples++;
      if (r > peak) peak = r;
    }
  }, 100);
  timer.unref();
  await new Promise<void>((resolve, reject) => {
    const onData = (d: Buffer) => {
      stderr += d.toString();
      if (stderr.includes('wanflow worker: task queue')) resolve();
      if (stderr.length > 100_000) stderr = stderr.slice(-50_000);
    };
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`worker exited (${code}) before it was ready:\n${stderr.slice(-4000)}`)));
  });
  baseline = vmRss(pid) ?? 0;
  // Keep draining stderr (worker logs) so the pipe never blocks; remember the tail for errors.
  child.stderr!.removeAllListeners('data');
  child.stderr!.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-20_000);
  });
  return {
    child,
    pid,
    rssPeak: () => ({ bytes: peak, samples, baselineBytes: baseline }),
    async stop() {
      clearInterval(timer);
      if (child.exitCode !== null) return;
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(t);
    },
  };
}

/**
 * Copies the emulator's request log (it keeps the newest 50 000 entries) into memory every `everyMs`, by `seq`,
 * so long runs lose nothing.
 */
export class RequestCollector {
  readonly entries: RequestLogEntry[] = [];
  private lastSeq = 0;
  private timer?: NodeJS.Timeout;
  private busy?: Promise<void>;
  private error?: unknown;
  constructor(private readonly url: string) {}
  start(everyMs = 3000): void {
    this.timer = setInterval(() => {
      this.busy ??= this.pull()
        .catch((e: unknown) => void (this.error ??= e))
        .finally(() => (this.busy = undefined));
    }, everyMs);
  }
  async pull(): Promise<void> {
    const res = await request(`${this.url}/__emulator/requests`);
    const body = (await res.body.json()) as { requests: RequestLogEntry[] };
    const fresh = body.requests.filter((e) => e.seq > this.lastSeq);
    if (fresh.length && this.lastSeq > 0 && fresh[0]!.seq !== this.lastSeq + 1) {
      throw new Error(`request log overflowed between pulls (seq ${this.lastSeq} → ${fresh[0]!.seq})`);
    }
    for (const e of fresh) this.entries.push(e);
    if (fresh.length) this.lastSeq = fresh[fresh.length - 1]!.seq;
  }
  async stop(): Promise<RequestLogEntry[]> {
    clearInterval(this.timer);
    await this.busy;
    await this.pull();
    if (this.error) throw this.error;
    return this.entries;
  }
}

export async function startEnv(
  name: string,
  opts: {
    timeScale: number;
    maxConcurrentJobs: number;
    workerConcurrency?: { activities: number; workflowTasks: number };
    maxCachedWorkflows?: number;
    workerHeapMb?: number;
    /** A Temporal server the bench did not start (the production stack); default: a dev server of its own. */
    temporalAddress?: string;
    /** Worker processes sharing the task queue (default 1). */
    workers?: number;
  },
): Promise<Env> {
  const dir = mkdtempSync(join(tmpdir(), `wanflow-bench-${name}-`));
  let dev: DevServer | undefined;
  if (opts.temporalAddress) log(`using the Temporal server at ${opts.temporalAddress}; starting the emulator (time scale ${opts.timeScale}) in ${dir}`);
  else {
    log(`starting a Temporal dev server and the emulator (time scale ${opts.timeScale}) in ${dir}`);
    dev = await startDevServer();
  }
  const temporalAddress = opts.temporalAddress ?? dev!.address;
  const namespace = dev?.namespace ?? 'default';
  const connection = await Connection.connect({ address: temporalAddress });
  const client = new Client({ connection, namespace });
  // Many pipelines on one account: the documented 20-jobs quota would refuse them, so it is raised here.
  const emulator = await startEmulator({ port: 0, timeScale: opts.timeScale, dataDir: join(dir, 'emulator'), maxConcurrentJobs: opts.maxConcurrentJobs, maxJobsPerAccount: 1_000_000 });
  const dashscope = new DashScope({ apiKey: EMULATOR_DEFAULT_API_KEY, baseUrl: emulator.url, timeoutMs: 60_000 });
  const taskQueue = `bench-${name}-${process.pid}`;
  const workers: WorkerProcess[] = [];
  for (let i = 0; i < (opts.workers ?? 1); i++) {
    log(`starting worker process ${i + 1}/${opts.workers ?? 1} (bundles the workflow code) …`);
    const worker = await spawnWorker(
      {
        TEMPORAL_ADDRESS: temporalAddress,
        TEMPORAL_NAMESPACE: namespace,
        WANFLOW_TASK_QUEUE: taskQueue,
        DASHSCOPE_API_KEY: EMULATOR_DEFAULT_API_KEY,
        DASHSCOPE_BASE_URL: emulator.url,
        // The worker's default cap (12 activities per service second, which keeps a fleet under the 20 QPS limit),
        // in bench time: emulated seconds pass timeScale times faster.
        WANFLOW_MAX_API_CALLS_PER_SECOND: String(12 * opts.timeScale),
        // A worker sized for a container: cap V8's heap (otherwise it grows lazily toward a quarter of the host's RAM).
        ...(opts.workerHeapMb ? { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --max-old-space-size=${opts.workerHeapMb}`.trim() } : {}),
      },
      opts.workerConcurrency,
      opts.maxCachedWorkflows,
    );
    log(`worker pid ${worker.pid} ready (RSS ${fmt(worker.rssPeak().baselineBytes / 1e6, 0)} MB)`);
    workers.push(worker);
  }
  const worker = workers[0]!;
  const collector = new RequestCollector(emulator.url);
  collector.start();
  return {
    dir,
    dev,
    temporalAddress,
    connection,
    client,
    emulator,
    dashscope,
    taskQueue,
    timeScale: opts.timeScale,
    worker,
    workers,
    collector,
    async close() {
      await collector.stop().catch(() => undefined);
      for (const w of workers) await w.stop().catch(() => undefined);
      await connection.close().catch(() => undefined);
      await dev?.stop().catch(() => undefined);
      await emulator.close().catch(() => undefined);
      await dashscope.close?.();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Datasets

let mediaCache: Map<string, Buffer> | undefined;
function media(f: string): Buffer {
  mediaCache ??= new Map();
  let b = mediaCache.get(f);
  if (!b) mediaCache.set(f, (b = readFileSync(join(MEDIA_DIR, f))));
  return b;
}

/**
 * An i2v training zip of 12 samples (the generator's media: 2 s/3 s/5 s MP4/MOV, JPEG/PNG/WEBP/BMP) whose first prompt
 * carries `variant`, so every variant has its own sha256 (hence workflow id and upload) and the same training length.
 */
export async function writeVariantDataset(dir: string, variant: number): Promise<{ path: string; sha256: string }> {
  const videos = ['clip-2s.mp4', 'clip-3s.mp4', 'clip-5s.mp4', 'clip-3s.mov'];
  const images = ['frame.jpg', 'frame.png', 'frame.webp', 'frame.bmp'];
  const zip = new ZipFile();
  const entry = { mtime: new Date(2026, 0, 1), mode: 0o100644, forceDosTimestamp: true, compress: false } as const;
  const lines: string[] = [];
  for (let i = 0; i < 12; i++) {
    const n = String(i + 1).padStart(3, '0');
    const img = images[i % 4]!;
    const vid = videos[i % 4]!;
    const first = `image_${n}${img.slice(img.lastIndexOf('.'))}`;
    const video = `video_${n}${vid.slice(vid.lastIndexOf('.'))}`;
    zip.addBuffer(media(img), first, entry);
    zip.addBuffer(media(vid), video, entry);
    const prompt = `wanflow-style: sample ${i + 1} of benchmark dataset ${variant} drifts slowly from left to right in soft light.`;
    lines.push(JSON.stringify({ prompt, first_frame_path: first, video_path: video }));
  }
  zip.addBuffer(Buffer.from(lines.join('\n') + '\n'), 'data.jsonl', { ...entry, compress: true });
  zip.end();
  const chunks: Buffer[] = [];
  for await (const c of zip.outputStream as AsyncIterable<Buffer>) chunks.push(c);
  const buf = Buffer.concat(chunks);
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `bench-${variant}.zip`);
  writeFileSync(path, buf);
  return { path, sha256: createHash('sha256').update(buf).digest('hex') };
}

export const BENCH_MODEL: ModelId = 'wan2.5-i2v-preview'; // batch_size 2: 12 samples → 6 steps per epoch
export const STEPS_PER_EPOCH = 6;
export const STEP_SECONDS = 3; // emulator: RUNNING = data process 2 min + totalSteps × 3 s + the reference's 17 min 21 s tail

export function benchInput(
  dataset: { path: string; sha256: string },
  opts: { timeScale: number; nEpochs: number; evalEpochs: number; artifactsDir: string; label?: string; trainingPollSeconds?: number },
): PipelineInput {
  // Production intervals (the input's defaults) in emulated terms: divide by the time scale.
  const ms = (seconds: number) => Math.max(1, Math.round((seconds * 1000) / opts.timeScale));
  return {
    version: 1,
    model: BENCH_MODEL,
    source: { kind: 'dataset', training: dataset },
    hyperParameters: { n_epochs: opts.nEpochs, eval_epochs: opts.evalEpochs },
    checkpoint: { policy: 'final' },
    deployment: { aigcConfig: DEFAULT_AIGC_CONFIG },
    // Training: the adaptive interval's production bounds (45 s near the end, 10 min far from it).
    polling: { training: ms(opts.trainingPollSeconds ?? 45), trainingMax: ms(600), export: ms(15), deployment: ms(30), task: ms(15) },
    artifactsDir: opts.artifactsDir,
    label: opts.label,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Histories

export type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

export function eventMs(e: HistoryEvent): number {
  const t = e.eventTime;
  if (!t) return NaN;
  return Number(t.seconds ?? 0) * 1000 + Math.floor((t.nanos ?? 0) / 1e6);
}

export function eventTypeName(e: HistoryEvent): string {
  // eventType is a numeric enum; map to the name through the proto enum.
  return String(e.eventType);
}

/** Schedule-to-start and start-to-complete latencies (ms) of every workflow task in a history. */
export function workflowTaskLatencies(events: HistoryEvent[]): { scheduleToStart: number[]; startToComplete: number[] } {
  const scheduled = new Map<number, number>();
  const started = new Map<number, number>();
  const out = { scheduleToStart: [] as number[], startToComplete: [] as number[] };
  for (const e of events) {
    const id = Number(e.eventId);
    if (e.workflowTaskScheduledEventAttributes) scheduled.set(id, eventMs(e));
    else if (e.workflowTaskStartedEventAttributes) {
      const s = scheduled.get(Number(e.workflowTaskStartedEventAttributes.scheduledEventId));
      if (s !== undefined) out.scheduleToStart.push(eventMs(e) - s);
      started.set(id, eventMs(e));
    } else if (e.workflowTaskCompletedEventAttributes) {
      const s = started.get(Number(e.workflowTaskCompletedEventAttributes.startedEventId));
      if (s !== undefined) out.startToComplete.push(eventMs(e) - s);
    }
  }
  return out;
}

/** Runs `fn` over items with at most `limit` at once. */
export async function pool<T, R>(items: T[], limit: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      for (;;) {
        const i = next++;
        if (i >= items.length) return;
        out[i] = await fn(items[i]!, i);
      }
    }),
  );
  return out;
}

/** `2025-11-11 11:22:22` (UTC, the job time format) → epoch ms. */
export function jobTimeMs(s: string): number {
  return Date.parse(`${s.replace(' ', 'T')}Z`);
}

/** Real epoch ms → emulated epoch ms on this emulator's clock (the anchor is fixed unless the clock is advanced). */
export function toEmulatedMs(emulator: RunningEmulator, realMs: number): number {
  const a = emulator.service.clock.snapshot();
  return a.emuMs + (realMs - a.realMs) * emulator.service.clock.timeScale;
}

/**
 * The dev server does not retry an activity sooner than ~1 s after it failed, whatever the retry policy's interval
 * (measured: 50 ms and 500 ms intervals both gave 1.0 s gaps). So a poll interval of P emulated seconds is only kept
 * when P / timeScale ≥ 1 s; the benches choose their time scale (or interval) accordingly and report the measured gaps.
 */
export const MIN_REAL_RETRY_MS = 1000;

export const STATUS_PATH = /^\/api\/v1\/(fine-tunes\/[^/]+|deployments\/[^/]+|tasks\/[^/]+)$/;
