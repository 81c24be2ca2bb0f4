import { existsSync, readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { WorkflowFailedError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ActivityFailure, ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { startPipeline } from '../../src/pipelines';
import { fineTunePipeline } from '../../src/workflows/pipeline';
import { approveCheckpointUpdate, statusQuery } from '../../src/workflows/messages';
import { WanflowBaseModel, WanflowDeployedModel, WanflowJobId, WanflowStage } from '../../src/workflows/search-attributes';
import { createBench, effectCounts, waitFor, type Bench } from '../helpers/pipeline';
import { maybeRecordHistory } from '../helpers/histories';

let bench: Bench;
beforeAll(async () => {
  bench = await createBench('pipeline');
  await bench.startWorker();
});
afterAll(async () => bench?.close());

const wid = (name: string) => `test-${name}-${randomUUID().slice(0, 8)}`;

test('first-frame model, named checkpoint: uploads, trains, exports, deploys, generates; one of each remote effect', async () => {
  await bench.admin('requests', undefined, 'DELETE');
  const dataset = await bench.dataset('i2v');
  const workflowId = wid('i2v');
  const input = bench.input('wan2.2-i2v-flash', dataset, {
    hyperParameters: { n_epochs: '400', eval_epochs: '100' },
    checkpoint: { policy: 'named', name: 'checkpoint-600' },
    generate: { count: 1 },
  });
  const { handle } = await startPipeline(bench.temporal.client, input, { taskQueue: bench.taskQueue, workflowId });
  const result = await handle.result();

  expect(result.checkpoint).toBe('checkpoint-600');
  expect(result.jobId).toMatch(/^ft-/);
  expect(result.fileId).toMatch(/^file-ft-/);
  expect(result.modelName).toMatch(/-c600$/);
  expect(result.deployedModel).toBe(result.modelName);
  expect(result.usage).toBeGreaterThan(0);
  expect(result.artifacts.previews.length).toBeGreaterThan(0);
  expect(result.artifacts.videos).toHaveLength(1);
  const video = readFileSync(result.artifacts.videos[0]);
  expect(video.subarray(4, 8).toString('latin1')).toBe('ftyp');
  for (const p of result.artifacts.previews) expect(existsSync(p)).toBe(true);

  const counts = effectCounts(await bench.requests());
  expect(counts).toMatchObject({ 'file.created': 1, 'job.created': 1, 'export.created': 1, 'deployment.created': 1, 'task.created': 1 });

  const d = await handle.describe();
  expect(d.typedSearchAttributes.get(WanflowStage)).toBe('succeeded');
  expect(d.typedSearchAttributes.get(WanflowBaseModel)).toBe('wan2.2-i2v-flash');
  expect(d.typedSearchAttributes.get(WanflowJobId)).toBe(result.jobId);
  expect(d.typedSearchAttributes.get(WanflowDeployedModel)).toBe(result.deployedModel);
  const status = await handle.query(statusQuery);
  expect(status.stage).toBe('succeeded');
  expect(status.checkpoints.map((c) => c.step)).toEqual([...status.checkpoints.map((c) => c.step)].sort((a, b) => a - b));

  // Activities carry readable summaries for the Web UI.
  const history = await handle.fetchHistory();
  const summaries = history.events!.filter((e) => e.activityTaskScheduledEventAttributes).map((e) => e.userMetadata?.summary?.data);
  const text = summaries.map((b) => (b ? Buffer.from(b).toString('utf8') : '')).join('\n');
  expect(text).toMatch(/upload .*\.zip \(\d/);
  expect(text).toMatch(/poll ft-\S+ (PENDING|QUEUING|RUNNING)/);
});

test('first-and-last-frame model (wan2.2-kf2v-flash) deploys its final output', async () => {
  const dataset = await bench.dataset('kf2v');
  const { handle } = await startPipeline(bench.temporal.client, bench.input('wan2.2-kf2v-flash', dataset, { generate: { count: 1 } }), {
    taskQueue: bench.taskQueue,
    workflowId: wid('kf2v'),
  });
  const result = await handle.result();
  expect(result.checkpoint).toBe('final');
  expect(result.deployedModel).toMatch(/^wan2\.2-kf2v-flash-ft-/);
  expect(result.artifacts.videos).toHaveLength(1);
});

test('a second start with the same workflow id attaches to the running pipeline', async () => {
  const dataset = await bench.dataset('i2v', 13);
  const workflowId = wid('attach');
  const input = bench.input('wan2.5-i2v-preview', dataset);
  await bench.admin('requests', undefined, 'DELETE');
  const first = await startPipeline(bench.temporal.client, input, { taskQueue: bench.taskQueue, workflowId });
  const second = await startPipeline(bench.temporal.client, input, { taskQueue: bench.taskQueue, workflowId });
  expect(first.attached).toBe(false);
  expect(second.attached).toBe(true);
  expect((await second.handle.describe()).runId).toBe((await first.handle.describe()).runId);
  const result = await first.handle.result();
  // One pipeline ran: one upload, one job (the one in the result), one deployment.
  const log = await bench.requests();
  expect(log.filter((r) => r.effect === 'job.created').map((r) => r.resourceId)).toEqual([result.jobId]);
  expect(log.filter((r) => r.effect === 'file.created')).toHaveLength(1);
  expect(log.filter((r) => r.effect === 'deployment.created')).toHaveLength(1);
});

test('manual approval: the Update rejects an unknown checkpoint and deploys the approved one', async () => {
  const dataset = await bench.dataset('i2v');
  const workflowId = wid('manual');
  const { handle } = await startPipeline(
    bench.temporal.client,
    bench.input('wan2.2-i2v-flash', dataset, { hyperParameters: { eval_epochs: '100' }, checkpoint: { policy: 'manual', approvalTimeout: '10m', fallback: 'fail' } }),
    { taskQueue: bench.taskQueue, workflowId },
  );
  const status = await waitFor(async () => {
    const s = await handle.query(statusQuery);
    return s.stage === 'awaiting-approval' ? s : undefined;
  }, 90_000, 'awaiting-approval');
  expect(status.awaitingApproval?.candidates.length).toBeGreaterThan(1);

  await expect(handle.executeUpdate(approveCheckpointUpdate, { args: ['checkpoint-999999'] })).rejects.toBeInstanceOf(WorkflowUpdateFailedError);
  const chosen = status.awaitingApproval!.candidates[0];
  await expect(handle.executeUpdate(approveCheckpointUpdate, { args: [chosen] })).resolves.toEqual({ checkpoint: chosen });
  const result = await handle.result();
  expect(result.checkpoint).toBe(chosen);
  // The rejected Update never reached history.
  const history = await handle.fetchHistory();
  const accepted = history.events!.filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes);
  expect(accepted).toHaveLength(1);
  await maybeRecordHistory('manual-approval', handle);
});

test('cancel during training cancels the remote job and ends the workflow as cancelled', async () => {
  const dataset = await bench.dataset('i2v', 14);
  const workflowId = wid('cancel');
  const { handle } = await startPipeline(
    bench.temporal.client,
    // a long training (about 10 emulated hours) so the cancel surely lands while it runs
    bench.input('wan2.2-i2v-flash', dataset, { hyperParameters: { n_epochs: '2400', eval_epochs: '240' } }),
    { taskQueue: bench.taskQueue, workflowId },
  );
  const jobId = await waitFor(async () => {
    const s = await handle.query(statusQuery);
    return s.stage === 'training' && s.jobId ? s.jobId : undefined;
  }, 60_000, 'training');
  await handle.cancel();
  const err = await handle.result().catch((e: unknown) => e);
  expect(err).toBeInstanceOf(WorkflowFailedError);
  expect((err as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
  const job = await waitFor(async () => {
    const j = await bench.dashscope.fineTunes.retrieve(jobId);
    return j.status === 'CANCELED' ? j : undefined;
  }, 30_000, 'job CANCELED');
  expect(job.status).toBe('CANCELED');
  expect((await handle.query(statusQuery)).stage).toBe('cancelled');
});

test('a dataset problem fails fast, listing the problems, before anything is uploaded', async () => {
  await bench.admin('requests', undefined, 'DELETE');
  const dataset = await bench.dataset('i2v', 5); // fewer than the 10 samples required
  const { handle } = await startPipeline(bench.temporal.client, bench.input('wan2.2-i2v-flash', dataset), { taskQueue: bench.taskQueue, workflowId: wid('bad') });
  const err = (await handle.result().catch((e: unknown) => e)) as WorkflowFailedError;
  expect(err).toBeInstanceOf(WorkflowFailedError);
  expect(err.cause).toBeInstanceOf(ActivityFailure);
  const cause = err.cause!.cause as ApplicationFailure;
  expect(cause.type).toBe('DatasetInvalid');
  expect(cause.message).toMatch(/10/);
  expect(effectCounts(await bench.requests())['file.created'] ?? 0).toBe(0);
});

test('attach to an existing job, then deploy-only from its finetuned output', async () => {
  const dataset = await bench.dataset('i2v', 15);
  const file = await bench.dashscope.files.upload(dataset.path, { purpose: 'fine-tune' });
  const job = await bench.dashscope.fineTunes.create({ model: 'wan2.5-i2v-preview', training_file_ids: [file.id], training_type: 'efficient_sft' });
  const attached = await startPipeline(
    bench.temporal.client,
    { ...bench.input('wan2.5-i2v-preview', dataset), source: { kind: 'job', jobId: job.job_id }, cleanup: { deleteDeployment: 'never', cancelJob: false } },
    { taskQueue: bench.taskQueue, workflowId: wid('from-job') },
  );
  const r1 = await attached.handle.result();
  expect(r1.jobId).toBe(job.job_id);
  expect(r1.fileId).toBeUndefined();
  expect(r1.deployedModel).toBe(job.finetuned_output);

  // Deploy-only of the same model: the deployment exists already (409), so it is adopted, not duplicated.
  const deployOnly = await startPipeline(
    bench.temporal.client,
    { ...bench.input('wan2.5-i2v-preview', dataset), source: { kind: 'model', modelName: job.finetuned_output! } },
    { taskQueue: bench.taskQueue, workflowId: wid('from-model') },
  );
  const r2 = await deployOnly.handle.result();
  expect(r2.deployedModel).toBe(r1.deployedModel);
  expect(r2.jobId).toBeUndefined();
  const created = (await bench.requests()).filter((r) => r.effect === 'deployment.created' && r.resourceId === r1.deployedModel);
  expect(created).toHaveLength(1);
});

test('the workflow type is registered under its function name', () => {
  expect(fineTunePipeline.name).toBe('fineTunePipeline');
});
