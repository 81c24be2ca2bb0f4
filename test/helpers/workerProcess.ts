/**
 * The real worker entry point (`tsx src/worker.ts`, configured by env only) as a separate OS process, so a test can
 * SIGKILL it the way a crashed host would die: no graceful shutdown, no activity completion, no goodbye to the server.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { EMULATOR_DEFAULT_API_KEY } from '../../src/emulator';
import { devServerAddress } from './temporal';

const ROOT = join(__dirname, '..', '..');
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');

export interface WorkerProcessOptions {
  taskQueue: string;
  /** DASHSCOPE_BASE_URL: the emulator's url. */
  baseUrl: string;
  /** Default: the jest run's dev server (TEMPORAL_ADDRESS). */
  temporalAddress?: string;
  namespace?: string;
  env?: Record<string, string>;
  /** How long to wait for the "wanflow worker:" banner (the workflow bundle is built at start). */
  readyTimeoutMs?: number;
}

export interface WorkerProcess {
  pid: number;
  child: ChildProcess;
  /** Everything the process wrote to stderr so far. */
  output(): string;
  /** Resolves when the process (group leader) has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGKILL to the whole process group (tsx runs node as a child), then waits until every member is gone. */
  kill9(): Promise<void>;
  /** SIGTERM (graceful shutdown), SIGKILL if it has not exited within 10 s. */
  stop(): Promise<void>;
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitGroupGone(pgid: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (groupAlive(pgid)) {
    if (Date.now() > deadline) throw new Error(`process group ${pgid} still alive after SIGKILL`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Spawns `tsx src/worker.ts` in its own process group and resolves once it has printed its ready banner. */
export async function spawnWorkerProcess(opts: WorkerProcessOptions): Promise<WorkerProcess> {
  const child = spawn(TSX, ['src/worker.ts'], {
    cwd: ROOT,
    detached: true, // own process group: kill(-pid) reaches tsx's node child too
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: opts.temporalAddress ?? devServerAddress(),
      TEMPORAL_NAMESPACE: opts.namespace ?? process.env.TEMPORAL_NAMESPACE ?? 'default',
      WANFLOW_TASK_QUEUE: opts.taskQueue,
      DASHSCOPE_BASE_URL: opts.baseUrl,
      DASHSCOPE_API_KEY: EMULATOR_DEFAULT_API_KEY,
      DASHSCOPE_TIMEOUT_MS: '30000',
      // Tests run emulated time hundreds of times faster than the service's; do not hold them to its request rate.
      WANFLOW_MAX_API_CALLS_PER_SECOND: '1000',
      ...opts.env,
    },
  });
  const pid = child.pid!;
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  let done = false;
  void exited.then(() => (done = true));

  const proc: WorkerProcess = {
    pid,
    child,
    output: () => out,
    exited,
    async kill9() {
      if (groupAlive(pid)) process.kill(-pid, 'SIGKILL');
      await exited;
      await waitGroupGone(pid);
    },
    async stop() {
      if (!done && groupAlive(pid)) process.kill(-pid, 'SIGTERM');
      const timer = setTimeout(() => groupAlive(pid) && process.kill(-pid, 'SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
      if (groupAlive(pid)) process.kill(-pid, 'SIGKILL');
      await waitGroupGone(pid);
    },
  };

  const deadline = Date.now() + (opts.readyTimeoutMs ?? 90_000);
  while (!out.includes('wanflow worker: task queue')) {
    if (done) throw new Error(`worker process exited before it was ready:\n${out}`);
    if (Date.now() > deadline) {
      await proc.kill9();
      throw new Error(`worker process not ready within ${opts.readyTimeoutMs ?? 90_000} ms:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return proc;
}
