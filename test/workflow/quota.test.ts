/**
 * The account's job quota, reproduced by the emulator's documented rule ("Only N fine-tune job in running or succeeded
 * allowed per user", here N = 1): the pipeline says it waits for account capacity (status query and Web UI details),
 * retries slowly, and goes on once a job is freed; or, when the wait runs out, fails with the message and the hint to
 * delete old jobs. A QUEUING job shows that it waits for the account's single training slot.
 * RECORD_HISTORIES=1 records the waiting pipeline as test/histories/quota-wait.json (replayed by test/replay).
 */
import { randomUUID } from 'node:crypto';
import { WorkflowFailedError } from '@temporalio/client';
import { startPipeline } from '../../src/pipelines';
import { statusQuery } from '../../src/workflows/messages';
import { maybeRecordHistory } from '../helpers/histories';
import { createBench, waitFor, type Bench } from '../helpers/pipeline';

jest.setTimeout(180_000);

let bench: Bench;
beforeAll(async () => {
  bench = await createBench('quota', { maxJobsPerAccount: 1, maxConcurrentJobs: 1 });
  await bench.startWorker();
});
afterAll(async () => bench?.close());

const HP = { n_epochs: '400', eval_epochs: '100' };

/** A job outside the pipeline that takes the account's one allowed job. */
async function blocker(): Promise<string> {
  const ds = await bench.dataset('i2v', 10);
  const file = await bench.dashscope.files.upload(ds.path);
  const job = await bench.dashscope.fineTunes.create({ model: 'wan2.2-i2v-flash', training_file_ids: [file.id], training_type: 'efficient_sft', hyper_parameters: { n_epochs: 400, eval_epochs: 100, batch_size: 4 } });
  return job.job_id;
}

/** The Web UI's "current details" (setCurrentDetails), read through the built-in metadata query. */
async function detailsOf(handle: { query<R>(name: string): Promise<R> }): Promise<string> {
  const meta = await handle.query<{ currentDetails?: string }>('__temporal_workflow_metadata');
  return meta.currentDetails ?? '';
}

/** Frees the account's job: deletes it if it ended, else cancels it (a CANCELED job no longer counts). */
async function free(b: Bench, jobId: string): Promise<void> {
  const deleted = await b.dashscope.fineTunes.delete(jobId).then(() => true, () => false);
  if (!deleted) await b.dashscope.fineTunes.cancel(jobId).catch(() => b.dashscope.fineTunes.delete(jobId));
}

test('a full account quota: "waiting for account capacity", slow retries, then the job is created once a job is freed', async () => {
  const blocking = await blocker();
  const dataset = await bench.dataset('i2v', 12);
  const input = bench.input('wan2.2-i2v-flash', dataset, { hyperParameters: HP, capacityWait: { timeout: '10m', retryEvery: '1s' } });
  const { handle } = await startPipeline(bench.temporal.client, input, { taskQueue: bench.taskQueue, workflowId: `quota-wait-${randomUUID().slice(0, 8)}` });

  const waiting = await waitFor(async () => {
    const s = await handle.query(statusQuery);
    return s.waitingFor ? s : undefined;
  }, 60_000, 'waiting for account capacity');
  expect(waiting.stage).toBe('creating-job');
  expect(waiting.waitingFor).toMatchObject({ reason: 'account-capacity', message: expect.stringContaining('Only 1 fine-tune job in running or succeeded allowed per user.') });
  expect(await waitFor(async () => ((await detailsOf(handle)).includes('waiting for account capacity') ? detailsOf(handle) : undefined), 30_000, 'details')).toContain('Only 1 fine-tune job');
  // Retried slowly: several refusals, not a storm.
  await waitFor(async () => (await bench.requests()).filter((r) => r.method === 'POST' && r.path === '/api/v1/fine-tunes' && r.status === 429).length >= 2, 30_000, 'a second refusal');

  // Freeing the account (the blocker canceled) lets the next retry create the pipeline's job.
  await free(bench, blocking);
  const result = await handle.result();
  expect(result.jobId).toMatch(/^ft-/);
  const created = (await bench.requests()).filter((r) => r.effect === 'job.created');
  expect(created.map((r) => r.resourceId)).toContain(result.jobId);
  const after = await handle.query(statusQuery);
  expect(after.waitingFor).toBeUndefined();
  const refusals = (await bench.requests()).filter((r) => r.method === 'POST' && r.path === '/api/v1/fine-tunes' && r.status === 429).length;
  expect(refusals).toBeGreaterThanOrEqual(2);
  await maybeRecordHistory('quota-wait', handle);
  await waitFor(async () => ['SUCCEEDED', 'FAILED', 'CANCELED'].includes((await bench.dashscope.fineTunes.retrieve(result.jobId!)).status), 30_000, 'job ended');
  await free(bench, result.jobId!);
});

test('when the wait runs out, the pipeline fails with the service message and the hint to delete old jobs', async () => {
  const blocking = await blocker();
  const dataset = await bench.dataset('i2v', 11);
  const input = bench.input('wan2.2-i2v-flash', dataset, { hyperParameters: HP, capacityWait: { timeout: '4s', retryEvery: '1s' } });
  const { handle } = await startPipeline(bench.temporal.client, input, { taskQueue: bench.taskQueue, workflowId: `quota-timeout-${randomUUID().slice(0, 8)}` });
  const err = await handle.result().catch((e: unknown) => e);
  expect(err).toBeInstanceOf(WorkflowFailedError);
  let root = err as { cause?: unknown; message?: string; type?: string };
  while (root.cause) root = root.cause as typeof root;
  expect(root.type).toBe('AccountQuotaExceeded');
  expect(root.message).toContain('Only 1 fine-tune job in running or succeeded allowed per user.');
  expect(root.message).toContain('wanflow jobs delete');
  expect((await handle.query(statusQuery)).error).toMatch(/delete old jobs/i);
  await free(bench, blocking);
});

test('a QUEUING job shows that it waits for the account single training slot', async () => {
  // A bench with the default quota and one training slot, filled by a long job outside the pipeline.
  const b2 = await createBench('queue', { maxConcurrentJobs: 1 });
  try {
    await b2.startWorker();
    const ds = await b2.dataset('i2v', 10);
    const file = await b2.dashscope.files.upload(ds.path);
    await b2.dashscope.fineTunes.create({ model: 'wan2.2-i2v-flash', training_file_ids: [file.id], training_type: 'efficient_sft', hyper_parameters: { n_epochs: 4000, eval_epochs: 400, batch_size: 4 } });
    const input = b2.input('wan2.2-i2v-flash', await b2.dataset('i2v', 12), { hyperParameters: HP });
    const { handle } = await startPipeline(b2.temporal.client, input, { taskQueue: b2.taskQueue, workflowId: `queued-${randomUUID().slice(0, 8)}` });
    const s = await waitFor(async () => {
      const st = await handle.query(statusQuery);
      return st.job?.status === 'QUEUING' && st.training ? st : undefined;
    }, 60_000, 'QUEUING with a training status');
    expect(s.training!.text).toContain("waiting for the account's single training slot");
    expect(await detailsOf(handle)).toContain("single training slot");
    await handle.cancel();
    await handle.result().catch(() => undefined);
  } finally {
    await b2.close();
  }
});
