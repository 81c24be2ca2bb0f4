/**
 * Child processes for tests that must see what a real process prints: a wanflow worker (`tsx src/worker.ts`) with its
 * output captured, and one-shot CLI runs (`tsx src/starter.ts …`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { waitFor } from './pipeline';

export const ROOT = join(__dirname, '../..');
/** `node --import tsx <script>`: the process itself runs the script (no wrapper), so a kill reaches it. */
const TSX_ARGS = ['--import', 'tsx'];

export interface WorkerProcess {
  child: ChildProcess;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  /** SIGTERM (graceful shutdown), then waits for exit. */
  stop(): Promise<void>;
}

/** Starts `node --import tsx src/worker.ts` with the given environment; resolves once it says it polls its task queue. */
export async function spawnWorker(env: Record<string, string>, readyTimeoutMs = 60_000): Promise<WorkerProcess> {
  const child = spawn(process.execPath, [...TSX_ARGS, 'src/worker.ts'], { cwd: ROOT, env: { ...process.env, WANFLOW_MAX_API_CALLS_PER_SECOND: '1000', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const chunks: string[] = [];
  child.stdout!.on('data', (b: Buffer) => chunks.push(b.toString('utf8')));
  child.stderr!.on('data', (b: Buffer) => chunks.push(b.toString('utf8')));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const output = () => chunks.join('');
  await waitFor(async () => {
    if (child.exitCode !== null) throw new Error(`worker exited early (${child.exitCode}): ${output()}`);
    return output().includes('wanflow worker: task queue');
  }, readyTimeoutMs, 'the worker process to start').catch((err) => {
    child.kill('SIGKILL');
    throw new Error(`${(err as Error).message}\n${output()}`);
  });
  return {
    child,
    output,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
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
