/** Fine-tune job creation rules, broken datasets, cancel/delete, queueing and scenario knobs. */
import { api, buildDatasetZip, cleanup, quickStart, startTestEmulator, tempDir, uploadCompat } from './helpers';

let dir: string;
let emu: Awaited<ReturnType<typeof startTestEmulator>>;
let trainId: string;
beforeAll(async () => {
  dir = tempDir();
  // Slow enough that jobs stay in each state while we look at them; the clock is advanced explicitly.
  emu = await startTestEmulator({ timeScale: 1 });
  trainId = (await uploadCompat(emu.url, await buildDatasetZip(dir, 'train.zip'))).body.id;
});
afterAll(async () => {
  await emu?.close();
  cleanup(dir);
  cleanup(emu.dataDir);
});

const advance = (ms: number) => api(emu.url, 'POST', '/__emulator/clock/advance', { ms });
const create = (body: Record<string, unknown>) => api(emu.url, 'POST', '/api/v1/fine-tunes', { model: 'wan2.5-i2v-preview', training_file_ids: [trainId], training_type: 'efficient_sft', ...body });
const status = async (id: string) => (await api(emu.url, 'GET', `/api/v1/fine-tunes/${id}`)).body.output;
/** Cancels and finishes every job so the next test has the queue to itself. */
async function drain() {
  for (const j of (await api(emu.url, 'GET', '/__emulator/state')).body.jobs) {
    if (['PENDING', 'QUEUING', 'RUNNING'].includes(j.status)) await api(emu.url, 'POST', `/api/v1/fine-tunes/${j.jobId}/cancel`);
  }
  await advance(60_000);
}

test.each([
  [{ model: 'wan9-i2v' }, 'model', /cannot be fine-tuned/],
  [{ model: null }, 'model', /model is required/],
  [{ training_type: 'full_sft' }, 'training_type', /efficient_sft/],
  [{ training_file_ids: [] }, 'training_file_ids', /at least one/],
  [{ training_file_ids: ['file-ft-nope'] }, 'training_file_ids', /does not exist/],
  [{ validation_file_ids: ['file-ft-nope'] }, 'validation_file_ids', /does not exist/],
  [{ hyper_parameters: { max_pixels: 65536 } }, 'max_pixels', /between 16384 and 36864/],
  [{ hyper_parameters: { lora_rank: 24 } }, 'lora_rank', /power of two/],
  [{ hyper_parameters: { lora_alpha: 0 } }, 'lora_alpha', /positive integer/],
  [{ hyper_parameters: { n_epochs: 400, eval_epochs: 30 } }, 'eval_epochs', /at least n_epochs \/ 10/],
  [{ hyper_parameters: { batch_size: 2.5 } }, 'batch_size', /positive integer/],
  [{ hyper_parameters: { learning_rate: 0 } }, 'learning_rate', /greater than 0/],
  [{ hyper_parameters: { split: 1 } }, 'split', /between 0 and 1/],
  [{ hyper_parameters: { n_epochs: 100, eval_epochs: 10 } }, 'n_epochs', /at least 800.*n_epochs ≥ 134/],
  [{ hyper_parameters: 'fast' }, 'hyper_parameters', /JSON object/],
  [{ job_name: 'a b/c' }, 'job_name', /1 to 64 letters/],
])('create rejects %j with InvalidParameter naming %s', async (patch, field, rule) => {
  const r = await create(patch);
  expect(r.status).toBe(400);
  expect(r.body).toEqual({ code: 'InvalidParameter', message: expect.stringContaining(field), request_id: expect.any(String) });
  expect(r.body.message).toMatch(rule);
});

test('job_name is optional: given, it is kept and listed; omitted, the job is named after its id', async () => {
  const named = (await create({ job_name: 'wanflow-0123abcd' })).body.output;
  expect(named.job_name).toBe('wanflow-0123abcd');
  expect((await status(named.job_id)).job_name).toBe('wanflow-0123abcd');
  const listed = (await api(emu.url, 'GET', '/api/v1/fine-tunes?page_size=100')).body.output.jobs;
  expect(listed.find((j: { job_id: string }) => j.job_id === named.job_id).job_name).toBe('wanflow-0123abcd');
  const plain = (await create({})).body.output;
  expect(plain.job_name).toBe(plain.job_id);
  await drain();
});

test('the job list filters by base model (model=, dashscope-api-notes §9.2), newest first', async () => {
  const a = (await create({})).body.output;
  await advance(1000);
  const b = (await create({ model: 'wan2.2-i2v-flash' })).body.output;
  const only = (await api(emu.url, 'GET', '/api/v1/fine-tunes?page_size=100&model=wan2.2-i2v-flash')).body.output;
  expect(only.jobs.map((j: { job_id: string }) => j.job_id)).toContain(b.job_id);
  expect(only.jobs.every((j: { model: string }) => j.model === 'wan2.2-i2v-flash')).toBe(true);
  expect(only.total).toBe(only.jobs.length);
  const all = (await api(emu.url, 'GET', '/api/v1/fine-tunes?page_size=100')).body.output.jobs.map((j: { job_id: string }) => j.job_id);
  expect(all.indexOf(b.job_id)).toBeLessThan(all.indexOf(a.job_id));
  await drain();
});

test('malformed JSON, wrong content type and non-object bodies are 400 InvalidParameter', async () => {
  const bad = await api(emu.url, 'POST', '/api/v1/fine-tunes', '{"model": ');
  expect(bad.body).toMatchObject({ code: 'InvalidParameter', message: expect.stringMatching(/not valid JSON/) });
  const text = await api(emu.url, 'POST', '/api/v1/fine-tunes', 'model=x', { 'content-type': 'text/plain' });
  expect(text.body.message).toMatch(/Content-Type must be application\/json/);
  expect((await api(emu.url, 'POST', '/api/v1/fine-tunes', '[1,2]')).body.message).toMatch(/JSON object/);
});

test('null optional fields and extra fields are accepted; other models get their own defaults', async () => {
  const r = await api(emu.url, 'POST', '/api/v1/fine-tunes', {
    model: 'wan2.2-i2v-flash', training_file_ids: [trainId], validation_file_ids: null, training_type: 'efficient_sft',
    hyper_parameters: { n_epochs: 400, batch_size: null, lora_rank: null, unknown_knob: 1 }, extra: { anything: true },
  });
  expect(r.status).toBe(200);
  expect(r.body.output.hyper_parameters).toMatchObject({ batch_size: 4, max_pixels: 262144, lora_rank: 32, n_epochs: 400 });
  await drain();
});

test('a broken dataset is accepted, then the job FAILS after data process with the reason in the job and its logs', async () => {
  const cases: Array<[string, Parameters<typeof buildDatasetZip>[2], RegExp]> = [
    ['nested.zip', { jsonlDir: 'inner' }, /data\.jsonl must be at the zip root/],
    ['few.zip', { samples: 8 }, /8 valid samples; at least 10/],
    ['missing.zip', { omit: ['video_3.mp4'] }, /line 3: video_path "video_3\.mp4" is not in the zip/],
    ['notimage.zip', { frame: 'clip-2s.mp4' }, /line 1: first_frame_path "image_1\.jpg" is not a readable BMP, JPEG, PNG or WEBP image/],
    ['long.zip', { video: 'clip-12s.mp4' }, /lasts 12\.00 s; wan2\.5-i2v-preview accepts 0–10 s/],
    ['fields.zip', { jsonl: Array.from({ length: 12 }, () => JSON.stringify({ prompt: 'p', first_frame_path: 'image_1.jpg' })).join('\n') }, /field video_path is required/],
  ];
  for (const [name, opts, reason] of cases) {
    const id = (await uploadCompat(emu.url, await buildDatasetZip(dir, name, opts))).body.id;
    const r = await create({ training_file_ids: [id] });
    expect(r.status).toBe(200);
    expect(r.body.output.status).toBe('PENDING');
    await advance(4 * 60_000);
    const job = await status(r.body.output.job_id);
    expect(job.status).toBe('FAILED');
    expect(job.message).toMatch(reason);
    expect(job.usage).toBeUndefined();
    const logs = (await api(emu.url, 'GET', `/api/v1/fine-tunes/${job.job_id}/logs`)).body.output.logs;
    expect(logs.some((l: string) => / - ERROR - /.test(l) && reason.test(l))).toBe(true);
    expect(logs.some((l: string) => l.includes('data process failed'))).toBe(true);
  }
});

test('jobs queue one at a time (QUEUING), cancel goes CANCELING → CANCELED, running jobs cannot be deleted', async () => {
  const a = (await create({ hyper_parameters: quickStart['wan2.5-i2v-preview'] })).body.output;
  const b = (await create({})).body.output;
  expect(a.status).toBe('PENDING');
  await advance(60_000);
  expect((await status(a.job_id)).status).toBe('RUNNING');
  expect((await status(b.job_id)).status).toBe('QUEUING');
  const del = await api(emu.url, 'DELETE', `/api/v1/fine-tunes/${a.job_id}`);
  expect(del.status).toBe(400);
  expect(del.body.code).toBe('UnsupportedOperation');

  await advance(10 * 60_000);
  const mid = await status(a.job_id);
  expect(mid.status).toBe('RUNNING');
  expect(mid.progress).toBeUndefined(); // not in the reference: only with extraProgress
  const cancel = await api(emu.url, 'POST', `/api/v1/fine-tunes/${a.job_id}/cancel`);
  expect(cancel.body.output).toEqual({ status: 'success' });
  expect((await status(a.job_id)).status).toBe('CANCELING');
  expect((await api(emu.url, 'POST', `/api/v1/fine-tunes/${a.job_id}/cancel`)).body.code).toBe('UnsupportedOperation');
  await advance(31_000);
  const canceled = await status(a.job_id);
  expect(canceled.status).toBe('CANCELED');
  expect(canceled.usage).toBeGreaterThan(0);
  expect((await status(b.job_id)).status).toBe('RUNNING');
  expect((await api(emu.url, 'DELETE', `/api/v1/fine-tunes/${a.job_id}`)).body.output).toEqual({ status: 'success' });
  expect((await api(emu.url, 'GET', `/api/v1/fine-tunes/${a.job_id}`)).status).toBe(404);
  expect((await api(emu.url, 'GET', `/api/v1/fine-tunes/${a.job_id}/logs`)).body.code).toBe('NotFound');
  await drain();
});

test('scenario knobs: a job failing mid-training, exports FAILED / UNSUPPORTED, forced deployment status', async () => {
  await api(emu.url, 'POST', '/__emulator/scenario/job-failure', { message: 'InternalError.Algo: GPU node lost', atFraction: 0.5 });
  const failing = (await create({})).body.output;
  await advance(150_000 + 1200 * 3000 - 5000);
  expect((await status(failing.job_id)).status).toBe('RUNNING');
  await advance(10_000);
  const failed = await status(failing.job_id);
  expect(failed).toMatchObject({ status: 'FAILED', message: 'InternalError.Algo: GPU node lost', output_cnt: 4 });
  const logs = (await api(emu.url, 'GET', `/api/v1/fine-tunes/${failing.job_id}/logs`)).body.output.logs;
  expect(logs.at(-1)).toMatch(/ERROR - InternalError\.Algo: GPU node lost$/);

  const ok = (await create({})).body.output;
  await advance(4 * 3600_000);
  expect((await status(ok.job_id)).status).toBe('SUCCEEDED');
  await api(emu.url, 'POST', '/__emulator/scenario/export-outcome', { outcome: 'FAILED', jobId: ok.job_id });
  await api(emu.url, 'GET', `/api/v1/fine-tunes/${ok.job_id}/export/checkpoint-2400?model_name=will-fail`);
  await api(emu.url, 'POST', '/__emulator/scenario/export-outcome', { outcome: 'UNSUPPORTED' });
  await api(emu.url, 'GET', `/api/v1/fine-tunes/${ok.job_id}/export/checkpoint-2100?model_name=unsupported`);
  await api(emu.url, 'GET', `/api/v1/fine-tunes/${ok.job_id}/export/checkpoint-1800?model_name=fine`);
  await advance(10 * 60_000);
  const byName = Object.fromEntries((await api(emu.url, 'GET', `/api/v1/fine-tunes/${ok.job_id}/checkpoints`)).body.output.map((c: any) => [c.checkpoint, c]));
  expect(byName['checkpoint-2400'].status).toBe('FAILED');
  expect(byName['checkpoint-2100'].status).toBe('UNSUPPORTED');
  expect(byName['checkpoint-1800']).toMatchObject({ status: 'SUCCEEDED', model_name: `${ok.finetuned_output}-c1800` });
  expect(byName['checkpoint-2400'].model_name).toBeUndefined();
  // A FAILED export's name cannot be deployed.
  const aigc_config = { use_input_prompt: true, prompt: '', lora_prompt_default: '' };
  const notDeployable = await api(emu.url, 'POST', '/api/v1/deployments', { model_name: `${ok.finetuned_output}-c2400`, capacity: 1, plan: 'lora', aigc_config });
  expect(notDeployable.body).toMatchObject({ code: 'InvalidParameter', message: expect.stringContaining('model_name') });

  const dep = (await api(emu.url, 'POST', '/api/v1/deployments', { model_name: ok.finetuned_output, capacity: 1, plan: 'lora', aigc_config })).body.output;
  await advance(11 * 60_000);
  expect((await api(emu.url, 'GET', `/api/v1/deployments/${dep.deployed_model}`)).body.output.status).toBe('RUNNING');
  await api(emu.url, 'POST', '/__emulator/scenario/deployment-status', { deployedModel: dep.deployed_model, status: 'ARREARS_DOWN' });
  expect((await api(emu.url, 'GET', `/api/v1/deployments/${dep.deployed_model}`)).body.output.status).toBe('ARREARS_DOWN');
  await api(emu.url, 'POST', '/__emulator/scenario/deployment-status', { deployedModel: dep.deployed_model, status: 'FAILED', message: 'quota exhausted' });
  expect((await api(emu.url, 'GET', `/api/v1/deployments/${dep.deployed_model}`)).body.output).toMatchObject({ status: 'FAILED', message: 'quota exhausted' });
  await api(emu.url, 'POST', '/__emulator/scenario/deployment-status', { deployedModel: dep.deployed_model, status: 'ARREARS_RECOVERING' });
  expect((await api(emu.url, 'GET', `/api/v1/deployments/${dep.deployed_model}`)).body.output.status).toBe('ARREARS_RECOVERING');
  await advance(3 * 60_000);
  expect((await api(emu.url, 'GET', `/api/v1/deployments/${dep.deployed_model}`)).body.output.status).toBe('RUNNING');
  expect((await api(emu.url, 'POST', '/__emulator/scenario/deployment-status', { deployedModel: dep.deployed_model, status: 'DELETING' })).status).toBe(400);
  const list = (await api(emu.url, 'GET', '/api/v1/deployments')).body.output;
  expect(list).toMatchObject({ page_no: 1, total: 1 });
  expect(list.deployments[0].deployed_model).toBe(dep.deployed_model);
});

test('deployment body rules', async () => {
  const base = { model_name: 'x', capacity: 1, plan: 'lora', aigc_config: { use_input_prompt: false, prompt: 'p', lora_prompt_default: 'd' } };
  const cases: Array<[Record<string, unknown>, string]> = [
    [{ capacity: 2 }, 'capacity'], [{ plan: 'ptu' }, 'plan'], [{ aigc_config: null }, 'aigc_config'],
    [{ aigc_config: { use_input_prompt: 'no', prompt: 'p', lora_prompt_default: 'd' } }, 'use_input_prompt'],
    [{ aigc_config: { use_input_prompt: true, prompt: 1, lora_prompt_default: 'd' } }, 'aigc_config.prompt'],
    [{ model_name: '' }, 'model_name'], [{ model_name: 'wan2.5-i2v-preview-ft-000000000000-abcd' }, 'model_name'],
  ];
  for (const [patch, field] of cases) {
    const r = await api(emu.url, 'POST', '/api/v1/deployments', { ...base, ...patch });
    expect(r.status).toBe(400);
    expect(r.body.message).toContain(field);
  }
});

describe('the account quota rules of the service (notes §9.2), with a small quota', () => {
  let q: Awaited<ReturnType<typeof startTestEmulator>>;
  let fileId: string;
  beforeAll(async () => {
    q = await startTestEmulator({ timeScale: 1, maxJobsPerAccount: 2 });
    fileId = (await uploadCompat(q.url, await buildDatasetZip(dir, 'quota.zip'))).body.id;
  });
  afterAll(async () => {
    await q?.close();
    cleanup(q.dataDir);
  });
  const mk = () => api(q.url, 'POST', '/api/v1/fine-tunes', { model: 'wan2.5-i2v-preview', training_file_ids: [fileId], training_type: 'efficient_sft' });

  test('"Only N fine-tune job in running or succeeded allowed per user": 429 until a job is canceled and deleted', async () => {
    const a = (await mk()).body.output;
    const b = (await mk()).body.output;
    // One training slot per account: the second waits in QUEUING.
    await api(q.url, 'POST', '/__emulator/clock/advance', { ms: 60_000 });
    expect((await api(q.url, 'GET', `/api/v1/fine-tunes/${a.job_id}`)).body.output.status).toBe('RUNNING');
    expect((await api(q.url, 'GET', `/api/v1/fine-tunes/${b.job_id}`)).body.output.status).toBe('QUEUING');
    const refused = await mk();
    expect(refused.status).toBe(429);
    expect(refused.body).toEqual({ code: 'Throttling', message: 'Only 2 fine-tune job in running or succeeded allowed per user.', request_id: expect.any(String) });
    expect(refused.headers['retry-after']).toBeUndefined();
    // Waiting does not clear it (the jobs keep running or succeed); canceling one does.
    await api(q.url, 'POST', '/__emulator/clock/advance', { ms: 3600_000 });
    expect((await mk()).status).toBe(429);
    await api(q.url, 'POST', `/api/v1/fine-tunes/${b.job_id}/cancel`);
    await api(q.url, 'POST', '/__emulator/clock/advance', { ms: 31_000 });
    expect((await mk()).status).toBe(200);
  });
});

test('extraProgress (beyond the documents, opt-in) adds epoch lines and output.progress', async () => {
  const x = await startTestEmulator({ timeScale: 1, extraProgress: true });
  try {
    const id = (await uploadCompat(x.url, await buildDatasetZip(dir, 'extra.zip'))).body.id;
    const job = (await api(x.url, 'POST', '/api/v1/fine-tunes', { model: 'wan2.5-i2v-preview', training_file_ids: [id], training_type: 'efficient_sft' })).body.output;
    await api(x.url, 'POST', '/__emulator/clock/advance', { ms: 20 * 60_000 });
    const got = (await api(x.url, 'GET', `/api/v1/fine-tunes/${job.job_id}`)).body.output;
    expect(got.progress.step).toBeGreaterThan(0);
    const logs: string[] = (await api(x.url, 'GET', `/api/v1/fine-tunes/${job.job_id}/logs`)).body.output.logs;
    expect(logs.some((l) => /^epoch \d+\/400 step \d+\/2400 loss \d\.\d{4}$/.test(l))).toBe(true);
  } finally {
    await x.close();
    cleanup(x.dataDir);
  }
});
