import { DashScope, RateLimitError, ServerError, ConnectionResetError, InvalidParameterError } from '../../../src/dashscope';
import { MAX_RETRY_DELAY_MS, retryDelayMs, shouldRetry } from '../../../src/dashscope/retry';
import { sendJson, startLocalServer, type LocalServer } from './localServer';

/** Replies in order from `script`, then 200. */
let script: Array<'500' | '503' | '429' | '400' | 'reset'>;
let server: LocalServer;
const job = { request_id: 'r', output: { job_id: 'ft-1', status: 'RUNNING', model: 'm' } };

beforeAll(async () => {
  server = await startLocalServer((_req, res) => {
    const step = script.shift();
    if (step === 'reset') return void res.socket?.destroy();
    if (step === '429') return sendJson(res, 429, { code: 'Throttling', message: 'slow', request_id: 'r' }, { 'retry-after-ms': '120' });
    if (step) return sendJson(res, Number(step), { code: 'X', message: step, request_id: 'r' });
    sendJson(res, 200, job);
  });
});
afterAll(() => server.close());

function run(maxRetries: number, steps: typeof script, call: (ds: DashScope) => Promise<unknown>) {
  script = [...steps];
  const before = server.requests.length;
  const ds = new DashScope({ apiKey: 'sk-unit-retry', baseUrl: server.url, maxRetries });
  return call(ds)
    .then(
      (v) => ({ value: v as unknown, error: undefined as unknown }),
      (e: unknown) => ({ value: undefined as unknown, error: e }),
    )
    .then(async (r) => {
      await ds.close();
      return { ...r, attempts: server.requests.length - before };
    });
}

const get = (ds: DashScope) => ds.fineTunes.retrieve('ft-1');
const create = (ds: DashScope) => ds.fineTunes.create({ model: 'm', training_file_ids: ['f'], training_type: 'efficient_sft' });

test('no retries by default', async () => {
  const r = await run(0, ['500'], get);
  expect(r.error).toBeInstanceOf(ServerError);
  expect(r.attempts).toBe(1);
});

test('GET retries retryable errors, up to maxRetries', async () => {
  const ok = await run(3, ['500', 'reset'], get);
  expect(ok.error).toBeUndefined();
  expect(ok.attempts).toBe(3);
  const exhausted = await run(1, ['500', '500', '500'], get);
  expect(exhausted.error).toBeInstanceOf(ServerError);
  expect(exhausted.attempts).toBe(2);
});

test('final errors are never retried', async () => {
  const r = await run(3, ['400'], get);
  expect(r.error).toBeInstanceOf(InvalidParameterError);
  expect(r.attempts).toBe(1);
});

test('POST retries 429 (honouring retry-after-ms) and 503, but not 500 or a reset', async () => {
  const started = Date.now();
  const throttled = await run(2, ['429', '503'], create);
  expect(throttled.error).toBeUndefined();
  expect(throttled.attempts).toBe(3);
  expect(Date.now() - started).toBeGreaterThanOrEqual(120);

  const r500 = await run(3, ['500'], create);
  expect(r500.error).toBeInstanceOf(ServerError);
  expect(r500.attempts).toBe(1);

  const reset = await run(3, ['reset'], create);
  expect(reset.error).toBeInstanceOf(ConnectionResetError);
  expect(reset.attempts).toBe(1);
});

test('backoff: 0.5 s × 2^n, capped at 8 s, jitter within 25 %, Retry-After honoured up to 60 s', () => {
  const none = () => 0;
  const full = () => 1;
  expect([0, 1, 2, 3, 4, 5].map((n) => retryDelayMs(n, new ServerError('x', { status: 500 }), none))).toEqual([500, 1000, 2000, 4000, 8000, MAX_RETRY_DELAY_MS]);
  expect(retryDelayMs(0, new ServerError('x', { status: 500 }), full)).toBe(375);
  expect(retryDelayMs(0, new RateLimitError('x', { status: 429, retryAfterMs: 2500 }), none)).toBe(2500);
  expect(retryDelayMs(1, new RateLimitError('x', { status: 429, retryAfterMs: 120_000 }), none)).toBe(1000);
  expect(shouldRetry(new Error('plain'), true)).toBe(false);
});

test('an abort during the backoff sleep stops retrying', async () => {
  const controller = new AbortController();
  const reason = new Error('stop');
  setTimeout(() => controller.abort(reason), 100);
  const r = await run(5, ['500', '500', '500', '500', '500'], (ds) => ds.fineTunes.retrieve('ft-1', { signal: controller.signal }));
  expect(r.error).toBe(reason);
  expect(r.attempts).toBeLessThanOrEqual(2);
});
