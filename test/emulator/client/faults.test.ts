/** Every retryable error class as the emulator's fault injection produces it, and the lost-response case. */
import {
  ConnectionResetError,
  RateLimitError,
  RETRYABLE_ERROR_TYPES,
  ServerError,
  AuthenticationError,
  TimeoutError,
  isRetryable,
} from '../../../src/dashscope';
import { buildDatasetZip, startClientEnv, waitFor, type ClientEnv } from './setup';

let env: ClientEnv;
let zip: string;
beforeAll(async () => {
  env = await startClientEnv();
  zip = await buildDatasetZip(env.dir, 'train.zip');
});
afterEach(() => env.setFaults({}));
afterAll(() => env.close());

test('401 wrong key on the native API: AuthenticationError with code InvalidApiKey', async () => {
  const err = await env.client({ apiKey: 'sk-not-valid' }).fineTunes.list().toArray().catch((e: unknown) => e);
  expect(err).toBeInstanceOf(AuthenticationError);
  expect((err as AuthenticationError).code).toBe('InvalidApiKey');
  expect(isRetryable(err)).toBe(false);
});

test('429 with Retry-After: RateLimitError carrying retryAfterMs', async () => {
  await env.setFaults({ retryAfterSeconds: 2, next: [{ kind: '429', count: 1, path: '^/api/v1/fine-tunes' }] });
  const err = await env.ds.fineTunes.list().toArray().catch((e: unknown) => e);
  expect(err).toBeInstanceOf(RateLimitError);
  expect((err as RateLimitError).code).toMatch(/^Throttling/);
  expect((err as RateLimitError).retryAfterMs).toBe(2000);
  expect(isRetryable(err)).toBe(true);
});

test('500: ServerError', async () => {
  await env.setFaults({ next: [{ kind: '500', count: 1 }] });
  const err = await env.ds.deployments.list().toArray().catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ServerError);
  expect((err as ServerError).code).toBe('InternalError');
  expect((err as ServerError).requestId).toBeTruthy();
});

test('reset: ConnectionResetError, and the client still works afterwards', async () => {
  await env.setFaults({ next: [{ kind: 'reset', count: 1 }] });
  const err = await env.ds.files.list().toArray().catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ConnectionResetError);
  expect(RETRYABLE_ERROR_TYPES).toContain((err as Error).name);
  await expect(env.ds.files.list().toArray()).resolves.toBeInstanceOf(Array);
});

test('lost response: the upload happens remotely, the client raises ConnectionResetError', async () => {
  await env.setFaults({ next: [{ kind: 'lost', count: 1, method: 'POST', path: '^/compatible-mode/v1/files$' }] });
  const before = (await env.ds.files.list().toArray()).length;
  const err = await env.ds.files.upload(zip, { filename: 'lost.zip' }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ConnectionResetError);
  const after = await env.ds.files.list().toArray();
  expect(after.length).toBe(before + 1);
  expect(after.some((f) => f.filename === 'lost.zip')).toBe(true);
  const log = await env.requests();
  expect(log.filter((r) => r.lostResponse && r.path === '/compatible-mode/v1/files')).toHaveLength(1);
});

test('a POST is not retried on a lost response even with maxRetries (no duplicate job)', async () => {
  const file = await env.ds.files.upload(zip, { filename: 'retry.zip' });
  const ds = env.client({ maxRetries: 3 });
  await env.setFaults({ next: [{ kind: 'lost', count: 1, method: 'POST', path: '^/api/v1/fine-tunes$' }] });
  const jobsBefore = (await ds.fineTunes.list().toArray()).length;
  const err = await ds.fineTunes
    .create({ model: 'wan2.2-i2v-flash', training_file_ids: [file.id], training_type: 'efficient_sft', hyper_parameters: { n_epochs: 267, batch_size: 4, eval_epochs: 89 } })
    .catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ConnectionResetError);
  expect((await ds.fineTunes.list().toArray()).length).toBe(jobsBefore + 1);
});

test('with maxRetries, a GET gets past 429, 500 and a reset', async () => {
  const ds = env.client({ maxRetries: 3 });
  await env.setFaults({
    retryAfterSeconds: 0,
    next: [
      { kind: '429', count: 1, method: 'GET' },
      { kind: '500', count: 1, method: 'GET' },
      { kind: 'reset', count: 1, method: 'GET' },
    ],
  });
  await expect(ds.deployments.list().toArray()).resolves.toBeInstanceOf(Array);
  const faulted = (await env.requests()).filter((r) => r.fault);
  expect(faulted.slice(-3).map((r) => r.fault)).toEqual(['429', '500', 'reset']);
});

test('a slow response beyond timeoutMs: TimeoutError', async () => {
  await env.setFaults({ next: [{ kind: 'slow', count: 1, delayMs: 1_500 }] });
  const logged = (await env.requests()).length;
  const err = await env.client({ timeoutMs: 300 }).fineTunes.list().toArray().catch((e: unknown) => e);
  expect(err).toBeInstanceOf(TimeoutError);
  // let the emulator finish the delayed reply, so no timer outlives the file
  await waitFor(() => env.requests(), (log) => log.length > logged, 5_000);
});
