/**
 * SIGKILL of the worker process at 15 points: before, inside and after a lost response of each call that changes
 * remote state (upload, create job, export, deploy, generate), plus one pipeline at the production defaults. The worker
 * is the real entry point (`node --import tsx src/worker.ts`) in its own process group; after each kill a fresh worker
 * process takes over and the pipeline must finish with exactly one file, job, export, deployment and video task, and
 * nothing orphaned.
 *
 * Kill points, detected without sleeps:
 *  - before: the emulator holds a request (`slow` fault, 3 s, before it acts) and the worker is killed once the held
 *    request has arrived (the fault rule is consumed). For upload and export the held request is the activity's first
 *    read (the file list, the checkpoint exports), so the create is never sent. For create job, deploy and generate the
 *    held request is the create itself: nothing has acted when the worker dies.
 *  - inside: the real crash window. The emulator's `hold` test fault performs the create and holds its reply; the
 *    worker is killed once the log shows the effect, and the emulator then records that the client's connection closed
 *    while the reply was held (the worker died before it could report).
 *  - lost: the `lost` fault performs the call and drops the connection; killed as soon as the log shows it.
 * Proof, per kill, from the emulator's log and the Temporal history (not from assumptions): the killed activity's
 * final attempt is ≥ 2, ran on a worker process started after the kill (its identity `<pid>@<host>`), after a timeout
 * of the dead attempt (inside, before); the call's effect is in the log exactly once, and for inside it is the one the
 * dead worker's request made (same resource id as the result).
 *
 * Production defaults: one more pipeline on a worker with src/config.ts's defaults (12 API calls/s, 60 s request
 * timeout) and the pipeline's default recovery timeouts (uploads: 1 min heartbeat), killed inside the upload. Only the
 * upload, to keep the added time near the 1 min heartbeat timeout: a kill inside an API call would wait 2 min.
 * Polls stay at 200 ms (polling intervals are not recovery timeouts).
 * All chains run at once, each with its own emulator, task queue, worker process and pipeline.
 */
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import type { RequestLogEntry } from '../../src/emulator';
import { startPipeline } from '../../src/pipelines';
import type { PipelineInput } from '../../src/workflows/input';
import type { PipelineResult } from '../../src/workflows/types';
import { createBench, waitFor, type Bench } from '../helpers/pipeline';
import { activityRetries, durabilityInput, failOnProblems, maybeRecordHistory, publishResults, Scenario, type ScenarioRow } from '../helpers/durability';
import { spawnWorkerProcess, type WorkerProcess } from '../helpers/processes';

jest.setTimeout(420_000);

type Kind = 'before' | 'inside' | 'lost' | 'defaults';
interface Call {
  name: string;
  activity: string;
  effect: string;
  method: string;
  path: string;
  /** The request held for a "before" kill, when it is not the call itself. */
  hold?: { method: string; path: string; count: number };
  /** The resource id the result names for this call's effect. */
  resultId: (r: PipelineResult) => string | undefined;
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
    resultId: (r) => r.fileId,
  },
  { name: 'create job', activity: 'createFineTuneJob', effect: 'job.created', method: 'POST', path: '^/api/v1/fine-tunes$', resultId: (r) => r.jobId },
  {
    name: 'export',
    activity: 'exportCheckpoint',
    effect: 'export.created',
    method: 'GET',
    path: '^/api/v1/fine-tunes/[^/]+/export/',
    // listCheckpoints reads the exports once, then exportCheckpoint looks its checkpoint up: hold the second read.
    hold: { method: 'GET', path: '^/api/v1/fine-tunes/[^/]+/checkpoints$', count: 2 },
    resultId: (r) => `${r.jobId}/${r.checkpoint}`,
  },
  { name: 'deploy', activity: 'createDeployment', effect: 'deployment.created', method: 'POST', path: '^/api/v1/deployments$', resultId: (r) => r.deployedModel },
  // The result names the video file, not its task: the task id is checked against the log's only task.created.
  { name: 'generate', activity: 'submitVideo', effect: 'task.created', method: 'POST', path: '/video-synthesis$', resultId: () => undefined },
];

const HOLD_MS = 3000;
const benches: Bench[] = [];
const workers = new Set<WorkerProcess>();

afterAll(async () => {
  for (const w of workers) await w.stop().catch(() => undefined);
  for (const b of benches) await b.close().catch(() => undefined);
});

const identityOf = (pid: number) => `${pid}@${hostname()}`;

async function arm(bench: Bench, call: Call, kind: Kind): Promise<void> {
  const rule =
    kind === 'lost'
      ? { kind: 'lost', count: 1, method: call.method, path: call.path }
      : kind === 'before'
        ? { kind: 'slow', delayMs: HOLD_MS, ...(call.hold ?? { method: call.method, path: call.path, count: 1 }) }
        : { kind: 'hold', count: 1, method: call.method, path: call.path, delayMs: 300_000 };
  await bench.admin('faults', { next: [rule] });
}

const matches = (r: RequestLogEntry, method: string, path: string) => r.method === method && new RegExp(path).test(r.path);

/** Resolves at the kill point of `call`: the held request arrived / the effect is done with its reply held / lost. */
async function killPoint(bench: Bench, call: Call, kind: Kind): Promise<RequestLogEntry | undefined> {
  const what = `${kind} ${call.name}`;
  if (kind === 'before') {
    await waitFor(async () => (((await bench.admin('faults')) as { next?: unknown[] }).next ?? []).length === 0, 180_000, what);
    return undefined;
  }
  return waitFor(
    async () =>
      (await bench.requests()).find((r) => matches(r, call.method, call.path) && r.effect === call.effect && (kind === 'lost' ? r.lostResponse : r.heldResponse)),
    180_000,
    what,
  );
}

/** Once the held request of a "before" kill has been answered (after the hold): did it, or anything before it, act? */
async function heldOutcome(bench: Bench, call: Call): Promise<{ heldEffect: string | undefined; effectsBefore: number }> {
  const hold = call.hold ?? { method: call.method, path: call.path, count: 1 };
  const { log, held } = await waitFor(
    async () => {
      const log = await bench.requests();
      const matching = log.filter((r) => matches(r, hold.method, hold.path));
      return matching.length >= hold.count ? { log, held: matching[hold.count - 1] } : undefined;
    },
    30_000,
    `held request of before ${call.name} answered`,
  );
  return { heldEffect: held.effect, effectsBefore: log.filter((r) => r.effect === call.effect && r.seq < held.seq).length };
}

interface ActivityAttempt {
  attempt: number;
  identity: string;
  /** The failure of the attempt before this one, as the server recorded it. */
  lastFailure: string | undefined;
}

/** temporal.api.enums.v1.TimeoutType (histories fetched by the client carry the number). */
const TIMEOUT_TYPES: Record<number, string> = { 1: 'START_TO_CLOSE', 2: 'SCHEDULE_TO_START', 3: 'SCHEDULE_TO_CLOSE', 4: 'HEARTBEAT' };

/** The final attempt of each scheduled activity of a type (ActivityTaskStarted is written once, for the last attempt). */
async function attemptsOf(handle: WorkflowHandle, activityType: string): Promise<ActivityAttempt[]> {
  const events = (await handle.fetchHistory()).events ?? [];
  const scheduled = new Set(events.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === activityType).map((e) => String(e.eventId)));
  return events
    .map((e) => e.activityTaskStartedEventAttributes)
    .filter((st): st is NonNullable<typeof st> => !!st && scheduled.has(String(st.scheduledEventId)))
    .map((st) => {
      const f = st.lastFailure;
      const lastFailure = f ? (f.timeoutFailureInfo ? `timeout ${TIMEOUT_TYPES[Number(f.timeoutFailureInfo.timeoutType)] ?? String(f.timeoutFailureInfo.timeoutType)}` : `${f.applicationFailureInfo?.type ?? 'failure'}: ${f.message}`) : undefined;
      return { attempt: st.attempt ?? 1, identity: st.identity ?? '', lastFailure };
    });
}

interface Kill {
  call: Call;
  killedIdentity: string;
  /** Index in the spawned identities of the first worker started after this kill. */
  spawnedIndex: number;
  /** The logged effect of the killed request (inside, lost). */
  entry?: RequestLogEntry;
}

const SCENARIO: Record<Kind, string> = {
  before: 'SIGKILL before each of upload, create job, export, deploy, generate',
  inside: 'SIGKILL inside the window (effect done, reply held) of each of upload, create job, export, deploy, generate',
  lost: 'SIGKILL after a lost response of each of upload, create job, export, deploy, generate',
  defaults: 'production defaults (12 API calls/s, 1 min heartbeat / 2 min call recovery): SIGKILL inside the upload window',
};

async function chain(kind: Kind, notes: string[]): Promise<{ row: ScenarioRow; problems: string[] }> {
  const sc = new Scenario(SCENARIO[kind]);
  let bench: Bench | undefined;
  const calls = kind === 'defaults' ? CALLS.slice(0, 1) : CALLS;
  return sc.run(() => bench, async () => {
    bench = await createBench(`crash-${kind}`);
    benches.push(bench);
    const b = bench;
    const spawned: string[] = [];
    const spawn = async () => {
      const w = await spawnWorkerProcess({ taskQueue: b.taskQueue, baseUrl: b.emulator.url, productionDefaults: kind === 'defaults' });
      workers.add(w);
      spawned.push(identityOf(w.pid));
      return w;
    };
    const dataset = await b.dataset('i2v', 12);
    let input: PipelineInput = await durabilityInput(b, dataset);
    if (kind === 'defaults') {
      const { timeouts: _fast, ...rest } = input;
      input = rest;
    }
    let worker = await spawn();
    await arm(b, calls[0], kind);
    const { handle } = await startPipeline(b.temporal.client, input, { taskQueue: b.taskQueue, workflowId: `crash-${kind}-${randomUUID().slice(0, 8)}` });
    sc.track(handle);

    const kills: Kill[] = [];
    const heldActed: string[] = [];
    for (let i = 0; i < calls.length; i++) {
      const call = calls[i];
      const entry = await killPoint(b, call, kind);
      const killedIdentity = identityOf(worker.pid);
      await worker.kill9();
      workers.delete(worker);
      sc.crashes++;
      if (i + 1 < calls.length) await arm(b, calls[i + 1], kind);
      kills.push({ call, killedIdentity, spawnedIndex: spawned.length, entry });
      const [next, held] = await Promise.all([spawn(), kind === 'before' ? heldOutcome(b, call) : undefined]);
      worker = next;
      if (kind === 'before') {
        // Nothing had acted when the worker died. A held read (upload, export) cannot act; a held create whose body had
        // fully arrived may still be completed by the server after its client died (then it is in effect a lost response).
        sc.expect(held!.effectsBefore === 0, `before ${call.name}: ${held!.effectsBefore} ${call.effect} before the held request`);
        sc.expect(!call.hold || held!.heldEffect === undefined, `before ${call.name}: the held read acted (${held!.heldEffect})`);
        if (held!.heldEffect) heldActed.push(call.name);
      }
      if (kind === 'inside' || kind === 'defaults') {
        // The emulator saw the dead worker's connection close while it held the reply: the kill was inside the window.
        const closed = await waitFor(
          async () => (await b.requests()).find((r) => r.seq === entry!.seq && r.clientClosedWhileHeld),
          30_000,
          `inside ${call.name}: the emulator to see the held client's connection close`,
        ).catch(() => undefined);
        sc.expect(closed !== undefined, `inside ${call.name}: the emulator never saw the held client's connection close`);
      }
    }
    const result: PipelineResult = await handle.result();
    await worker.stop();
    workers.delete(worker);

    const log = await b.requests();
    const perCall: string[] = [];
    for (const k of kills) {
      const c = k.call;
      const attempts = await attemptsOf(handle, c.activity);
      const effects = log.filter((r) => r.effect === c.effect);
      const last = attempts.at(-1);
      const later = spawned.slice(k.spawnedIndex);
      perCall.push(`${c.name} attempt ${last?.attempt ?? '?'} by ${last?.identity === k.killedIdentity ? 'the killed worker' : 'a later worker'} after ${last?.lastFailure ?? 'no failure'}, ${effects.length} ${c.effect}`);
      const p = `${kind} ${c.name}`;
      sc.expect(attempts.length === 1, `${p}: ${attempts.length} scheduled ${c.activity}`);
      sc.expect(effects.length === 1, `${p}: ${effects.length} ${c.effect} in the log (exactly 1)`);
      sc.expect((last?.attempt ?? 0) >= 2, `${p}: ${c.activity} final attempt ${last?.attempt}: the killed attempt was not retried`);
      sc.expect(last !== undefined && last.identity !== k.killedIdentity && later.includes(last.identity), `${p}: final attempt ran on ${last?.identity}, not on a worker started after the kill of ${k.killedIdentity} (${later.join(', ')})`);
      if (kind !== 'lost') sc.expect(/^timeout /.test(last?.lastFailure ?? ''), `${p}: the dead attempt should end in a timeout, got ${last?.lastFailure}`);
      if (k.entry) {
        sc.expect(effects[0]?.seq === k.entry.seq, `${p}: the one ${c.effect} is not the killed request's (seq ${effects[0]?.seq} vs ${k.entry.seq})`);
        const want = c.resultId(result);
        sc.expect(want === undefined || k.entry.resourceId === want, `${p}: the result names ${want}, the killed request created ${k.entry.resourceId}`);
      }
    }
    const { byActivity } = await activityRetries(handle);
    notes.push(`${kind}: ${perCall.join('; ')}${kind === 'before' ? `; held creates the server completed after the client died: ${heldActed.join(', ') || 'none'}` : ''}`);
    notes.push(`${kind}: retries by activity ${JSON.stringify(byActivity)}`);
    sc.expect(/^checkpoint-\d+$/.test(result.checkpoint), `checkpoint ${result.checkpoint}`);
    sc.expect(result.artifacts.videos.length === 1, `${result.artifacts.videos.length} videos`);
    await maybeRecordHistory(`crash-${kind}`, handle);
  });
}

test('SIGKILL of the worker at 15 points and once at production defaults: each killed call retried by a new worker, every effect once', async () => {
  const kinds = (process.env.CRASH_KINDS?.split(',') ?? ['before', 'inside', 'lost', 'defaults']) as Kind[];
  const notes: string[] = [];
  const outcomes = await Promise.all(kinds.map((k) => chain(k, notes)));
  publishResults(
    'crash',
    outcomes.map((o) => o.row),
    [...notes.sort(), 'extra video tasks: a retried submit adopts the task its lost response hid (tasks.list); must be 0.', 'outcome: every check of the scenario (the row is written either way).'],
  );
  failOnProblems(outcomes);
  expect(outcomes.map((o) => o.row.outcome)).toEqual(kinds.map(() => 'passed'));
});
