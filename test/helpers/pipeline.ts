/**
 * A pipeline test bench: the jest run's dev server, an emulator of the test's own (free port, temp dataDir, high time
 * scale), a DashScope client on it, sample datasets, and in-process workers with the workflow bundle built once.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { Worker } from '@temporalio/worker';
import { DashScope } from '../../src/dashscope';
import { generateSampleDataset, sha256File } from '../../src/dataset';
import { startEmulator, EMULATOR_DEFAULT_API_KEY, type EmulatorOptions, type RunningEmulator, type RequestLogEntry } from '../../src/emulator';
import { createWorker, WORKFLOWS_PATH } from '../../src/worker';
import { DEFAULT_AIGC_CONFIG, type ModelId, type PipelineInput } from '../../src/workflows/input';
import { connectTestTemporal, uniqueTaskQueue, type TestTemporal } from './temporal';

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;
/** The workflow bundle, built once per test file. */
export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: quietBundlerLogger });
  return bundle;
}

const quietBundlerLogger = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: (m: string) => process.stderr.write(`${m}\n`),
  error: (m: string) => process.stderr.write(`${m}\n`),
};

export interface Bench {
  temporal: TestTemporal;
  emulator: RunningEmulator;
  dashscope: DashScope;
  dir: string;
  taskQueue: string;
  startWorker(): Promise<{ worker: Worker; stop(): Promise<void> }>;
  dataset(mode?: 'i2v' | 'kf2v', samples?: number): Promise<{ path: string; sha256: string }>;
  input(model: ModelId, dataset: { path: string; sha256: string }, extra?: Partial<PipelineInput>): PipelineInput;
  requests(): Promise<RequestLogEntry[]>;
  admin(path: string, body?: unknown, method?: string): Promise<unknown>;
  close(): Promise<void>;
}

export async function createBench(prefix: string, emulatorOptions: Partial<EmulatorOptions> = {}): Promise<Bench> {
  const dir = await mkdtemp(join(tmpdir(), `wanflow-${prefix}-`));
  const temporal = await connectTestTemporal();
  const emulator = await startEmulator({ port: 0, timeScale: 2000, dataDir: join(dir, 'emulator'), maxConcurrentJobs: 50, ...emulatorOptions });
  const dashscope = new DashScope({ apiKey: EMULATOR_DEFAULT_API_KEY, baseUrl: emulator.url, timeoutMs: 30_000 });
  const taskQueue = uniqueTaskQueue(prefix);
  const workers: { stop(): Promise<void> }[] = [];

  const admin = async (path: string, body?: unknown, method = body === undefined ? 'GET' : 'POST') => {
    const res = await request(`${emulator.url}/__emulator/${path}`, {
      method: method as 'GET',
      body: body === undefined ? undefined : JSON.stringify(body),
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
    });
    const text = await res.body.text();
    if (res.statusCode >= 400) throw new Error(`admin ${path}: ${res.statusCode} ${text}`);
    return text ? JSON.parse(text) : undefined;
  };

  return {
    temporal,
    emulator,
    dashscope,
    dir,
    taskQueue,
    async startWorker() {
      const worker = await createWorker({
        connection: temporal.nativeConnection,
        namespace: temporal.namespace,
        taskQueue,
        dashscope,
        worker: { workflowBundle: await workflowBundle() },
      });
      const running = worker.run();
      const handle = {
        worker,
        async stop() {
          if (worker.getState() === 'RUNNING') worker.shutdown();
          await running;
        },
      };
      workers.push(handle);
      return handle;
    },
    async dataset(mode = 'i2v', samples = 12) {
      const ds = await generateSampleDataset({ dir: join(dir, 'datasets', `${mode}-${samples}`), mode, kind: 'training', samples });
      return { path: ds.path, sha256: await sha256File(ds.path) };
    },
    input(model, dataset, extra = {}) {
      return {
        version: 1,
        model,
        source: { kind: 'dataset', training: dataset },
        checkpoint: { policy: 'final' },
        deployment: { aigcConfig: DEFAULT_AIGC_CONFIG },
        polling: { training: '200ms', export: '200ms', deployment: '200ms', task: '200ms' },
        artifactsDir: join(dir, 'artifacts'),
        ...extra,
      };
    },
    async requests() {
      return ((await admin('requests')) as { requests: RequestLogEntry[] }).requests;
    },
    admin,
    async close() {
      for (const w of workers) await w.stop().catch(() => undefined);
      await emulator.close();
      await dashscope.close?.();
      await temporal.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Counts of remote effects in an emulator request log. */
export function effectCounts(log: RequestLogEntry[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const e of log) if (e.effect) counts[e.effect] = (counts[e.effect] ?? 0) + 1;
  return counts;
}

/** Errors a check cannot recover from by waiting: a bug in the check or a failed assertion inside it. */
function isProgrammingError(err: unknown): boolean {
  return err instanceof TypeError || err instanceof ReferenceError || err instanceof SyntaxError || err instanceof RangeError || (typeof err === 'object' && err !== null && 'matcherResult' in err);
}

/**
 * Waits until `check` returns a value (not undefined/false), polling; never a fixed sleep. A check that throws is
 * retried (a query while a worker starts, a request while a server restarts) and its last error is part of the timeout
 * message; a programming error or a failed assertion inside the check is rethrown at once.
 */
export async function waitFor<T>(check: () => Promise<T | undefined | false>, timeoutMs = 60_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    let v: T | undefined | false;
    try {
      v = await check();
    } catch (err) {
      if (isProgrammingError(err)) throw err;
      lastError = err;
      v = undefined;
    }
    if (v !== undefined && v !== false) return v as T;
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `; last error: ${(lastError as Error).message ?? String(lastError)}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
