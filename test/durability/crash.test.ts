/**
 * SIGKILL of the worker process at 15 points: before and after each call that changes remote state (upload, create job,
 * export, deploy, generate), and after each of them again with the response lost ("done, but the reply never came").
 * The worker is the real entry point (`tsx src/worker.ts`) in its own process group; after each kill a fresh worker
 * process takes over and the pipeline must finish with exactly one file, job, export and deployment, and nothing
 * orphaned.
 *
 * Kill points, detected without sleeps:
 *  - before: the emulator holds the call (`slow` fault, 3 s, before it acts) and the worker is killed once the held
 *    request has arrived (the fault rule is consumed). The dead client's request is then aborted: no effect. For the
 *    export (a GET with nothing to abort), the hold is on the activity's first request (its look-up of the checkpoint
 *    exports), which comes before the export call.
 *  - after: killed as soon as the request log shows the call's effect.
 *  - lost: the `lost` fault performs the call and drops the connection; killed as soon as the log shows it.
 * Three chains (one per kind) run at once, each with its own emulator, task queue, worker process and pipeline,
 * killing its worker at each of the five calls in turn.
 */
import { randomUUID } from 'node:crypto';
import type { RequestLogEntry } from '../../src/emulator';
import { startPipeline } from '../../src/pipelines';
import type { PipelineResult } from '../../src/workflows/types';
import { createBench, waitFor, type Bench } from '../helpers/pipeline';
import { activityRetries, checkEffects, durabilityInput, maybeRecordHistory, publishResults, type ScenarioRow } from '../helpers/durability';
import { spawnWorkerProcess, type WorkerProcess } from '../helpers/workerProcess';

jest.setTimeout(300_000);

type Kind = 'before' | 'after' | 'lost';
interface Call {
  name: string;
  activity: string;
  effect: string;
  method: string;
  path: string;
  /** The request held for a "before" kill, when it is not the call itself. */
  hold?: { method: string; path: string; count: number };
}

const CALLS: Call[] = [
  { name: 'upload', activity: 'uploadDataset', effect: 'file.created', method: 'POST', path: '^/compatible-mode/v1/files$' },
  { name: 'create job', activity: 'createFineTuneJob', effect: 'job.created', method: 'POST', path: '^/api/v1/fine-tunes$' },
  {
    name: 'export',
    activity: 'exportCheckpoint',
    effect: 'export.created',
    method: 'GET',
    path: '^/api/v1/fine-tunes/[^/]+/export/',
    // listCheckpoints reads the exports once, then exportCheckpoint looks its checkpoint up: hold the second read.
    hold: { method: 'GET', path: '^/api/v1/fine-tunes/[^/]+/checkpoints$', count: 2 },
  },
  { name: 'deploy', activity: 'createDeployment', effect: 'deployment.created', method: 'POST', path: '^/api/v1/deployments$' },
  { name: 'generate', activity: 'submitVideo', effect: 'task.created', method: 'POST', path: '/video-synthesis$' },
];

const HOLD_MS = 3000;
const rows: ScenarioRow[] = [];
const points: string[] = [];
const benches: Bench[] = [];
const workers = new Set<WorkerProcess>();

afterAll(async () => {
  for (const w of workers) await w.stop().catch(() => undefined);
  for (const b of benches) await b.close().catch(() => undefined);
});

async function arm(bench: Bench, call: Call, kind: Kind): Promise<void> {
  if (kind === 'after') return;
  const rule =
    kind === 'lost'
      ? { kind: 'lost', count: 1, method: call.method, path: call.path }
      : { kind: 'slow', delayMs: HOLD_MS, ...(call.hold ?? { method: call.method, path: call.path, count: 1 }) };
  await bench.admin('faults', { next: [rule] });
}

/** Resolves at the kill point of `call`: the held request arrived / the effect or the lost response is logged. */
async function killPoint(bench: Bench, call: Call, kind: Kind): Promise<void> {
  const re = new RegExp(call.path);
  const what = `${kind} ${call.name}`;
  if (kind === 'before') {
    await waitFor(async () => (((await bench.admin('faults')) as { next?: unknown[] }).next ?? []).length === 0, 120_000, what);
    return;
  }
  await waitFor(
    async () => (await bench.requests()).some((r: RequestLogEntry) => re.test(r.path) && r.method === call.method && (kind === 'lost' ? r.lostResponse : r.effect === call.effect)),
    120_000,
    what,
  );
}

async function chain(kind: Kind): Promise<ScenarioRow> {
  const started = Date.now();
  const bench = await createBench(`crash-${kind}`);
  benches.push(bench);
  const spawn = async () => {
    const w = await spawnWorkerProcess({ taskQueue: bench.taskQueue, baseUrl: bench.emulator.url });
    workers.add(w);
    return w;
  };
  const dataset = await bench.dataset('i2v', 12);
  const input = await durabilityInput(bench, dataset);
  let worker = await spawn();
  await arm(bench, CALLS[0], kind);
  const { handle } = await startPipeline(bench.temporal.client, input, { taskQueue: bench.taskQueue, workflowId: `crash-${kind}-${randomUUID().slice(0, 8)}` });

  let crashes = 0;
  for (let i = 0; i < CALLS.length; i++) {
    const call = CALLS[i];
    await killPoint(bench, call, kind);
    await worker.kill9();
    workers.delete(worker);
    crashes++;
    if (kind === 'before') {
      // The held request of the dead worker must not have acted.
      const effects = (await bench.requests()).filter((r) => r.effect === call.effect);
      expect({ point: `${kind} ${call.name}`, effects: effects.length }).toEqual({ point: `${kind} ${call.name}`, effects: 0 });
    }
    if (i + 1 < CALLS.length) await arm(bench, CALLS[i + 1], kind);
    worker = await spawn();
  }
  const result: PipelineResult = await handle.result();
  await worker.stop();
  workers.delete(worker);

  const log = await bench.requests();
  const check = await checkEffects(bench, [result], log);
  const { retries, byActivity } = await activityRetries(handle);
  for (const call of CALLS) points.push(`${kind} ${call.name}: ${call.activity} retried ${byActivity[call.activity] ?? 0}×`);
  const faults = log.filter((r) => r.fault).length;
  if (check.duplicates || check.orphans.length) {
    process.stderr.write(`${kind} log:\n${log.map((r) => `${r.seq} ${r.time} ${r.method} ${r.path} ${r.status} ${r.fault ?? ''} ${r.effect ?? ''} ${r.resourceId ?? ''}`).join('\n')}\n`);
  }
  points.push(`${kind}: effects ${JSON.stringify(check.counts)}; orphans ${JSON.stringify(check.orphans)}`);
  expect({ kind, duplicates: check.duplicates, counts: check.counts }).toMatchObject({ kind, duplicates: 0 });
  expect(check.orphans).toEqual([]);
  expect(check.counts).toMatchObject({ 'file.created': 1, 'job.created': 1, 'export.created': 1, 'deployment.created': 1 });
  expect(result.checkpoint).toMatch(/^checkpoint-\d+$/);
  expect(result.artifacts.videos).toHaveLength(1);
  expect((await handle.describe()).status.name).toBe('COMPLETED');
  await maybeRecordHistory(`crash-${kind}`, handle);
  return {
    scenario: `SIGKILL ${kind === 'lost' ? 'after a lost response of' : kind} each of upload, create job, export, deploy, generate`,
    pipelines: 1,
    crashes,
    faults,
    retries,
    duplicates: check.duplicates,
    extraTasks: check.extraTasks,
    orphans: check.orphans.length,
    wallMs: Date.now() - started,
  };
}

test('SIGKILL of the worker at 15 points: every pipeline succeeds with one file, job, export and deployment, nothing orphaned', async () => {
  const settled = await Promise.allSettled(((process.env.CRASH_KINDS?.split(',') ?? ['before', 'after', 'lost']) as Kind[]).map((k) => chain(k)));
  for (const s of settled) if (s.status === 'fulfilled') rows.push(s.value);
  publishResults('crash', rows, [
    ...points,
    'extra video tasks: submitVideo cannot find a task an earlier attempt created (no task list in the client or the emulator); counted, not yet prevented.',
  ]);
  const failures = settled.filter((s): s is PromiseRejectedResult => s.status === 'rejected').map((s) => s.reason as Error);
  if (failures.length > 0) throw new Error(failures.map((f) => f.stack ?? String(f)).join('\n\n'));
  expect(rows).toHaveLength(settled.length);
});
