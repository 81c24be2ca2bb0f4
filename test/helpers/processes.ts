/**
 * Child processes of the real entry points, configured by env only, as a user runs them: a wanflow worker
 * (`node --import tsx src/worker.ts`) in its own process group, so a test can SIGKILL it the way a crashed host dies
 * (no graceful shutdown, no activity completion, no goodbye to the server), and one-shot CLI runs (`src/starter.ts`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { EMULATOR_DEFAULT_API_KEY } from '../../src/emulator';
import { devServerAddress } from './temporal';

export const ROOT = join(__dirname, '../..');
/** `node --import tsx <script>`: the process itself runs the script (no wrapper), so its pid is the worker's. */
const TSX_ARGS = ['--import', 'tsx'];

export interface WorkerProcessOptions {
  taskQueue: string;
  /** DASHSCOPE_BASE_URL: the emulator's url. */
  baseUrl: string;
  /** Default: the emulator's default key. */
  apiKey?: string;
  /** Default: the jest run's dev server (TEMPORAL_ADDRESS). */
  temporalAddress?: string;
  namespace?: string;
  /**
   * false (default): tests run emulated time hundreds of times faster than the service's, so the API-call cap is lifted
   * to 1000/s and requests time out after 30 s. true: the worker's own defaults (src/config.ts: 12/s, 60 s).
   */
  productionDefaults?: boolean;
  env?: Record<string, string>;
  /** How long to wait for the "wanflow worker:" banner (the workflow bundle is built at start). */
  readyTimeoutMs?: number;
}

export interface WorkerProcess {
  /** The worker's pid (and process group id); its Temporal identity is `<pid>@<host>`. */
  pid: number;
  child: ChildProcess;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  /** Resolves when the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGKILL to the whole process group, then waits until every member is gone. */
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

/** Spawns the worker in its own process group and resolves once it has printed its ready banner. */
export async function spawnWorkerProcess(opts: WorkerProcessOptions): Promise<WorkerProcess> {
  const env: Record<string, string | undefined> = {
    ...process.env,
    TEMPORAL_ADDRESS: opts.temporalAddress ?? devServerAddress(),
    TEMPORAL_NAMESPACE: opts.namespace ?? process.env.TEMPORAL_NAMESPACE ?? 'default',
    WANFLOW_TASK_QUEUE: opts.taskQueue,
    DASHSCOPE_BASE_URL: opts.baseUrl,
    DASHSCOPE_API_KEY: opts.apiKey ?? EMULATOR_DEFAULT_API_KEY,
    ...(opts.productionDefaults ? {} : { DASHSCOPE_TIMEOUT_MS: '30000', WANFLOW_MAX_API_CALLS_PER_SECOND: '1000' }),
    ...opts.env,
  };
  if (opts.productionDefaults) for (const k of Object.keys(env)) if (k.startsWith('WANFLOW_MAX_') || k === 'DASHSCOPE_TIMEOUT_MS') delete env[k];
  const child = spawn(process.execPath, [...TSX_ARGS, 'src/worker.ts'], {
    cwd: ROOT,
    detached: true, // own process group: kill(-pid) reaches anything it started too
    stdio: ['ignore', 'pipe', 'pipe'],
    env,
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

  const readyMs = opts.readyTimeoutMs ?? 90_000;
  const deadline = Date.now() + readyMs;
  while (!out.includes('wanflow worker: task queue')) {
    if (done) throw new Error(`worker process exited before it was ready:\n${out}`);
    if (Date.now() > deadline) {
      await proc.kill9();
      throw new Error(`worker process not ready within ${readyMs} ms:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return proc;
}

/** Runs the wanflow CLI once; resolves with its exit code and output. */
export function runCli(args: string[], env: Record<string, string>, timeoutMs = 60_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...TSX_ARGS, 'src/starter.ts', ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (b: Buffer) => (stdout += b.toString('utf8')));
    child.stderr!.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`wanflow ${args.join(' ')} did not exit within ${timeoutMs} ms\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
