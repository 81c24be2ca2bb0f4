/**
 * Helpers of the production-stack suite: the stack script and `npx wanflow worker` run as their own processes (the
 * user's commands), the emulator's admin API, and PostgreSQL queries over Temporal's own tables.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client as PgClient } from 'pg';
import { EMULATOR_DEFAULT_API_KEY, type RequestLogEntry } from '../../src/emulator';
import type { EmulatorState } from '../helpers/outcomes';
import { markdownTable } from '../helpers/outcomes';

export const ROOT = join(__dirname, '../..');
/** Emulated time runs 60× faster: a 2,400-step job trains for about two minutes, long enough to inject three faults. */
export const STACK_TIME_SCALE = 60;

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a shell command line (as a user types it) in the project folder; resolves with its exit code and output. */
export function sh(line: string, opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number; echo?: boolean } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', line], { cwd: ROOT, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (b: Buffer) => (stdout += b.toString('utf8')));
    child.stderr!.on('data', (b: Buffer) => {
      stderr += b.toString('utf8');
      if (opts.echo) process.stderr.write(b);
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`\`${line}\` did not finish within ${(opts.timeoutMs ?? 0) / 1000} s\n${stdout}\n${stderr}`));
    }, opts.timeoutMs ?? 300_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** `npm run -s stack -- <args>` as its own process. */
export function runStack(args: string[], opts: { timeoutMs?: number; echo?: boolean } = {}): Promise<Run> {
  return sh(`npm run -s stack -- ${args.join(' ')}`, opts);
}

export interface WorkerProcess {
  pid: number;
  output(): string;
  /** Signals the whole process group (npx → wanflow → the worker's node), then waits until it is gone. */
  kill(signal: NodeJS.Signals): Promise<void>;
}

function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** `npx wanflow worker` (the README's way) with the stack's address and the emulator as Model Studio. */
export async function startWorker(name: string, extraEnv: Record<string, string> = {}): Promise<WorkerProcess> {
  const env = {
    ...process.env,
    TEMPORAL_ADDRESS: process.env.TEMPORAL_ADDRESS!,
    DASHSCOPE_API_KEY: EMULATOR_DEFAULT_API_KEY,
    DASHSCOPE_BASE_URL: process.env.WANFLOW_EMULATOR_URL!,
    ...extraEnv,
  };
  const child: ChildProcess = spawn('npx', ['wanflow', 'worker'], { cwd: ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const chunks: string[] = [];
  child.stdout!.on('data', (b: Buffer) => chunks.push(b.toString('utf8')));
  child.stderr!.on('data', (b: Buffer) => chunks.push(b.toString('utf8')));
  const output = () => chunks.join('');
  const pid = child.pid!;
  const deadline = Date.now() + 120_000;
  while (!output().includes('wanflow worker: task queue')) {
    if (child.exitCode !== null) throw new Error(`worker ${name} exited early (${child.exitCode}):\n${output()}`);
    if (Date.now() > deadline) {
      process.kill(-pid, 'SIGKILL');
      throw new Error(`worker ${name} did not start within 120 s:\n${output()}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    pid,
    output,
    async kill(signal) {
      if (groupAlive(pid)) process.kill(-pid, signal);
      const until = Date.now() + 60_000;
      while (groupAlive(pid) && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
      if (groupAlive(pid)) process.kill(-pid, 'SIGKILL');
    },
  };
}

/** The emulator's admin API (`/__emulator/…`), outside the Model Studio contract. */
export async function emulatorAdmin<T>(path: string): Promise<T> {
  const res = await fetch(`${process.env.WANFLOW_EMULATOR_URL}/__emulator/${path}`);
  if (!res.ok) throw new Error(`emulator admin ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

export const emulatorRequests = async () => (await emulatorAdmin<{ requests: RequestLogEntry[] }>('requests')).requests;
export const emulatorState = () => emulatorAdmin<EmulatorState>('state');

/** One query against the stack's PostgreSQL (WANFLOW_POSTGRES_URL, the default store's database, or another one). */
export async function pgQuery<R extends Record<string, unknown>>(sql: string, params: unknown[] = [], database?: string): Promise<R[]> {
  const url = new URL(process.env.WANFLOW_POSTGRES_URL!);
  if (database) url.pathname = `/${database}`;
  const client = new PgClient({ connectionString: url.toString() });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as R[];
  } finally {
    await client.end();
  }
}

export interface StackRow {
  scenario: string;
  workers: number;
  pipelines: number;
  faults: string;
  succeeded: number;
  retries: number;
  duplicates: number;
  extraTasks: number;
  orphans: number;
  historiesInPostgres: string;
  wallMs: number;
}

const RESULTS = join(__dirname, 'results.md');

/** Prints the run's table and stores it as its section of test/stack/results.md (other sections kept). */
export function publishStackResults(section: string, rows: StackRow[], notes: string[]): string {
  const table = markdownTable(
    ['scenario', 'workers', 'pipelines', 'faults injected during training', 'SUCCEEDED', 'activity retries', 'duplicates', 'extra video tasks', 'orphans', 'histories in PostgreSQL', 'wall time'],
    rows.map((r) => [r.scenario, r.workers, r.pipelines, r.faults, `${r.succeeded}/${r.pipelines}`, r.retries, r.duplicates, r.extraTasks, r.orphans, r.historiesInPostgres, `${(r.wallMs / 1000).toFixed(1)} s`]),
  );
  const body = [`## ${section}`, '', table, '', ...notes.map((n) => `- ${n}`), ''].join('\n');
  process.stderr.write(`\n${body}\n`);
  const start = `<!-- ${section}:start -->`;
  const end = `<!-- ${section}:end -->`;
  const title = '# Production stack suite results\n\nWritten by `npm run test:stack` (test/stack): Temporal server on PostgreSQL started by `npm run stack -- up`, workers started with `npx wanflow worker`. The last run of each section.\n';
  let text = existsSync(RESULTS) ? readFileSync(RESULTS, 'utf8') : title;
  const block = `${start}\n${body}${end}`;
  const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const re = new RegExp(`${esc(start)}[\\s\\S]*?${esc(end)}`);
  text = re.test(text) ? text.replace(re, block) : `${text.trimEnd()}\n\n${block}\n`;
  writeFileSync(RESULTS, text);
  return body;
}
