import {
  AuthenticationError,
  ConflictError,
  DashScope,
  DashScopeError,
  FINAL_ERROR_TYPES,
  InvalidParameterError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
  RETRYABLE_ERROR_TYPES,
  ResponseSchemaError,
  ServerError,
  isRetryable,
  parseRetryAfterMs,
} from '../../../src/dashscope';
import { parseErrorBody } from '../../../src/dashscope/classify';
import { startLocalServer, type LocalServer } from './localServer';

type Reply = { status: number; body: string; headers?: Record<string, string> };
let reply: Reply;
let server: LocalServer;
let ds: DashScope;

beforeAll(async () => {
  server = await startLocalServer((_req, res) => {
    res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
    res.end(reply.body);
  });
  ds = new DashScope({ apiKey: 'sk-unit-errors-0001', baseUrl: server.url });
});
afterAll(async () => {
  await ds.close();
  await server.close();
});

async function failureOf(r: Reply): Promise<DashScopeError> {
  reply = r;
  const err = await ds.fineTunes.retrieve('ft-1').then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof DashScopeError)) throw new Error(`expected a DashScopeError, got ${String(err)}`);
  return err;
}

const native = (code: string, message = 'msg') => JSON.stringify({ code, message, request_id: 'req-native' });

describe('classification of native error bodies', () => {
  const cases: Array<[number, string, new (...a: never[]) => DashScopeError, boolean]> = [
    [400, 'InvalidParameter', InvalidParameterError, false],
    [400, 'Arrearage', InvalidParameterError, false],
    [400, 'UnsupportedOperation', InvalidParameterError, false],
    [401, 'InvalidApiKey', AuthenticationError, false],
    [403, 'AccessDenied', PermissionDeniedError, false],
    [404, 'NotFound', NotFoundError, false],
    [409, 'Conflict', ConflictError, false],
    [413, 'RequestTooLarge', InvalidParameterError, false],
    [429, 'Throttling.RateQuota', RateLimitError, true],
    [500, 'InternalError', ServerError, true],
    [502, 'BadGateway', ServerError, true],
    [503, 'ServiceUnavailable', ServerError, true],
  ];
  test.each(cases)('%d %s -> %p', async (status, code, cls, retryable) => {
    const err = await failureOf({ status, body: native(code, `about ${code}`) });
    expect(err).toBeInstanceOf(cls);
    expect(err.name).toBe(cls.name);
    expect(err.status).toBe(status);
    expect(err.code).toBe(code);
    expect(err.requestId).toBe('req-native');
    expect(err.retryable).toBe(retryable);
    expect(isRetryable(err)).toBe(retryable);
    expect(err.message).toContain(`about ${code}`);
    expect(err.message).toContain('req-native');
    expect((retryable ? RETRYABLE_ERROR_TYPES : FINAL_ERROR_TYPES) as readonly string[]).toContain(err.name);
  });
});

describe('other body shapes', () => {
  test('compatible-mode {error:{message,type,param,code}, request_id}', async () => {
    const err = await failureOf({
      status: 400,
      body: JSON.stringify({ error: { message: 'purpose is invalid', type: 'invalid_request_error', param: 'purpose', code: 'invalid_value' }, request_id: 'req-compat' }),
    });
    expect(err).toBeInstanceOf(InvalidParameterError);
    expect(err.code).toBe('invalid_value');
    expect(err.requestId).toBe('req-compat');
    expect((err as InvalidParameterError).type).toBe('invalid_request_error');
    expect((err as InvalidParameterError).param).toBe('purpose');
    expect(err.message).toContain('purpose is invalid');
  });

  test('non-JSON body keeps the status class and uses the text as the message', async () => {
    const err = await failureOf({ status: 502, body: '<html>Bad Gateway</html>', headers: { 'content-type': 'text/html', 'x-request-id': 'gw-1' } });
    expect(err).toBeInstanceOf(ServerError);
    expect(err.code).toBeUndefined();
    expect(err.requestId).toBe('gw-1');
    expect(err.message).toContain('Bad Gateway');
  });

  test('empty body', async () => {
    const err = await failureOf({ status: 404, body: '' });
    expect(err).toBeInstanceOf(NotFoundError);
    expect(err.message).toContain('404');
  });

  test('parseErrorBody tolerates arrays and odd values', () => {
    expect(parseErrorBody('[1,2]')).toEqual({});
    expect(parseErrorBody('{"code":5,"message":null}')).toEqual({ code: undefined, message: undefined, requestId: undefined });
    expect(parseErrorBody('{"error":"boom","request_id":"r"}')).toMatchObject({ message: 'boom', requestId: 'r' });
  });
});

describe('Retry-After', () => {
  test('retry-after-ms wins over retry-after', async () => {
    const err = await failureOf({ status: 429, body: native('Throttling'), headers: { 'retry-after-ms': '1500', 'retry-after': '9' } });
    expect((err as RateLimitError).retryAfterMs).toBe(1500);
  });
  test('seconds', async () => {
    const err = await failureOf({ status: 429, body: native('Throttling'), headers: { 'retry-after': '3' } });
    expect((err as RateLimitError).retryAfterMs).toBe(3000);
  });
  test('HTTP date', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfterMs({ 'retry-after': 'Thu, 01 Jan 2026 00:00:07 GMT' }, now)).toBe(7000);
    expect(parseRetryAfterMs({ 'retry-after': 'Wed, 31 Dec 2025 23:59:00 GMT' }, now)).toBe(0);
  });
  test('absent or garbage', async () => {
    expect(parseRetryAfterMs({ 'retry-after': 'soon' })).toBeUndefined();
    expect(parseRetryAfterMs({ 'retry-after-ms': '-5' })).toBeUndefined();
    const err = await failureOf({ status: 429, body: native('Throttling') });
    expect((err as RateLimitError).retryAfterMs).toBeUndefined();
  });
});

describe('ResponseSchemaError', () => {
  test('missing required field names its path and the request id', async () => {
    const err = await failureOf({ status: 200, body: JSON.stringify({ request_id: 'req-schema', output: { status: 'RUNNING', model: 'm' } }) });
    expect(err).toBeInstanceOf(ResponseSchemaError);
    expect(err.name).toBe('ResponseSchemaError');
    expect((err as ResponseSchemaError).path).toBe('output.job_id');
    expect(err.requestId).toBe('req-schema');
    expect(err.retryable).toBe(false);
  });
  test('a 200 that is not JSON', async () => {
    const err = await failureOf({ status: 200, body: 'OK', headers: { 'x-request-id': 'req-text' } });
    expect(err).toBeInstanceOf(ResponseSchemaError);
    expect((err as ResponseSchemaError).path).toBe('');
    expect(err.requestId).toBe('req-text');
  });
  test('unknown fields are kept and optional nulls accepted', async () => {
    reply = {
      status: 200,
      body: JSON.stringify({ request_id: 'r', output: { job_id: 'ft-1', status: 'RUNNING', model: 'wan2.5-i2v-preview', end_time: null, brand_new: { x: 1 } } }),
    };
    const job = await ds.fineTunes.retrieve('ft-1');
    expect(job.end_time).toBeNull();
    expect((job as Record<string, unknown>).brand_new).toEqual({ x: 1 });
  });
});

test('the type lists partition the classes', () => {
  expect(new Set([...FINAL_ERROR_TYPES, ...RETRYABLE_ERROR_TYPES]).size).toBe(FINAL_ERROR_TYPES.length + RETRYABLE_ERROR_TYPES.length);
  expect(isRetryable(new Error('x'))).toBe(false);
});
