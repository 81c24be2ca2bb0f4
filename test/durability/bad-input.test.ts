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

function outcomeText(o: FailureOutcome | { type: string; message: string }): string {
  return `${o.type}: ${o.message.replace(/\s+/g, ' ').slice(0, 80)}`;
}

async function record(name: string, expected: string, outcome: FailureOutcome | { type: string; message: string; attempts: number | '-' }, keep: string[] = []) {
  // A job being canceled settles in 30 emulated seconds; wait for it so a CANCELING job is not mistaken for a clean one.
  await waitFor(async () => !(await emulatorState(bench)).jobs.some((j) => j.status === 'CANCELING'), 30_000, 'no CANCELING jobs');
  const orphans = await orphansOf(bench, undefined, keep);
  rows.push([name, expected, outcomeText(outcome), outcome.attempts, orphans.length]);
  expect(orphans).toEqual([]);
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

/** Jobs of earlier cases that SUCCEEDED (their outputs and checkpoints serve the export and deployment cases). */
const succeeded: { jobId: string; finetunedOutput: string }[] = [];
async function rememberJob(handle: { query: (q: typeof statusQuery) => Promise<{ jobId?: string }> }) {
  const { jobId } = await handle.query(statusQuery);
  const job = (await emulatorState(bench)).jobs.find((j) => j.jobId === jobId);
  if (job?.status === 'SUCCEEDED' && job.finetunedOutput) succeeded.push({ jobId: job.jobId, finetunedOutput: job.finetunedOutput });
}

test('5 samples: DatasetInvalid naming the 10-sample minimum, 1 attempt, nothing uploaded', async () => {
  const handle = await run('few', bench.input('wan2.2-i2v-flash', await bench.dataset('i2v', 5)));
  const o = await failureOf(handle);
  expect(o).toMatchObject({ type: 'DatasetInvalid', activity: 'inspectAndPlan', attempts: 1 });
  expect(o.message).toMatch(/10/);
  expect(effectCounts(await bench.requests())['file.created'] ?? 0).toBe(0);
  await record('5 samples', 'DatasetInvalid, no upload', o);
});

test('a referenced file missing from the zip: DatasetInvalid naming the file, 1 attempt, nothing uploaded', async () => {
  const handle = await run('missing', bench.input('wan2.2-i2v-flash', await datasetMissingFile()));
  const o = await failureOf(handle);
  expect(o).toMatchObject({ type: 'DatasetInvalid', attempts: 1 });
  expect(o.message).toContain('video_011.mp4');
  expect(effectCounts(await bench.requests())['file.created'] ?? 0).toBe(0);
  await record('missing video_011.mp4', 'DatasetInvalid naming the file', o);
});

test('n_epochs 100 (< 800 steps): PlanInvalid with the catalog message, 1 attempt', async () => {
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
  const o = await failureOf(handle);
  expect(o).toMatchObject({ type: 'PlanInvalid', activity: 'inspectAndPlan', attempts: 1, message: catalogMessage });
  expect(effectCounts(await bench.requests())['file.created'] ?? 0).toBe(0);
  await record('n_epochs=100', 'PlanInvalid, catalog message', o);
});

test('an unknown model is rejected at start, naming the field; no workflow starts', async () => {
  const workflowId = wid('model');
  const input = { ...bench.input('wan2.2-i2v-flash', await bench.dataset('i2v', 12)), model: 'wan9.9-i2v-turbo' } as unknown as PipelineInput;
  const err = (await startPipeline(bench.temporal.client, input, { taskQueue: bench.taskQueue, workflowId }).catch((e: unknown) => e)) as Error;
  expect(err).toBeInstanceOf(Error);
  expect(err.message).toMatch(/\bmodel\b/);
  await expect(bench.temporal.client.workflow.getHandle(workflowId).describe()).rejects.toThrow();
  rows.push(['model wan9.9-i2v-turbo', 'rejected at start naming `model`', outcomeText({ type: err.name, message: err.message }), '-', 0]);
});

test('a wrong API key: AuthenticationError after exactly 1 attempt, one 401 request', async () => {
  const taskQueue = await extraWorker(new DashScope({ apiKey: 'sk-wrong-key-for-this-test', baseUrl: bench.emulator.url, timeoutMs: 30_000 }));
  const handle = await run('401', bench.input('wan2.2-i2v-flash', await bench.dataset('i2v', 12)), taskQueue);
  const o = await failureOf(handle);
  expect(o).toMatchObject({ type: 'AuthenticationError', activity: 'uploadDataset', attempts: 1 });
  const log = await bench.requests();
  expect(log.filter((r) => r.status === 401)).toHaveLength(1);
  expect(log.filter((r) => r.status !== 401)).toHaveLength(0);
  await record('wrong API key (401)', 'AuthenticationError, 1 attempt', o);
});

test('403 AccessDenied on job creation: PermissionDeniedError after exactly 1 attempt, no job', async () => {
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
  const o = await failureOf(handle);
  expect(o).toMatchObject({ type: 'PermissionDeniedError', activity: 'createFineTuneJob', attempts: 1 });
  expect(o.message).toMatch(/Access denied/);
  expect(proxy.answered).toHaveLength(1);
  expect(effectCounts(await bench.requests())['job.created'] ?? 0).toBe(0);
  await record('403 on job create (proxy)', 'PermissionDeniedError, 1 attempt', o);
});

test('a job that FAILS with a message: FineTuneJobFailed carrying it', async () => {
  const message = 'data process error: video_003.mp4 cannot be decoded (moov atom not found)';
  await bench.admin('scenario/job-failure', { message, atFraction: 0.4 });
  const handle = await run('jobfail', bench.input('wan2.2-i2v-flash', await bench.dataset('i2v', 12), { hyperParameters: SMALL }));
  const o = await failureOf(handle);
  expect(o).toMatchObject({ type: 'FineTuneJobFailed', activity: 'workflow' });
  expect(o.message).toContain(message);
  await record('job FAILED (scenario)', 'FineTuneJobFailed with the message', o);
});

for (const outcome of ['FAILED', 'UNSUPPORTED'] as const) {
  test(`an export that ends ${outcome}: ExportFailed, bounded polls`, async () => {
    const handle = await run(`export-${outcome}`, bench.input('wan2.2-i2v-flash', await bench.dataset('i2v', 12), { hyperParameters: SMALL, checkpoint: { policy: 'named', name: 'checkpoint-600' } }));
    // The knob applies to the next export; set it while the job trains (before the pipeline exports).
    await bench.admin('scenario/export-outcome', { outcome });
    const o = await failureOf(handle);
    expect(o).toMatchObject({ type: 'ExportFailed', activity: 'pollExport' });
    expect(o.message).toContain(outcome);
    expect(o.attempts).toBeLessThan(200);
    expect(effectCounts(await bench.requests())['deployment.created'] ?? 0).toBe(0);
    await rememberJob(handle);
    await record(`export ${outcome} (scenario)`, 'ExportFailed', o);
  });
}

test('an unknown named checkpoint: CheckpointUnknown listing the real ones', async () => {
  const handle = await run('named', bench.input('wan2.2-i2v-flash', await bench.dataset('i2v', 12), { hyperParameters: SMALL, checkpoint: { policy: 'named', name: 'checkpoint-7' } }));
  const o = await failureOf(handle);
  expect(o).toMatchObject({ type: 'CheckpointUnknown', activity: 'workflow' });
  expect(o.message).toMatch(/checkpoint-7.*checkpoint-300.*checkpoint-600/);
  expect(effectCounts(await bench.requests())['export.created'] ?? 0).toBe(0);
  await record('checkpoint-7 (named)', 'CheckpointUnknown', o);
});

test('approve with an unknown checkpoint: the Update is rejected listing the candidates', async () => {
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
  for (const c of candidates) expect(why).toContain(c);
  expect((await handle.query(statusQuery)).stage).toBe('awaiting-approval');
  // End it: cancel (nothing to clean: the job finished, nothing deployed).
  await handle.cancel();
  const end = (await handle.result().catch((e: unknown) => e)) as WorkflowFailedError;
  expect(end.cause).toBeInstanceOf(CancelledFailure);
  await rememberJob(handle);
  await record('approve checkpoint-7', 'Update rejected, candidates listed', { type: 'WorkflowUpdateFailedError', message: why, attempts: '-' });
});

test('an export model_name someone else holds (409): ModelNameTaken, 1 attempt', async () => {
  expect(succeeded.length).toBeGreaterThan(0);
  const other = succeeded[0];
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
  const o = await failureOf(handle);
  expect(o).toMatchObject({ type: 'ModelNameTaken', activity: 'exportCheckpoint', attempts: 1 });
  expect(o.message).toContain(taken);
  const log = await bench.requests();
  expect(log.filter((r) => r.path.includes('/export/') && r.status === 409)).toHaveLength(1);
  await record('export model_name taken (409)', 'ModelNameTaken, 1 attempt', o);
});

test('a deployment that goes FAILED while polled: DeploymentFailed with the API message; the pipeline deletes it', async () => {
  const model = succeeded[0].finetunedOutput;
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
  const o = await failureOf(handle);
  expect(o).toMatchObject({ type: 'DeploymentFailed', activity: 'pollDeployment', attempts: 1 });
  expect(o.message).toContain(message);
  expect(effectCounts(await bench.requests())).toMatchObject({ 'deployment.created': 1, 'deployment.deleted': 1 });
  await record('deployment FAILED (scenario)', 'DeploymentFailed with message; deleted', o);
});

test('a deployment of that name already exists (409): the pipeline adopts it, and on ARREARS_DOWN fails without deleting it', async () => {
  expect(succeeded.length).toBeGreaterThan(1);
  const model = succeeded[1].finetunedOutput;
  const message = 'The account is in arrears; top up to resume the service.';
  await bench.dashscope.deployments.create({ model_name: model, capacity: 1, plan: 'lora', aigc_config: DEFAULT_AIGC_CONFIG });
  await bench.admin('scenario/deployment-status', { deployedModel: model, status: 'ARREARS_DOWN', message });
  await bench.admin('requests', undefined, 'DELETE');
  const { handle } = await startPipeline(bench.temporal.client, bench.input('wan2.2-i2v-flash', NO_DATASET, { source: { kind: 'model', modelName: model } }), {
    taskQueue: bench.taskQueue,
    workflowId: wid('adopt'),
  });
  const o = await failureOf(handle);
  expect(o).toMatchObject({ type: 'DeploymentFailed', activity: 'pollDeployment', attempts: 1 });
  expect(o.message).toContain('ARREARS_DOWN');
  expect(o.message).toContain(message);
  const log = await bench.requests();
  expect(log.filter((r) => r.method === 'POST' && r.path === '/api/v1/deployments').map((r) => r.status)).toEqual([409]);
  expect(effectCounts(log)['deployment.deleted'] ?? 0).toBe(0);
  expect((await handle.query(statusQuery)).deployedModel).toBe(model);
  const still = (await emulatorState(bench)).deployments.find((d) => d.deployedModel === model);
  expect(still?.status).toBe('ARREARS_DOWN');
  await record('deploy name exists (409) + ARREARS_DOWN', 'adopted; DeploymentFailed; kept', o, [model]);
});
