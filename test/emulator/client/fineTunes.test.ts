import { FINE_TUNE_TERMINAL_STATUSES, InvalidParameterError, NotFoundError, type FineTuneJob } from '../../../src/dashscope';
import { FAST_HYPER, FAST_MODEL, buildDatasetZip, startClientEnv, waitFor, type ClientEnv } from './setup';

let env: ClientEnv;
let trainId: string;
let validationId: string;
let job: FineTuneJob;

const finished = (j: FineTuneJob) => (FINE_TUNE_TERMINAL_STATUSES as readonly string[]).includes(j.status);

beforeAll(async () => {
  env = await startClientEnv();
  trainId = (await env.ds.files.upload(await buildDatasetZip(env.dir, 'train.zip'))).id;
  validationId = (await env.ds.files.upload(await buildDatasetZip(env.dir, 'val.zip', { samples: 3, kind: 'validation' }))).id;
  job = await env.ds.fineTunes.create({
    model: FAST_MODEL,
    training_file_ids: [trainId],
    validation_file_ids: [validationId],
    training_type: 'efficient_sft',
    hyper_parameters: FAST_HYPER,
  });
});
afterAll(() => env.close());

test('create returns the job with its output model name', () => {
  expect(job.job_id).toMatch(/^ft-/);
  expect(job.status).toBe('PENDING');
  expect(job.model).toBe(FAST_MODEL);
  expect(job.finetuned_output).toContain(FAST_MODEL);
  expect(job.training_file_ids).toEqual([trainId]);
  expect(job.hyper_parameters).toMatchObject({ n_epochs: FAST_HYPER.n_epochs });
});

test('retrieve follows the job to SUCCEEDED with usage', async () => {
  const done = await waitFor(() => env.ds.fineTunes.retrieve(job.job_id), finished);
  expect(done.status).toBe('SUCCEEDED');
  expect(done.usage).toBeGreaterThan(0);
  // "YYYY-MM-DD hh:mm:ss", not before the job was created.
  expect(done.end_time).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
  expect(String(done.end_time) >= String(done.create_time)).toBe(true);
});

test('list iterates pages and finds the job', async () => {
  const second = await env.ds.fineTunes.create({ model: FAST_MODEL, training_file_ids: [trainId], training_type: 'efficient_sft', hyper_parameters: FAST_HYPER });
  const ids: string[] = [];
  for await (const j of env.ds.fineTunes.list({ page_size: 1 })) ids.push(j.job_id);
  expect(ids).toEqual(expect.arrayContaining([job.job_id, second.job_id]));
  expect(new Set(ids).size).toBe(ids.length);

  // cancel the second one, then delete it once it has stopped
  await waitFor(() => env.ds.fineTunes.retrieve(second.job_id), (j) => j.status === 'RUNNING' || finished(j));
  expect(await env.ds.fineTunes.cancel(second.job_id)).toMatchObject({ status: 'success' });
  const canceled = await waitFor(() => env.ds.fineTunes.retrieve(second.job_id), finished);
  expect(canceled.status).toBe('CANCELED');
  expect(await env.ds.fineTunes.delete(second.job_id)).toMatchObject({ status: 'success' });
  await expect(env.ds.fineTunes.retrieve(second.job_id)).rejects.toBeInstanceOf(NotFoundError);
});

test('logs page by offset and line', async () => {
  const all = await env.ds.fineTunes.logs(job.job_id);
  expect(all.total).toBeGreaterThan(2);
  expect(all.logs.length).toBe(all.total);
  const slice = await env.ds.fineTunes.logs(job.job_id, { offset: 2, line: 2 });
  expect(slice.logs).toEqual(all.logs.slice(1, 3));
});

test('validation results, details (paged), export and checkpoints', async () => {
  const results = await env.ds.fineTunes.validationResults(job.job_id);
  expect(results.length).toBeGreaterThan(0);
  const checkpoint = results[0]!.checkpoint;
  expect(checkpoint).toMatch(/^checkpoint-\d+$/);

  const details = await env.ds.fineTunes.validationDetails(job.job_id, checkpoint, { page_size: 2 }).toArray();
  expect(details).toHaveLength(3);
  expect(details[0]!.video_path).toMatch(/^http/);
  const page = await env.ds.fineTunes.validationDetailsPage(job.job_id, checkpoint, { page_no: 2, page_size: 2 });
  expect(page).toMatchObject({ page_no: 2, page_size: 2, total: 3 });
  expect(page.list).toHaveLength(1);

  const name = `client-test-${Date.now()}`;
  expect(await env.ds.fineTunes.export(job.job_id, checkpoint, name)).toBe(true);
  const exported = await waitFor(
    () => env.ds.fineTunes.checkpoints(job.job_id),
    (cps) => cps.some((c) => c.checkpoint === checkpoint && c.status === 'SUCCEEDED'),
  );
  const cp = exported.find((c) => c.checkpoint === checkpoint)!;
  expect(cp.model_name).toContain(job.finetuned_output!);
  expect(cp.model_display_name).toBe(name);
});

test('bad hyper-parameters: 400 InvalidParameterError naming the rule', async () => {
  const err = await env.ds.fineTunes
    .create({ model: FAST_MODEL, training_file_ids: [trainId], training_type: 'efficient_sft', hyper_parameters: { ...FAST_HYPER, max_pixels: 1024 } })
    .catch((e: unknown) => e);
  expect(err).toBeInstanceOf(InvalidParameterError);
  expect((err as InvalidParameterError).status).toBe(400);
  expect((err as InvalidParameterError).code).toBe('InvalidParameter');
  expect((err as InvalidParameterError).message).toContain('max_pixels');
  expect((err as InvalidParameterError).requestId).toBeTruthy();
});

test('cancelling a finished job is a final 400 UnsupportedOperation', async () => {
  const err = await env.ds.fineTunes.cancel(job.job_id).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(InvalidParameterError);
  expect((err as InvalidParameterError).code).toBe('UnsupportedOperation');
  expect((err as InvalidParameterError).retryable).toBe(false);
});

test('unknown job: 404 NotFoundError', async () => {
  await expect(env.ds.fineTunes.retrieve('ft-000000000000-none')).rejects.toBeInstanceOf(NotFoundError);
});
