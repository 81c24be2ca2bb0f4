/** Each fault kind over real HTTP, including "done but the response is lost". */
import { request } from 'undici';
import { api, buildDatasetZip, cleanup, startTestEmulator, tempDir, uploadCompat } from './helpers';

let dir: string;
let emu: Awaited<ReturnType<typeof startTestEmulator>>;
let fileId: string;
beforeAll(async () => {
  dir = tempDir();
  emu = await startTestEmulator({ timeScale: 1, faults: { retryAfterSeconds: 7 } });
  fileId = (await uploadCompat(emu.url, await buildDatasetZip(dir, 'train.zip'))).body.id;
});
afterEach(async () => {
  await api(emu.url, 'DELETE', '/__emulator/faults');
});
afterAll(async () => {
  await emu?.close();
  cleanup(dir);
  cleanup(emu.dataDir);
});

const setFaults = async (f: unknown) => {
  const r = await api(emu.url, 'POST', '/__emulator/faults', f);
  expect(r.status).toBe(200);
};
const lastLog = async () => (await api(emu.url, 'GET', '/__emulator/requests')).body.requests.at(-1);
const jobBody = { model: 'wan2.5-i2v-preview', training_file_ids: [] as string[], training_type: 'efficient_sft' };

test('429 Throttling with Retry-After, in both error shapes', async () => {
  await setFaults({ rate429: 1, retryAfterSeconds: 3 });
  const native = await api(emu.url, 'GET', '/api/v1/fine-tunes');
  expect(native.status).toBe(429);
  expect(native.headers['retry-after']).toBe('3');
  expect(native.body).toMatchObject({ code: 'Throttling.RateQuota', message: 'Requests rate limit exceeded, please try again later.', request_id: expect.any(String) });
  const compat = await api(emu.url, 'GET', '/compatible-mode/v1/files');
  expect(compat.status).toBe(429);
  expect(compat.body.error).toMatchObject({ type: 'rate_limit_error' });
  expect(await lastLog()).toMatchObject({ method: 'GET', path: '/compatible-mode/v1/files', status: 429, fault: '429' });
});

test('500 InternalError', async () => {
  await setFaults({ rate500: 1 });
  const r = await api(emu.url, 'GET', '/api/v1/deployments');
  expect(r.status).toBe(500);
  expect(r.body.code).toBe('InternalError');
});

test('connection reset: the client sees a socket error and nothing happens', async () => {
  await setFaults({ rateReset: 1 });
  await expect(api(emu.url, 'POST', '/api/v1/fine-tunes', { ...jobBody, training_file_ids: [fileId] })).rejects.toThrow();
  await api(emu.url, 'DELETE', '/__emulator/faults');
  expect((await api(emu.url, 'GET', '/__emulator/state')).body.jobs).toEqual([]);
  expect(await lastLog()).toMatchObject({ status: 0, fault: 'reset' });
});

test('slow responses wait the configured delay', async () => {
  await setFaults({ slowMs: 300 });
  const t = Date.now();
  expect((await api(emu.url, 'GET', '/api/v1/fine-tunes')).status).toBe(200);
  expect(Date.now() - t).toBeGreaterThanOrEqual(290);
});

test('lost response (next N, filtered): the job is created but the client sees a socket error', async () => {
  await setFaults({ next: [{ kind: 'lost', count: 1, method: 'POST', path: '^/api/v1/fine-tunes$' }] });
  // A read does not match the filter and is answered normally.
  expect((await api(emu.url, 'GET', '/api/v1/fine-tunes')).status).toBe(200);
  await expect(api(emu.url, 'POST', '/api/v1/fine-tunes', { ...jobBody, training_file_ids: [fileId] })).rejects.toThrow();
  const entry = await lastLog();
  expect(entry).toMatchObject({ method: 'POST', path: '/api/v1/fine-tunes', status: 200, lostResponse: true, effect: 'job.created', resourceId: expect.stringMatching(/^ft-/) });
  const state = (await api(emu.url, 'GET', '/__emulator/state')).body;
  expect(state.jobs.map((j: { jobId: string }) => j.jobId)).toContain(entry.resourceId);
  // The rule was used up: the next POST is answered.
  expect((await api(emu.url, 'GET', '/__emulator/faults')).body.next).toEqual([]);
  const cancel = await api(emu.url, 'POST', `/api/v1/fine-tunes/${entry.resourceId}/cancel`);
  expect(cancel.body.output).toEqual({ status: 'success' });
});

test('lost response as a rate only touches state-changing calls', async () => {
  await setFaults({ rateLost: 1 });
  expect((await api(emu.url, 'GET', '/api/v1/fine-tunes')).status).toBe(200);
  await expect(uploadCompat(emu.url, `${dir}/train.zip`)).rejects.toThrow();
  expect(await lastLog()).toMatchObject({ effect: 'file.created', lostResponse: true });
});

test('a lost export: the export exists although the caller saw a socket error', async () => {
  const id = (await api(emu.url, 'POST', '/api/v1/fine-tunes', { ...jobBody, training_file_ids: [fileId] })).body.output.job_id;
  await api(emu.url, 'POST', '/__emulator/clock/advance', { ms: 5 * 3600_000 });
  await setFaults({ next: [{ kind: 'lost', count: 1, path: '/export/' }] });
  await expect(api(emu.url, 'GET', `/api/v1/fine-tunes/${id}/export/checkpoint-2400?model_name=lost-one`)).rejects.toThrow();
  expect(await lastLog()).toMatchObject({ effect: 'export.created', lostResponse: true, resourceId: `${id}/checkpoint-2400` });
  const retry = await api(emu.url, 'GET', `/api/v1/fine-tunes/${id}/export/checkpoint-2400?model_name=lost-one`);
  expect(retry.body.code).toBe('Conflict');
  expect((await api(emu.url, 'GET', `/api/v1/fine-tunes/${id}/checkpoints`)).body.output[0].checkpoint).toBe('checkpoint-2400');
});

test('hold (test fault): the job is created, the reply waits delayMs and then arrives', async () => {
  await setFaults({ next: [{ kind: 'hold', count: 1, method: 'POST', path: '^/api/v1/fine-tunes$', delayMs: 400 }] });
  const t = Date.now();
  const r = await api(emu.url, 'POST', '/api/v1/fine-tunes', { ...jobBody, training_file_ids: [fileId] });
  expect(Date.now() - t).toBeGreaterThanOrEqual(390);
  expect(r.status).toBe(200);
  const entry = await lastLog();
  expect(entry).toMatchObject({ fault: 'hold', heldResponse: true, effect: 'job.created', resourceId: r.body.output.job_id });
  expect(entry.heldMs).toBeGreaterThanOrEqual(390);
  expect(entry.clientClosedWhileHeld).toBeUndefined();
  await api(emu.url, 'POST', `/api/v1/fine-tunes/${r.body.output.job_id}/cancel`);
});

test('hold (test fault): a client that dies while its reply is held never gets one; the effect stays and the log says so', async () => {
  await setFaults({ next: [{ kind: 'hold', count: 1, method: 'POST', path: '^/api/v1/fine-tunes$', delayMs: 60_000 }] });
  const ac = new AbortController();
  const pending = request(`${emu.url}/api/v1/fine-tunes`, {
    method: 'POST',
    headers: { authorization: 'Bearer sk-wanflow-emulator', 'content-type': 'application/json' },
    body: JSON.stringify({ ...jobBody, training_file_ids: [fileId] }),
    signal: ac.signal,
  });
  const held = async () => (await api(emu.url, 'GET', '/__emulator/requests')).body.requests.findLast((e: { fault?: string }) => e.fault === 'hold');
  let entry;
  for (const deadline = Date.now() + 10_000; !(entry = await held()) && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 20));
  expect(entry).toMatchObject({ effect: 'job.created', heldResponse: true });
  ac.abort();
  await expect(pending).rejects.toThrow();
  for (const deadline = Date.now() + 10_000; !(entry = await held()).clientClosedWhileHeld && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 20));
  expect(entry.clientClosedWhileHeld).toBe(true);
  expect(entry.heldMs).toBeLessThan(30_000);
  expect((await api(emu.url, 'GET', '/__emulator/state')).body.jobs.map((j: { jobId: string }) => j.jobId)).toContain(entry.resourceId);
  await api(emu.url, 'POST', `/api/v1/fine-tunes/${entry.resourceId}/cancel`);
});

test('hold (test fault) never applies to reads', async () => {
  await setFaults({ next: [{ kind: 'hold', count: 1, method: 'GET', path: '^/api/v1/fine-tunes$', delayMs: 60_000 }] });
  expect((await api(emu.url, 'GET', '/api/v1/fine-tunes')).status).toBe(200);
  expect((await lastLog()).fault).toBeUndefined();
});

test('next rules of every kind are consumed in order; admin and media paths are never faulted', async () => {
  await setFaults({ next: [{ kind: '500', count: 1 }, { kind: '429', count: 1 }, { kind: 'slow', count: 1, delayMs: 200 }] });
  expect((await request(`${emu.url}/__emulator/state`)).statusCode).toBe(200);
  expect((await request(`${emu.url}/oss/finetune-swap-emulator/x.mp4`)).statusCode).toBe(403);
  expect((await api(emu.url, 'GET', '/api/v1/fine-tunes')).status).toBe(500);
  expect((await api(emu.url, 'GET', '/api/v1/fine-tunes')).status).toBe(429);
  const t = Date.now();
  expect((await api(emu.url, 'GET', '/api/v1/fine-tunes')).status).toBe(200);
  expect(Date.now() - t).toBeGreaterThanOrEqual(190);
  expect((await api(emu.url, 'GET', '/api/v1/fine-tunes')).status).toBe(200);
});

test('bad fault settings are refused naming the field; the request log can be cleared', async () => {
  const r = await api(emu.url, 'POST', '/__emulator/faults', { rate429: 2 });
  expect(r.status).toBe(400);
  expect(r.body.message).toMatch(/rate429/);
  expect((await api(emu.url, 'POST', '/__emulator/faults', { next: [{ kind: 'boom' }] })).body.message).toMatch(/next\[0\]\.kind/);
  await api(emu.url, 'DELETE', '/__emulator/requests');
  expect((await api(emu.url, 'GET', '/__emulator/requests')).body.requests).toEqual([]);
});
