/** Video synthesis routes and the async task API with base models. */
import { api, cleanup, startTestEmulator } from './helpers';

let emu: Awaited<ReturnType<typeof startTestEmulator>>;
beforeAll(async () => {
  emu = await startTestEmulator({ timeScale: 1 });
});
afterAll(async () => {
  await emu?.close();
  cleanup(emu.dataDir);
});

const I2V = '/api/v1/services/aigc/video-generation/video-synthesis';
const KF2V = '/api/v1/services/aigc/image2video/video-synthesis';
const ASYNC = { 'x-dashscope-async': 'enable' };
const img = 'data:image/png;base64,iVBORw0KGgo=';

test('without X-DashScope-Async the call is 403 AccessDenied', async () => {
  const r = await api(emu.url, 'POST', I2V, { model: 'wan2.5-i2v-preview', input: { img_url: img } });
  expect(r.status).toBe(403);
  expect(r.body).toMatchObject({ code: 'AccessDenied', message: 'current user api does not support synchronous calls' });
});

test.each([
  [I2V, { model: 'wan2.5-i2v-preview', input: {} }, 400, 'input.img_url'],
  [I2V, { model: 'wan2.5-i2v-preview', input: { img_url: 'ftp://x' } }, 400, 'input.img_url'],
  [I2V, { model: 'wan2.5-i2v-preview' }, 400, 'input'],
  [I2V, { model: 'wan2.2-kf2v-flash', input: { first_frame_url: img } }, 400, 'image2video'],
  [KF2V, { model: 'wan2.5-i2v-preview', input: { img_url: img } }, 400, 'video-generation'],
  [KF2V, { model: 'wan2.2-kf2v-flash', input: { img_url: img } }, 400, 'input.first_frame_url'],
  [I2V, { model: 'wan2.6-i2v', input: { img_url: img }, parameters: { resolution: '480P' } }, 400, 'parameters.resolution'],
  [I2V, { model: 'wan2.2-i2v-flash', input: { img_url: img }, parameters: { duration: 10 } }, 400, 'parameters.duration'],
  [I2V, { model: 'wan2.5-i2v-preview', input: { img_url: img }, parameters: { seed: -1 } }, 400, 'parameters.seed'],
  [I2V, { model: 'wan2.7-i2v', input: { media: [{ type: 'driving_audio', url: 'https://a/b.mp3' }] } }, 400, 'input.media'],
  // The real service answers an unknown model with 400 InvalidParameter "Model not exist." (notes §9.2).
  [I2V, { model: 'no-such-model-ft-1', input: { img_url: img } }, 400, 'Model not exist.'],
])('%s %j → %i naming %s', async (route, body, status, field) => {
  const r = await api(emu.url, 'POST', route, body, ASYNC);
  expect(r.status).toBe(status);
  expect(r.body.message).toContain(field);
  expect(r.body.code).toBe('InvalidParameter');
});

test('a base-model task runs PENDING → RUNNING → SUCCEEDED; null optional fields are fine', async () => {
  const r = await api(emu.url, 'POST', I2V, { model: 'wan2.5-i2v-preview', input: { img_url: img, prompt: 'a cat', negative_prompt: null }, parameters: { resolution: '480P', duration: 10, seed: null } }, ASYNC);
  expect(r.body).toEqual({ output: { task_id: expect.any(String), task_status: 'PENDING' }, request_id: expect.any(String) });
  const id = r.body.output.task_id;
  expect((await api(emu.url, 'GET', `/api/v1/tasks/${id}`)).body.output).toMatchObject({ task_status: 'PENDING', submit_time: expect.any(String) });
  await api(emu.url, 'POST', '/__emulator/clock/advance', { seconds: 20 });
  expect((await api(emu.url, 'GET', `/api/v1/tasks/${id}`)).body.output).toMatchObject({ task_status: 'RUNNING', scheduled_time: expect.any(String) });
  await api(emu.url, 'POST', '/__emulator/clock/advance', { seconds: 120 });
  const done = (await api(emu.url, 'GET', `/api/v1/tasks/${id}`)).body.output;
  expect(done).toMatchObject({ task_status: 'SUCCEEDED', usage: { duration: 10, video_count: 1, SR: 480 }, orig_prompt: 'a cat', video_url: expect.stringMatching(/\/oss\/.*\.mp4\?Expires=\d+/) });
  expect(done.end_time).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}$/);
});

test('kf2v on the image2video route reports video_duration; wan2.7 accepts input.media', async () => {
  const kf = await api(emu.url, 'POST', KF2V, { model: 'wan2.2-kf2v-flash', input: { first_frame_url: img, last_frame_url: 'https://example.com/l.png' } }, ASYNC);
  const w27 = await api(emu.url, 'POST', I2V, { model: 'wan2.7-i2v', input: { media: [{ type: 'first_frame', url: 'https://example.com/f.png' }] } }, ASYNC);
  expect(w27.status).toBe(200);
  await api(emu.url, 'POST', '/__emulator/clock/advance', { seconds: 200 });
  expect((await api(emu.url, 'GET', `/api/v1/tasks/${kf.body.output.task_id}`)).body.output.usage).toEqual({ video_duration: 5, video_count: 1, SR: 720 });
  expect((await api(emu.url, 'GET', `/api/v1/tasks/${w27.body.output.task_id}`)).body.output.usage.SR).toBe(1080);
});

test('unknown tasks are UNKNOWN; only PENDING tasks can be canceled', async () => {
  expect((await api(emu.url, 'GET', '/api/v1/tasks/nope')).body.output).toEqual({ task_id: 'nope', task_status: 'UNKNOWN' });
  const r = await api(emu.url, 'POST', I2V, { model: 'wan2.2-i2v-flash', input: { img_url: img } }, ASYNC);
  const id = r.body.output.task_id;
  expect((await api(emu.url, 'POST', `/api/v1/tasks/${id}/cancel`)).body.output.task_status).toBe('CANCELED');
  expect((await api(emu.url, 'GET', `/api/v1/tasks/${id}`)).body.output.task_status).toBe('CANCELED');
  expect((await api(emu.url, 'POST', `/api/v1/tasks/${id}/cancel`)).body.code).toBe('UnsupportedOperation');
});

test('tasks can be listed, newest first, filtered by model_name, status and submit time', async () => {
  const a = (await api(emu.url, 'POST', I2V, { model: 'wan2.2-i2v-flash', input: { img_url: img } }, ASYNC)).body.output.task_id;
  const b = (await api(emu.url, 'POST', I2V, { model: 'wan2.2-i2v-flash', input: { img_url: img } }, ASYNC)).body.output.task_id;
  const list = await api(emu.url, 'GET', '/api/v1/tasks?model_name=wan2.2-i2v-flash&page_size=100');
  expect(list.status).toBe(200);
  expect(list.body).toMatchObject({ request_id: expect.any(String), page_no: 1, page_size: 100 });
  const ids = list.body.data.map((t: { task_id: string }) => t.task_id);
  expect(ids.indexOf(b)).toBeLessThan(ids.indexOf(a));
  expect(ids.length).toBe(list.body.total);
  expect(list.body.data.every((t: { model_name: string }) => t.model_name === 'wan2.2-i2v-flash')).toBe(true);
  expect((await api(emu.url, 'GET', '/api/v1/tasks?model_name=wan2.2-i2v-flash&status=SUCCEEDED')).body.data.map((t: { task_id: string }) => t.task_id)).not.toContain(a);
  expect((await api(emu.url, 'GET', '/api/v1/tasks?end_time=20000101000000')).body.total).toBe(0);
  const bad = await api(emu.url, 'GET', '/api/v1/tasks?start_time=yesterday');
  expect(bad.status).toBe(400);
  expect(bad.body.message).toContain('start_time');
});
