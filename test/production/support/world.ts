/**
 * The world a user of the README has, built without any of wanflow's helpers: a bare `temporal server start-dev`
 * (from $TEMPORAL_CLI, free ports, no search attributes, in memory), a project directory where wanflow is installed
 * (relative paths such as data/ land there), and a clean environment.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { ROOT } from './readme';
export { freePort } from '../../helpers/ports';
import { freePort } from '../../helpers/ports';


/** The Temporal CLI binary: $TEMPORAL_CLI, else what `npm install` found or fetched (`node scripts/ensure-temporal.js --print`, as a user would). */
let resolvedCli: string | undefined;
export function temporalCli(): string {
  if (process.env.TEMPORAL_CLI) return process.env.TEMPORAL_CLI;
  if (!resolvedCli) {
    const r = spawnSync(process.execPath, [join(ROOT, 'scripts', 'ensure-temporal.js'), '--print'], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`scripts/ensure-temporal.js --print exited ${r.status}: ${r.stderr}`);
    resolvedCli = r.stdout.trim().split('\n').pop()!;
  }
  return resolvedCli;
}

export interface BareServer {
  address: string;
  client: Client;
  /** Workflow executions in the namespace (any status). */
  countWorkflows(): Promise<number>;
  stop(): Promise<void>;
}

/** `temporal server start-dev --headless` on free ports, nothing registered; resolves once its frontend answers. */
export async function startBareServer(): Promise<BareServer> {
  const port = await freePort();
  const args = ['server', 'start-dev', '--headless', '--ip', '127.0.0.1', '--port', String(port), '--http-port', String(await freePort()), '--metrics-port', String(await freePort()), '--log-level', 'error'];
  const child: ChildProcess = spawn(temporalCli(), args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (b: Buffer) => (err += b.toString()));
  const address = `127.0.0.1:${port}`;
  const deadline = Date.now() + 90_000;
  let connection: Connection | undefined;
  while (!connection) {
    if (child.exitCode !== null) throw new Error(`temporal server start-dev exited (${child.exitCode}): ${err}`);
    try {
      const c = await Connection.connect({ address, connectTimeout: '2s' });
      await c.healthService.check({});
      connection = c;
    } catch (e) {
      if (Date.now() > deadline) throw new Error(`dev server at ${address} not up within 90 s: ${(e as Error).message}\n${err}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  const client = new Client({ connection, namespace: 'default' });
  return {
    address,
    client,
    async countWorkflows() {
      const r = await connection!.workflowService.countWorkflowExecutions({ namespace: 'default', query: '' });
      return Number(r.count);
    },
    async stop() {
      await connection!.close().catch(() => undefined);
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await new Promise((r) => child.once('exit', r));
      }
    },
  };
}

/**
 * A scratch project directory with wanflow installed the way `npm install` of a package with a bin does it
 * (node_modules/.bin/wanflow), and the project's .npmrc, so `npx wanflow …` behaves as in the repo.
 */
export function projectDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'wanflow-user-'));
  mkdirSync(join(dir, 'node_modules', '.bin'), { recursive: true });
  symlinkSync(join(ROOT, 'bin', 'wanflow.js'), join(dir, 'node_modules', '.bin', 'wanflow'));
  copyFileSync(join(ROOT, '.npmrc'), join(dir, '.npmrc'));
  writeFileSync(join(dir, 'package.json'), '{ "private": true }\n');
  return dir;
}

/**
 * The environment of a user's shell: the machine's, minus anything wanflow or Temporal reads (the jest run's own
 * TEMPORAL_ADDRESS among them), with the given variables on top. XDG_CONFIG_HOME points at an empty directory, so no
 * ~/.config/temporalio/temporal.toml of this machine leaks in.
 */
export function userEnv(extra: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(TEMPORAL_|WANFLOW_|DASHSCOPE_|JEST_|npm_)/.test(k) && k !== 'TEMPORAL_CLI') continue;
    env[k] = v;
  }
  env.XDG_CONFIG_HOME = mkdtempSync(join(tmpdir(), 'wanflow-xdg-'));
  env.NODE_ENV = undefined;
  return { ...env, ...extra };
}

/** The Temporal CLI's directory first on PATH, so README lines that call `temporal` find it (as an installed CLI). */
export function withTemporalOnPath(env: Record<string, string | undefined>): Record<string, string | undefined> {
  const link = mkdtempSync(join(tmpdir(), 'wanflow-bin-'));
  symlinkSync(temporalCli(), join(link, 'temporal'));
  return { ...env, PATH: `${link}:${env.PATH ?? ''}` };
}
