import { inspect } from 'node:util';
import { DashScope, DashScopeError } from '../../../src/dashscope';
import { sendJson, startLocalServer, type LocalServer } from './localServer';

const KEY = 'sk-very-secret-unit-key-7f3a9c';
let server: LocalServer;
let ds: DashScope;

beforeAll(async () => {
  // Every reply echoes the Authorization header back, the worst a server (or proxy) could do.
  server = await startLocalServer((req, res) => {
    const echoed = String(req.headers.authorization);
    if (req.url.startsWith('/api/v1/fine-tunes/')) {
      const status = Number(req.url.split('/').pop());
      return sendJson(res, status, { code: `Bad ${echoed}`, message: `key ${echoed} rejected`, request_id: echoed });
    }
    if (req.url.startsWith('/api/v1/tasks/')) return sendJson(res, 200, { request_id: 'r', output: { task_status: echoed } });
    res.writeHead(502, { 'content-type': 'text/plain' });
    res.end(`upstream said ${echoed}`);
  });
  ds = new DashScope({ apiKey: KEY, baseUrl: server.url });
});
afterAll(async () => {
  await ds.close();
  await server.close();
});

function expectNoKey(err: unknown) {
  expect(err).toBeInstanceOf(DashScopeError);
  const e = err as DashScopeError;
  for (const view of [e.message, String(e.stack), JSON.stringify(e), inspect(e, { depth: 5, showHidden: true }), JSON.stringify(Object.entries(e))]) {
    expect(view).not.toContain(KEY);
  }
}

test('the key is sent as a Bearer token', async () => {
  await ds.tasks.retrieve('t').catch(() => undefined);
  expect(server.requests.at(-1)?.headers.authorization).toBe(`Bearer ${KEY}`);
});

test.each([400, 401, 403, 404, 409, 429, 500])('a %d whose body echoes the key does not leak it', async (status) => {
  const err = await ds.fineTunes.retrieve(String(status)).catch((e: unknown) => e);
  expect((err as DashScopeError).status).toBe(status);
  expectNoKey(err);
});

test('non-JSON error bodies and schema errors do not leak it', async () => {
  expectNoKey(await ds.deployments.retrieve('d').catch((e: unknown) => e));
  expectNoKey(await ds.tasks.retrieve('t').catch((e: unknown) => e));
});

test('the client does not reveal the key through JSON, inspect or its own keys', () => {
  expect(JSON.stringify(ds)).not.toContain(KEY);
  expect(inspect(ds, { depth: 5, showHidden: true })).not.toContain(KEY);
  expect(JSON.stringify(Object.entries(ds), (_k, v: unknown) => (typeof v === 'object' && v !== null && v !== ds ? '[obj]' : v))).not.toContain(KEY);
  expect(Object.values(ds)).not.toContain(KEY);
});
