import { InvalidParameterError, TASK_TERMINAL_STATUSES, inferVideoRoute, type TaskOutput } from '../../../src/dashscope';
import { AIGC_CONFIG, startClientEnv, trainedModel, waitFor, type ClientEnv } from './setup';

let env: ClientEnv;
let deployed: string;
const IMAGE = 'https://example.com/first-frame.jpg';
const done = (t: TaskOutput) => (TASK_TERMINAL_STATUSES as readonly string[]).includes(t.task_status);

beforeAll(async () => {
  env = await startClientEnv();
  const model = await trainedModel(env);
  const d = await env.ds.deployments.create({ model_name: model, capacity: 1, plan: 'lora', aigc_config: AIGC_CONFIG });
  await waitFor(() => env.ds.deployments.retrieve(d.deployed_model), (x) => x.status === 'RUNNING');
  deployed = d.deployed_model;
});
afterAll(() => env.close());

test('route inference follows the official SDKs', () => {
  expect(inferVideoRoute('wan2.2-kf2v-flash')).toBe('image2video');
  expect(inferVideoRoute('wan2.2-kf2v-flash-ft-202601010000-ab12')).toBe('image2video');
  expect(inferVideoRoute('wan2.7-i2v-ft-202601010000-ab12')).toBe('video-generation');
});

test('create on the deployed LoRA (async header sent), then tasks.retrieve to SUCCEEDED', async () => {
  const created = await env.ds.videoSynthesis.create(
    { model: deployed, input: { img_url: IMAGE, prompt: 'p' }, parameters: { resolution: '480P', prompt_extend: false } },
    { route: 'video-generation' },
  );
  expect(created.task_status).toBe('PENDING');
  const task = await waitFor(() => env.ds.tasks.retrieve(created.task_id), done);
  expect(task.task_status).toBe('SUCCEEDED');
  expect(task.video_url).toMatch(/^http/);
  // usage as the service bills it: the default 5 s, one video.
  expect(task.usage).toMatchObject({ duration: 5, video_count: 1 });
  const log = await env.requests();
  expect(log.some((r) => r.method === 'POST' && r.path === '/api/v1/services/aigc/video-generation/video-synthesis' && r.status === 200)).toBe(true);
});

test('the kf2v route is used when asked (and rejected for an i2v model)', async () => {
  const err = await env.ds.videoSynthesis
    .create({ model: deployed, input: { first_frame_url: IMAGE }, parameters: { resolution: '480P' } }, { route: 'image2video' })
    .catch((e: unknown) => e);
  expect(err).toBeInstanceOf(InvalidParameterError);
  const log = await env.requests();
  expect(log.at(-1)?.path).toBe('/api/v1/services/aigc/image2video/video-synthesis');
});

test('cancel a PENDING task (real-time emulator, so it is still PENDING)', async () => {
  const slow = await startClientEnv(1);
  try {
    const created = await slow.ds.videoSynthesis.create({ model: 'wan2.2-i2v-flash', input: { img_url: IMAGE }, parameters: { resolution: '480P' } });
    await slow.ds.tasks.cancel(created.task_id);
    const task = await slow.ds.tasks.retrieve(created.task_id);
    expect(task.task_status).toBe('CANCELED');
  } finally {
    await slow.close();
  }
});

test('cancelling a task that already runs: final 400 UnsupportedOperation', async () => {
  const created = await env.ds.videoSynthesis.create({ model: 'wan2.2-i2v-flash', input: { img_url: IMAGE }, parameters: { resolution: '480P' } });
  await waitFor(() => env.ds.tasks.retrieve(created.task_id), (t) => t.task_status !== 'PENDING');
  const err = await env.ds.tasks.cancel(created.task_id).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(InvalidParameterError);
  expect((err as InvalidParameterError).code).toBe('UnsupportedOperation');
});

test('an unknown task id is UNKNOWN, not an error', async () => {
  const task = await env.ds.tasks.retrieve('00000000-0000-0000-0000-000000000000');
  expect(task.task_status).toBe('UNKNOWN');
});

test('an unknown model: 400 InvalidParameterError "Model not exist." (as the real service, notes §9.2)', async () => {
  const err = await env.ds.videoSynthesis.create({ model: 'wan9-none', input: { img_url: IMAGE } }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(InvalidParameterError);
  expect((err as InvalidParameterError).code).toBe('InvalidParameter');
  expect((err as InvalidParameterError).message).toContain('Model not exist.');
});

test('tasks.list pages through the tasks of a deployed model, newest first', async () => {
  const ids: string[] = [];
  for (let i = 0; i < 3; i++) {
    ids.push((await env.ds.videoSynthesis.create({ model: deployed, input: { img_url: IMAGE } }, { route: 'video-generation' })).task_id);
  }
  const listed: string[] = [];
  for await (const t of env.ds.tasks.list({ model_name: deployed, page_size: 2 })) {
    expect(t.model_name).toBe(deployed);
    listed.push(t.task_id);
  }
  expect(listed.slice(0, 3)).toEqual([...ids].reverse());
  const paths = (await env.requests()).filter((r) => r.method === 'GET' && /^\/api\/v1\/tasks\/?(\?|$)/.test(r.path));
  expect(paths.length).toBeGreaterThanOrEqual(2); // more than one page was fetched
});
