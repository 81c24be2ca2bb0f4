/**
 * Bad input and final failures: each case ends with its expected, clear outcome within a bounded number of attempts,
 * and leaves nothing of its own live on the (emulated) service. Prints a table and writes it to bad-input.md.
 */
import { createWriteStream, readFileSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { randomUUID } from 'node:crypto';
import { ZipFile } from 'yazl';
import { WorkflowFailedError, WorkflowUpdateFailedError } from '@temporalio/client';
import { CancelledFailure } from '@temporalio/common';
import { planTraining, PlanError } from '../../src/catalog';
import { DashScope } from '../../src/dashscope';
import { inspectDataset, sha256File } from '../../src/dataset';
import { startPipeline } from '../../src/pipelines';
import { createWorker } from '../../src/worker';
import { approveCheckpointUpdate, statusQuery } from '../../src/workflows/messages';
import { shortHash } from '../../src/workflows/util';
import { DEFAULT_AIGC_CONFIG, type PipelineInput } from '../../src/workflows/input';
import { createBench, effectCounts, waitFor, workflowBundle, type Bench } from '../helpers/pipeline';
import { emulatorState, failureOf, markdownTable, orphansOf, type FailureOutcome } from '../helpers/outcomes';
import { startStatusProxy } from '../helpers/statusProxy';
import { uniqueTaskQueue } from '../helpers/temporal';
import { maybeRecordHistory } from '../helpers/histories';

jest.setTimeout(120_000);

let bench: Bench;
const rows: (string | number)[][] = [];
const stoppers: (() => Promise<void>)[] = [];
const wid = (name: string) => `bad-${name}-${randomUUID().slice(0, 8)}`;
/** Small trainings (wan2.2-i2v-flash, 12 samples: 1200 steps, checkpoints at 300, 600, 900, 1200). */
/** Placeholder for inputs whose source is replaced by an existing model. */
const NO_DATASET = { path: 'unused', sha256: '' };
const SMALL = { n_epochs: '400', eval_epochs: '100' };

beforeAll(async () => {
  bench = await createBench('bad-input');
  await bench.startWorker();
});
afterAll(async () => {
  for (const s of stoppers) await s().catch(() => undefined);
  await bench?.close();
  if (rows.length > 0) {
    const table = markdownTable(['case', 'expected', 'outcome', 'attempts', 'orphans'], rows);
    process.stdout.write(`\n${table}\n`);
    writeFileSync(
      join(__dirname, 'bad-input.md'),
      `# Bad input and final failures\n\nWritten by test/durability/bad-input.test.ts (${new Date().toISOString()}).\n` +
        `"attempts" is the failing activity's attempt number from history ("-": raised by the workflow or rejected before any activity).\n` +
        `"orphans": jobs this case created still training, deployments it created still there (the adopted one excepted).\n` +
        `403: the emulator's only API 403 (synchronous video synthesis) is unreachable through the client and its fault API cannot force a status, ` +
        `so a forwarding proxy (test/helpers/statusProxy.ts) answers the job creation with the service's 403 AccessDenied body.\n\n${table}\n`,
    );
  }
});

function outcomeText(o: { type: string; message: string }): string {
  return `${o.type}: ${o.message.replace(/\s+/g, ' ').slice(0, 80)}`;
}

type Outcome = FailureOutcome | { type: string; message: string; attempts: number | '-' };
interface CaseContext {
  /** Registers the measured outcome as soon as it is known (so a later failed assertion still has it in its row). */
  note<T extends Outcome>(o: T): T;
  /** Deployments this case expects to stay (adopted ones). */
  keep: string[];
}

/**
 * A bad-input case whose row is written whatever happens: the body runs, then orphans are measured on the service; the
 * row carries the measured outcome, attempts and orphans, and 'FAILED: …' when an assertion or the orphan check failed
 * (the test then fails too).
 */
function badCase(title: string, name: string, expected: string, body: (c: CaseContext) => Promise<void>): void {
  test(title, async () => {
    let outcome: Outcome | undefined;
    const ctx: CaseContext = {
      note: (o) => {
        outcome = o;
        return o;
      },
      keep: [],
    };
    await bench.admin('requests', undefined, 'DELETE');
    let error: unknown;
    try {
      await body(ctx);
    } catch (err) {
      error = err;
    }
    // A job being canceled settles in 30 emulated seconds; wait for it so a CANCELING job is not mistaken for a clean one.
    let orphans: string[] | string;
    try {
      await waitFor(async () => !(await emulatorState(bench)).jobs.some((j) => j.status === 'CANCELING'), 30_000, 'no CANCELING jobs');
      orphans = await orphansOf(bench, undefined, ctx.keep);
    } catch (err) {
      orphans = `not measured: ${(err as Error).message}`;
    }
    const failed = error ? `FAILED: ${String((error as Error).message ?? error).split('\n').filter(Boolean).slice(0, 2).join(' ').slice(0, 120)}` : '';
    rows.push([name, expected, `${outcome ? outcomeText(outcome) : 'no outcome'}${failed ? ` — ${failed}` : ''}`, outcome?.attempts ?? '?', typeof orphans === 'string' ? orphans : orphans.length]);
    if (error) throw error;
    expect(orphans).toEqual([]);
  });
}

/** A fine-tune job of its own, trained to SUCCEEDED through the client (checkpoints 300…1200), for cases that need one. */
async function trainedJob(): Promise<{ jobId: string; finetunedOutput: string }> {
  const file = await bench.dashscope.files.upload((await bench.dataset('i2v', 12)).path);
  const job = await bench.dashscope.fineTunes.create({ model: 'wan2.2-i2v-flash', training_file_ids: [file.id], training_type: 'efficient_sft', hyper_parameters: { n_epochs: 400, eval_epochs: 100 } });
  const done = await waitFor(async () => {
    const j = await bench.dashscope.fineTunes.retrieve(job.job_id);
    return ['SUCCEEDED', 'FAILED', 'CANCELED'].includes(j.status) ? j : undefined;
  }, 90_000, `job ${job.job_id} to finish`);
  if (done.status !== 'SUCCEEDED' || !done.finetuned_output) throw new Error(`training of ${job.job_id} ended ${done.status}`);
  return { jobId: done.job_id, finetunedOutput: done.finetuned_output };
}

async function extraWorker(dashscope: DashScope): Promise<string> {
  const taskQueue = uniqueTaskQueue('bad-input-extra');
  const worker = await createWorker({
    connection: bench.temporal.nativeConnection,
    namespace: bench.temporal.namespace,
    taskQueue,
    dashscope,
    worker: { workflowBundle: await workflowBundle() },
  });
  const running = worker.run();
  stoppers.push(async () => {
    if (worker.getState() === 'RUNNING') worker.shutdown();
    await running;
    await dashscope.close?.();
  });
  return taskQueue;
}

/** A 12-line i2v dataset whose data.jsonl references video_011.mp4, which the zip does not contain. */
async function datasetMissingFile(): Promise<{ path: string; sha256: string }> {
  const media = join(__dirname, '../../assets/media');
  const zip = new ZipFile();
  const lines: string[] = [];
  for (let i = 0; i < 12; i++) {
    const first = `image_${i}.jpg`;
    const video = `video_${String(i).padStart(3, '0')}.mp4`;
    lines.push(JSON.stringify({ prompt: `sample ${i}: a cat turns its head`, first_frame_path: first, video_path: video }));
    zip.addBuffer(readFileSync(join(media, 'frame.jpg')), first);
    if (i !== 11) zip.addBuffer(readFileSync(join(media, 'clip-2s.mp4')), video);
  }
  zip.addBuffer(Buffer.from(lines.join('\n') + '\n'), 'data.jsonl');
  zip.end();
  const dir = join(bench.dir, 'hostile');
  await mkdir(dir, { recursive: true });
  const path = join(dir, 'missing-file.zip');
  await pipeline(zip.outputStream, createWriteStream(path));
  return { path, sha256: await sha256File(path) };
}

async function run(name: string, input: PipelineInput, taskQueue = bench.taskQueue) {
  await bench.admin('requests', undefined, 'DELETE');
  const { handle } = await startPipeline(bench.temporal.client, input, { taskQueue, workflowId: wid(name) });
  return handle;
}

badCase('5 samples: DatasetInvalid naming the 10-sample minimum, 1 attempt, nothing uploaded', '5 samples', 'DatasetInvalid, no upload', async ({ note, keep }) => {
  const handle = await run('few', bench.input('wan2.2-i2v-flash', await bench.dataset('i2v', 5)));
  const o = note(await failureOf(handle));
  expect(o).toMatchObject({ type: 'DatasetInvalid', activity: 'inspectAndPlan', attempts: 1 });
  expect(o.message).toMatch(/10/);
  expect(effectCounts(await bench.requests())['file.created'] ?? 0).toBe(0);
});

badCase('a referenced file missing from the zip: DatasetInvalid naming the file, 1 attempt, nothing uploaded', 'missing video_011.mp4', 'DatasetInvalid naming the file', async ({ note, keep }) => {
  const handle = await run('missing', bench.input('wan2.2-i2v-flash', await datasetMissingFile()));
  const o = note(await failureOf(handle));
  expect(o).toMatchObject({ type: 'DatasetInvalid', attempts: 1 });
  expect(o.message).toContain('video_011.mp4');
  expect(effectCounts(await bench.requests())['file.created'] ?? 0).toBe(0);
});

badCase('n_epochs 100 (< 800 steps): PlanInvalid with the catalog message, 1 attempt', 'n_epochs=100', 'PlanInvalid, catalog message', async ({ note, keep }) => {
  const dataset = await bench.dataset('i2v', 12);
  const report = await inspectDataset(dataset.path, { model: 'wan2.2-i2v-flash', kind: 'training' });
  let catalogMessage = '';
  try {
    planTraining('wan2.2-i2v-flash', report.stats, { n_epochs: '100' }, { hasValidationSet: false });
  } catch (err) {
    if (err instanceof PlanError) catalogMessage = err.message;
  }
  expect(catalogMessage).toMatch(/800/);
  const handle = await run('plan', bench.input('wan2.2-i2v-flash', dataset, { hyperParameters: { n_epochs: '100' } }));
  const o = note(await failureOf(handle));
  expect(o).toMatchObject({ type: 'PlanInvalid', activity: 'inspectAndPlan', attempts: 1, message: catalogMessage });
  expect(effectCounts(await bench.requests())['file.created'] ?? 0).toBe(0);
});

badCase('an unknown model is rejected at start, naming the field; no workflow starts', 'model wan9.9-i2v-turbo', 'rejected at start naming `model`', async ({ note }) => {
  const workflowId = wid('model');
  await bench.admin('requests', undefined, 'DELETE');
  const input = { ...bench.input('wan2.2-i2v-flash', await bench.dataset('i2v', 12)), model: 'wan9.9-i2v-turbo' } as unknown as PipelineInput;
  const err = (await startPipeline(bench.temporal.client, input, { taskQueue: bench.taskQueue, workflowId }).catch((e: unknown) => e)) as Error;
  // Measured: the workflow executions with that id (so no activity attempt could run), and the service calls made.
  const executions: string[] = [];
  for await (const w of bench.temporal.client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) executions.push(w.runId);
  const describe = await bench.temporal.client.workflow.getHandle(workflowId).describe().then(() => 'exists', (e: Error) => e.name);
  note({ type: err?.name ?? 'none', message: err?.message ?? 'not rejected', attempts: executions.length === 0 && describe === 'WorkflowNotFoundError' ? '-' : executions.length });
  expect(err).toBeInstanceOf(Error);
  expect(err.message).toMatch(/\bmodel\b/);
  expect(describe).toBe('WorkflowNotFoundError');
  expect(executions).toEqual([]);
  expect(await bench.requests()).toEqual([]);
});

badCase('a wrong API key: AuthenticationError after exactly 1 attempt, one 401 request', 'wrong API key (401)', 'AuthenticationError, 1 attempt', async ({ note, keep }) => {
  const taskQueue = await extraWorker(new DashScope({ apiKey: 'sk-wrong-key-for-this-test', baseUrl: bench.emulator.url, timeoutMs: 30_000 }));
  const handle = await run('401', bench.input('wan2.2-i2v-flash', await bench.dataset('i2v', 12)), taskQueue);
  const o = note(await failureOf(handle));
  expect(o).toMatchObject({ type: 'AuthenticationError', activity: 'uploadDataset', attempts: 1 });
  const log = await bench.requests();
  expect(log.filter((r) => r.status === 401)).toHaveLength(1);
  expect(log.filter((r) => r.status !== 401)).toHaveLength(0);
});

badCase('403 AccessDenied on job creation: PermissionDeniedError after exactly 1 attempt, no job', '403 on job create (proxy)', 'PermissionDeniedError, 1 attempt', async ({ note, keep }) => {
  // The emulator's only API 403 (synchronous video synthesis) is unreachable through the client, and its fault API
  // cannot force a status; a forwarding proxy answers the job creation with the service's 403 body instead.
  const proxy = await startStatusProxy(bench.emulator.url, [
    {
      method: 'POST',
      path: /^\/api\/v1\/fine-tunes\/?$/,
      status: 403,
      body: { code: 'AccessDenied', message: 'Access denied: this workspace may not fine-tune wan2.2-i2v-flash.', request_id: randomUUID() },
    },
  ]);
  stoppers.push(() => proxy.close());
  const taskQueue = await extraWorker(new DashScope({ apiKey: 'sk-wanflow-emulator', baseUrl: proxy.url, timeoutMs: 30_000 }));
  const handle = await run('403', bench.input('wan2.2-i2v-flash', await bench.dataset('i2v', 12)), taskQueue);
  const o = note(await failureOf(handle));
  expect(o).toMatchObject({ type: 'PermissionDeniedError', activity: 'createFineTuneJob', attempts: 1 });
  expect(o.message).toMatch(/Access denied/);
  expect(proxy.answered).toHaveLength(1);
  expect(effectCounts(await bench.requests())['job.created'] ?? 0).toBe(0);
});

badCase('a job that FAILS with a message: FineTuneJobFailed carrying it', 'job FAILED (scenario)', 'FineTuneJobFailed with the message', async ({ note, keep }) => {
  const message = 'data process error: video_003.mp4 cannot be decoded (moov atom not found)';
  await bench.admin('scenario/job-failure', { message, atFraction: 0.4 });
  const handle = await run('jobfail', bench.input('wan2.2-i2v-flash', await bench.dataset('i2v', 12), { hyperParameters: SMALL }));
  const o = note(await failureOf(handle));
  expect(o).toMatchObject({ type: 'FineTuneJobFailed', activity: 'workflow' });
  expect(o.message).toContain(message);
});

for (const outcome of ['FAILED', 'UNSUPPORTED'] as const) {
  badCase(`an export that ends ${outcome}: ExportFailed, bounded polls`, `export ${outcome} (scenario)`, 'ExportFailed', async ({ note, keep }) => {
    const handle = await run(`export-${outcome}`, bench.input('wan2.2-i2v-flash', await bench.dataset('i2v', 12), { hyperParameters: SMALL, checkpoint: { policy: 'named', name: 'checkpoint-600' } }));
    // The knob applies to the next export; set it while the job trains (before the pipeline exports).
    await bench.admin('scenario/export-outcome', { outcome });
    const o = note(await failureOf(handle));
    expect(o).toMatchObject({ type: 'ExportFailed', activity: 'pollExport' });
    expect(o.message).toContain(outcome);
    // Each pollExport attempt reads the job's exports once: the attempts are exactly the reads after the export, and
    // the export (5 emulated minutes, 150 ms at scale 2000) ends within a few 200 ms polls.
    const log = await bench.requests();
    const exported = log.find((r) => r.effect === 'export.created')!;
    const reads = log.filter((r) => r.seq > exported.seq && r.method === 'GET' && /\/checkpoints$/.test(r.path));
    expect(o.attempts).toBe(reads.length);
    expect(o.attempts).toBeLessThanOrEqual(5);
    expect(effectCounts(log)['deployment.created'] ?? 0).toBe(0);
  });
}

badCase('an unknown named checkpoint: CheckpointUnknown listing the real ones', 'checkpoint-7 (named)', 'CheckpointUnknown', async ({ note, keep }) => {
  const handle = await run('named', bench.input('wan2.2-i2v-flash', await bench.dataset('i2v', 12), { hyperParameters: SMALL, checkpoint: { policy: 'named', name: 'checkpoint-7' } }));
  const o = note(await failureOf(handle));
  expect(o).toMatchObject({ type: 'CheckpointUnknown', activity: 'workflow' });
  expect(o.message).toMatch(/checkpoint-7.*checkpoint-300.*checkpoint-600/);
  expect(effectCounts(await bench.requests())['export.created'] ?? 0).toBe(0);
});

badCase('approve with an unknown checkpoint: the Update is rejected listing the candidates', 'approve checkpoint-7', 'Update rejected, candidates listed', async ({ note, keep }) => {
  const handle = await run('approve', bench.input('wan2.2-i2v-flash', await bench.dataset('i2v', 12), { hyperParameters: SMALL, checkpoint: { policy: 'manual', approvalTimeout: '10m', fallback: 'fail' } }));
  const status = await waitFor(async () => {
    const s = await handle.query(statusQuery);
    return s.stage === 'awaiting-approval' ? s : undefined;
  }, 60_000, 'awaiting-approval');
  const candidates = status.awaitingApproval!.candidates;
  expect(candidates.length).toBeGreaterThan(1);
  const err = (await handle.executeUpdate(approveCheckpointUpdate, { args: ['checkpoint-7'] }).catch((e: unknown) => e)) as WorkflowUpdateFailedError;
  expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
  const why = (err.cause as Error).message;
  note({ type: 'WorkflowUpdateFailedError', message: why, attempts: '-' });
  for (const c of candidates) expect(why).toContain(c);
  expect((await handle.query(statusQuery)).stage).toBe('awaiting-approval');
  // End it: cancel (nothing to clean: the job finished, nothing deployed).
  await handle.cancel();
  const end = (await handle.result().catch((e: unknown) => e)) as WorkflowFailedError;
  expect(end.cause).toBeInstanceOf(CancelledFailure);
});

badCase('an export model_name someone else holds (409): ModelNameTaken, 1 attempt', 'export model_name taken (409)', 'ModelNameTaken, 1 attempt', async ({ note, keep }) => {
  const other = await trainedJob();
  await bench.admin('requests', undefined, 'DELETE');
  const workflowId = wid('name409');
  const { handle } = await startPipeline(
    bench.temporal.client,
    bench.input('wan2.2-i2v-flash', await bench.dataset('i2v', 12), { hyperParameters: SMALL, checkpoint: { policy: 'named', name: 'checkpoint-600' } }),
    { taskQueue: bench.taskQueue, workflowId },
  );
  // The pipeline will export as wanflow-<hash of workflow id and first run id>-c600: take that name first, elsewhere.
  const taken = `wanflow-${shortHash(`${workflowId}/${(await handle.describe()).runId}`)}-c600`;
  expect(await bench.dashscope.fineTunes.export(other.jobId, 'checkpoint-900', taken)).toBe(true);
  const o = note(await failureOf(handle));
  expect(o).toMatchObject({ type: 'ModelNameTaken', activity: 'exportCheckpoint', attempts: 1 });
  expect(o.message).toContain(taken);
  const log = await bench.requests();
  expect(log.filter((r) => r.path.includes('/export/') && r.status === 409)).toHaveLength(1);
});

badCase('a deployment that goes FAILED while polled: DeploymentFailed with the API message; the pipeline deletes it', 'deployment FAILED (scenario)', 'DeploymentFailed with message; deleted', async ({ note, keep }) => {
  const model = (await trainedJob()).finetunedOutput;
  const message = 'Deployment failed: insufficient GPU resources in ap-southeast-1.';
  await bench.admin('requests', undefined, 'DELETE');
  // Hold the first status check long enough to force the status before the pipeline reads it.
  await bench.admin('faults', { next: [{ kind: 'slow', method: 'GET', path: '^/api/v1/deployments/[^/]+$', count: 1, delayMs: 2000 }] });
  const { handle } = await startPipeline(bench.temporal.client, bench.input('wan2.2-i2v-flash', NO_DATASET, { source: { kind: 'model', modelName: model } }), {
    taskQueue: bench.taskQueue,
    workflowId: wid('depfail'),
  });
  await waitFor(async () => (await bench.requests()).some((r) => r.effect === 'deployment.created'), 30_000, 'deployment.created');
  await bench.admin('scenario/deployment-status', { deployedModel: model, status: 'FAILED', message });
  const o = note(await failureOf(handle));
  expect(o).toMatchObject({ type: 'DeploymentFailed', activity: 'pollDeployment', attempts: 1 });
  expect(o.message).toContain(message);
  expect(effectCounts(await bench.requests())).toMatchObject({ 'deployment.created': 1, 'deployment.deleted': 1 });
  await maybeRecordHistory('deployment-failed', handle);
});

badCase('a deployment of that name already exists (409): the pipeline adopts it, and on ARREARS_DOWN fails without deleting it', 'deploy name exists (409) + ARREARS_DOWN', 'adopted; DeploymentFailed; kept', async ({ note, keep }) => {
  const model = (await trainedJob()).finetunedOutput;
  keep.push(model);
  const message = 'The account is in arrears; top up to resume the service.';
  await bench.dashscope.deployments.create({ model_name: model, capacity: 1, plan: 'lora', aigc_config: DEFAULT_AIGC_CONFIG });
  await bench.admin('scenario/deployment-status', { deployedModel: model, status: 'ARREARS_DOWN', message });
  await bench.admin('requests', undefined, 'DELETE');
  const { handle } = await startPipeline(bench.temporal.client, bench.input('wan2.2-i2v-flash', NO_DATASET, { source: { kind: 'model', modelName: model } }), {
    taskQueue: bench.taskQueue,
    workflowId: wid('adopt'),
  });
  const o = note(await failureOf(handle));
  expect(o).toMatchObject({ type: 'DeploymentFailed', activity: 'pollDeployment', attempts: 1 });
  expect(o.message).toContain('ARREARS_DOWN');
  expect(o.message).toContain(message);
  const log = await bench.requests();
  expect(log.filter((r) => r.method === 'POST' && r.path === '/api/v1/deployments').map((r) => r.status)).toEqual([409]);
  expect(effectCounts(log)['deployment.deleted'] ?? 0).toBe(0);
  expect((await handle.query(statusQuery)).deployedModel).toBe(model);
  const still = (await emulatorState(bench)).deployments.find((d) => d.deployedModel === model);
  expect(still?.status).toBe('ARREARS_DOWN');
});
