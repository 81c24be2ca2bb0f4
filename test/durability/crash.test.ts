/**
 * SIGKILL of the worker process at 15 points: before and after each call that changes remote state (upload, create job,
 * export, deploy, generate), and after each of them again with the response lost ("done, but the reply never came").
 * The worker is the real entry point (`tsx src/worker.ts`) in its own process group; after each kill a fresh worker
 * process takes over and the pipeline must finish with exactly one file, job, export and deployment, and nothing
 * orphaned.
 *
 * Kill points, detected without sleeps:
 *  - before: the emulator holds a request (`slow` fault, 3 s, before it acts) and the worker is killed once the held
 *    request has arrived (the fault rule is consumed). For upload and export the held request is the activity's first
 *    read (the file list, the checkpoint exports), so the create is never sent. For create job, deploy and generate the
 *    held request is the create itself: nothing has acted when the worker dies; the server usually aborts the dead
 *    client's request, but may still complete one whose body had fully arrived (then it is a lost response; noted).
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
  {
    name: 'upload',
    activity: 'uploadDataset',
    effect: 'file.created',
    method: 'POST',
    path: '^/compatible-mode/v1/files$',
    // uploadDataset first lists the files (to reuse one of the same content): hold that read, so the upload never starts.
    hold: { method: 'GET', path: '^/compatible-mode/v1/files$', count: 1 },
  },
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

/** Once the held request of a "before" kill has been answered (after the hold): did it, or anything before it, act? */
async function heldOutcome(bench: Bench, call: Call): Promise<{ heldEffect: string | undefined; effectsBefore: number }> {
  const hold = call.hold ?? { method: call.method, path: call.path, count: 1 };
  const re = new RegExp(hold.path);
  const { log, held } = await waitFor(
    async () => {
      const log = await bench.requests();
      const matching = log.filter((r) => r.method === hold.method && re.test(r.path));
      return matching.length >= hold.count ? { log, held: matching[hold.count - 1] } : undefined;
    },
    30_000,
    `held request of before ${call.name} answered`,
  );
  return { heldEffect: held.effect, effectsBefore: log.filter((r) => r.effect === call.effect && r.seq < held.seq).length };
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
  const trace: string[] = [];
  const heldActed: string[] = [];
  for (let i = 0; i < CALLS.length; i++) {
    const call = CALLS[i];
    await killPoint(bench, call, kind);
    const killedPid = worker.pid;
    await worker.kill9();
    workers.delete(worker);
    crashes++;
    trace.push(`${new Date().toISOString()} killed worker ${killedPid} (${kind} ${call.name})`);
    if (i + 1 < CALLS.length) await arm(bench, CALLS[i + 1], kind);
    const [next, held] = await Promise.all([spawn(), kind === 'before' ? heldOutcome(bench, call) : undefined]);
    worker = next;
    if (held) {
      // Nothing had acted when the worker died. A held read (upload, export) cannot act; a held create whose body had fully
      // arrived may still be completed by the server after its client died: then this point is in effect a lost response.
      expect({ point: `before ${call.name}`, effectsBefore: held.effectsBefore }).toEqual({ point: `before ${call.name}`, effectsBefore: 0 });
      if (call.hold) expect(held.heldEffect).toBeUndefined();
      if (held.heldEffect) heldActed.push(call.name);
    }
  }
  const result: PipelineResult = await handle.result();
  await worker.stop();
  workers.delete(worker);

  const log = await bench.requests();
  const check = await checkEffects(bench, [result], log);
  const { retries, byActivity } = await activityRetries(handle);
  points.push(`${kind}: retries of the killed call: ${CALLS.map((c) => `${c.name} ${byActivity[c.activity] ?? 0}`).join(', ')}`);
  const faults = log.filter((r) => r.fault).length;
  if (check.duplicates || check.orphans.length) {
    process.stderr.write(`${kind} log:\n${log.map((r) => `${r.seq} ${r.time} ${r.method} ${r.path} ${r.status} ${r.fault ?? ''} ${r.effect ?? ''} ${r.resourceId ?? ''}`).join('\n')}\n`);
    const events = (await handle.fetchHistory()).events ?? [];
    const acts = events
      .filter((e) => e.activityTaskScheduledEventAttributes || e.activityTaskStartedEventAttributes || e.activityTaskCompletedEventAttributes || e.activityTaskFailedEventAttributes || e.activityTaskTimedOutEventAttributes)
      .map((e) => `${e.eventId} ${e.eventType} ${e.activityTaskScheduledEventAttributes?.activityType?.name ?? ''} attempt=${e.activityTaskStartedEventAttributes?.attempt ?? ''} ${e.activityTaskStartedEventAttributes?.identity ?? ''}`);
    process.stderr.write(`${kind} history:\n${acts.join('\n')}\n${trace.join('\n')}\n`);
  }
  points.push(`${kind}: effects ${JSON.stringify(check.counts)}${kind === 'before' ? `; held creates the server completed after the client died: ${heldActed.join(', ') || 'none'}` : ''}`);
  expect({ kind, duplicates: check.duplicates, extraTasks: check.extraTasks, counts: check.counts }).toMatchObject({ kind, duplicates: 0, extraTasks: 0 });
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
    'extra video tasks: a retried submit adopts the task its lost response hid (tasks.list); must be 0.',
  ]);
  const failures = settled.filter((s): s is PromiseRejectedResult => s.status === 'rejected').map((s) => s.reason as Error);
  if (failures.length > 0) throw new Error(failures.map((f) => f.stack ?? String(f)).join('\n\n'));
  expect(rows).toHaveLength(settled.length);
});
