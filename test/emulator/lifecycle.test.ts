/** A whole run over real HTTP: dataset → job → checkpoints, logs, previews → export → deployment → video. */
import { request } from 'undici';
import { api, buildDatasetZip, cleanup, quickStart, startTestEmulator, tempDir, uploadCompat, waitFor } from './helpers';

let dir: string;
let emu: Awaited<ReturnType<typeof startTestEmulator>>;
beforeAll(async () => {
  dir = tempDir();
  emu = await startTestEmulator({ timeScale: 4000 });
});
afterAll(async () => {
  await emu?.close();
  cleanup(dir);
  cleanup(emu.dataDir);
});

async function fetchBytes(url: string) {
  const res = await request(url);
  return { status: res.statusCode, headers: res.headers, bytes: Buffer.from(await res.body.arrayBuffer()) };
}

test('a job runs to SUCCEEDED with checkpoints, logs, previews, an export, a deployment and a generated video', async () => {
  const zip = await buildDatasetZip(dir, 'train.zip');
  const up = await uploadCompat(emu.url, zip);
  expect(up.status).toBe(200);
  expect(up.body).toMatchObject({ object: 'file', filename: 'train.zip', purpose: 'fine-tune', status: 'processed' });
  expect(up.body.id).toMatch(/^file-ft-[0-9a-f]{32}$/);

  const created = await api(emu.url, 'POST', '/api/v1/fine-tunes', {
    model: 'wan2.5-i2v-preview', training_file_ids: [up.body.id], validation_file_ids: null, training_type: 'efficient_sft', hyper_parameters: quickStart['wan2.5-i2v-preview'],
  });
  expect(created.status).toBe(200);
  const job = created.body.output;
  expect(job.job_id).toMatch(/^ft-\d{12}-[0-9a-f]{4}$/);
  expect(job.finetuned_output).toBe(`wan2.5-i2v-preview-${job.job_id}`);
  expect(job).toMatchObject({ status: 'PENDING', model: 'wan2.5-i2v-preview', base_model: 'wan2.5-i2v-preview', training_type: 'efficient_sft', validation_file_ids: [], max_output_cnt: 10, group: 'llm' });
  expect(job.create_time).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);

  // Mid-run: logs grow with the documented consumed-token lines only (no invented epoch/step/loss lines).
  const running = await waitFor(async () => {
    const r = await api(emu.url, 'GET', `/api/v1/fine-tunes/${job.job_id}/logs`);
    return r.body.output.logs.some((l: string) => /^ Actual number of consumed tokens is \d+ !$/.test(l)) ? r.body.output : undefined;
  }, 30_000, 'consumed-token log lines');
  expect(running.logs[0]).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} - INFO - data process succeeded, start to fine-tune$/);
  expect(running.logs.some((l: string) => /epoch|loss|step/i.test(l))).toBe(false);

  const done = await waitFor(async () => {
    const r = await api(emu.url, 'GET', `/api/v1/fine-tunes/${job.job_id}`);
    expect(['PENDING', 'QUEUING', 'RUNNING', 'SUCCEEDED']).toContain(r.body.output.status);
    return r.body.output.status === 'SUCCEEDED' ? r.body.output : undefined;
  }, 60_000, 'SUCCEEDED');
  // 12 videos of 2 s × 36864/1024 × 400 epochs.
  expect(done.usage).toBe(12 * 2 * 36 * 400);
  expect(done.output_cnt).toBe(8);
  expect(done.end_time).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);

  const logs = (await api(emu.url, 'GET', `/api/v1/fine-tunes/${job.job_id}/logs`)).body.output;
  expect(logs.total).toBe(logs.logs.length);
  expect(logs.logs).toContain(' Actual number of consumed tokens is 345600 !');
  expect(logs.logs.some((l: string) => l.includes('data process succeeded, start to fine-tune'))).toBe(true);
  expect(logs.logs[logs.logs.length - 1]).toMatch(/ - INFO - ##FT_COMPLETE##$/);
  // The reference's tail, in its order, after the last token line.
  const tail = logs.logs.slice(-5).map((l: string) => l.replace(/^.* - INFO - /, ''));
  expect(tail).toEqual([
    'fine-tuned output got, start to transfer it for inference',
    'transfer for inference succeeded, start to deliver it for inference',
    'start to save checkpoint',
    'finetune-job succeeded',
    '##FT_COMPLETE##',
  ]);
  // Every line is a documented shape: a timestamped INFO line or a consumed-token line.
  for (const l of logs.logs) expect(l).toMatch(/^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} - INFO - .+| Actual number of consumed tokens is \d+ !)$/);
  expect(logs.logs.filter((l: string) => l.startsWith(' Actual')).length).toBe(8);
  const page = (await api(emu.url, 'GET', `/api/v1/fine-tunes/${job.job_id}/logs?offset=2&line=3`)).body.output;
  expect(page).toEqual({ total: logs.total, logs: logs.logs.slice(1, 4) });

  const results = (await api(emu.url, 'GET', `/api/v1/fine-tunes/${job.job_id}/validation-results`)).body.output;
  expect(results.map((r: { checkpoint: string }) => r.checkpoint).sort()).toEqual([300, 600, 900, 1200, 1500, 1800, 2100, 2400].map((s) => `checkpoint-${s}`).sort());

  const details = (await api(emu.url, 'GET', `/api/v1/fine-tunes/${job.job_id}/validation-details/checkpoint-2400?page_no=1&page_size=10`)).body.output;
  expect(details).toMatchObject({ page_no: 1, page_size: 10, total: 1 });
  expect(details.list[0].prompt).toContain('sample 12');
  const preview = await fetchBytes(details.list[0].video_path);
  expect(preview.status).toBe(200);
  expect(preview.headers['content-type']).toBe('video/mp4');
  expect(preview.bytes.subarray(4, 8).toString('latin1')).toBe('ftyp');
  const frame = await fetchBytes(details.list[0].first_frame_path);
  expect(frame.bytes.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
  expect(new URL(details.list[0].video_path).pathname.startsWith('/__emulator/')).toBe(false);
  expect((await api(emu.url, 'GET', `/api/v1/fine-tunes/${job.job_id}/validation-details/checkpoint-7`)).status).toBe(404);

  // Export checkpoint-1200 and wait for SUCCEEDED.
  expect((await api(emu.url, 'GET', `/api/v1/fine-tunes/${job.job_id}/export/checkpoint-1200`)).body.code).toBe('InvalidParameter');
  const exp = await api(emu.url, 'GET', `/api/v1/fine-tunes/${job.job_id}/export/checkpoint-1200?model_name=my-ckpt-1200`);
  expect(exp.body).toMatchObject({ output: true });
  expect((await api(emu.url, 'GET', `/api/v1/fine-tunes/${job.job_id}/export/checkpoint-2400?model_name=my-ckpt-1200`)).status).toBe(409);
  const first = (await api(emu.url, 'GET', `/api/v1/fine-tunes/${job.job_id}/checkpoints`)).body.output;
  expect(first[0]).toMatchObject({ checkpoint: 'checkpoint-1200', job_id: job.job_id, full_name: `${job.job_id}-checkpoint-1200` });
  expect(['PENDING', 'PROCESSING']).toContain(first[0].status);
  const exported = await waitFor(async () => {
    const c = (await api(emu.url, 'GET', `/api/v1/fine-tunes/${job.job_id}/checkpoints`)).body.output[0];
    return c.status === 'SUCCEEDED' ? c : undefined;
  }, 30_000, 'export SUCCEEDED');
  expect(exported).toMatchObject({ model_name: `${job.finetuned_output}-c1200`, model_display_name: 'my-ckpt-1200' });

  // Deploy the exported checkpoint; a second deployment of the same name conflicts.
  const aigc_config = { use_input_prompt: false, prompt: 'Describe the image. Then the s86b5p effect begins.', lora_prompt_default: 'Then the s86b5p effect begins.' };
  const dep = await api(emu.url, 'POST', '/api/v1/deployments', { model_name: exported.model_name, capacity: 1, plan: 'lora', aigc_config });
  expect(dep.status).toBe(200);
  expect(dep.body.output).toMatchObject({ deployed_model: exported.model_name, model_name: exported.model_name, status: 'PENDING', base_model: 'wan2.5-i2v-preview', charge_type: 'post_paid', plan: 'lora' });
  expect(dep.body.output.gmt_create).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}$/);
  expect((await api(emu.url, 'POST', '/api/v1/deployments', { model_name: exported.model_name, capacity: 1, plan: 'lora', aigc_config })).body.code).toBe('Conflict');
  // Calling it before RUNNING is refused.
  const body = { model: exported.model_name, input: { img_url: 'https://example.com/cat.png', prompt: 'ignored' }, parameters: { resolution: '720P', prompt_extend: false } };
  const asyncH = { 'x-dashscope-async': 'enable' };
  const early = await api(emu.url, 'POST', '/api/v1/services/aigc/video-generation/video-synthesis', body, asyncH);
  expect(early.status).toBe(400);
  await waitFor(async () => ((await api(emu.url, 'GET', `/api/v1/deployments/${exported.model_name}`)).body.output.status === 'RUNNING' ? true : undefined), 30_000, 'deployment RUNNING');

  const submitted = await api(emu.url, 'POST', '/api/v1/services/aigc/video-generation/video-synthesis', body, asyncH);
  expect(submitted.status).toBe(200);
  expect(submitted.body.output).toMatchObject({ task_status: 'PENDING' });
  const task = await waitFor(async () => {
    const t = (await api(emu.url, 'GET', `/api/v1/tasks/${submitted.body.output.task_id}`)).body.output;
    return t.task_status === 'SUCCEEDED' ? t : undefined;
  }, 30_000, 'task SUCCEEDED');
  expect(task).toMatchObject({ usage: { duration: 5, video_count: 1, SR: 720 }, orig_prompt: aigc_config.lora_prompt_default });
  expect(task.submit_time).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}$/);
  const video = await fetchBytes(task.video_url);
  expect(video.status).toBe(200);
  expect(video.bytes.subarray(4, 8).toString('latin1')).toBe('ftyp');

  // 24 emulated hours later the URLs stop working and the task is UNKNOWN.
  await api(emu.url, 'POST', '/__emulator/clock/advance', { ms: 24 * 3600_000 + 1000 });
  const expired = await fetchBytes(task.video_url);
  expect(expired.status).toBe(403);
  expect(expired.bytes.toString()).toContain('<Code>AccessDenied</Code>');
  expect((await fetchBytes(details.list[0].video_path)).status).toBe(403);
  expect((await api(emu.url, 'GET', `/api/v1/tasks/${submitted.body.output.task_id}`)).body.output.task_status).toBe('UNKNOWN');
  const tampered = new URL(task.video_url);
  tampered.searchParams.set('Expires', String(Number(tampered.searchParams.get('Expires')) + 10 ** 6));
  expect((await fetchBytes(tampered.toString())).status).toBe(403);

  // Delete the deployment: DELETING, then NotFound.
  const del = await api(emu.url, 'DELETE', `/api/v1/deployments/${exported.model_name}`);
  expect(del.body.output.status).toBe('DELETING');
  const gone = await waitFor(async () => {
    const r = await api(emu.url, 'GET', `/api/v1/deployments/${exported.model_name}`);
    return r.status === 404 ? r : undefined;
  }, 30_000, 'deployment gone');
  expect(gone.body).toMatchObject({ code: 'NotFound', message: 'Not found.' });
  expect(typeof gone.body.request_id).toBe('string');

  // Lists.
  const jobs = (await api(emu.url, 'GET', '/api/v1/fine-tunes?page_no=1&page_size=10')).body.output;
  expect(jobs).toMatchObject({ page_no: 1, page_size: 10, total: 1 });
  expect(jobs.jobs[0]).toMatchObject({ job_id: job.job_id, status: 'SUCCEEDED', usage: done.usage });
  // The request log records effects and never the key.
  const log = (await api(emu.url, 'GET', '/__emulator/requests')).body.requests;
  expect(log.map((e: { effect?: string }) => e.effect).filter(Boolean)).toEqual(['file.created', 'job.created', 'export.created', 'deployment.created', 'task.created', 'deployment.deleted']);
  expect(JSON.stringify(log)).not.toContain('sk-wanflow-emulator');
});
