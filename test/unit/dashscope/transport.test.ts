import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConnectionError, ConnectionResetError, DashScope, RETRYABLE_ERROR_TYPES, TimeoutError } from '../../../src/dashscope';
import { sendJson, startLocalServer, type LocalServer } from './localServer';

let server: LocalServer;
let mode: 'reset' | 'hang' | 'ok';

beforeAll(async () => {
  server = await startLocalServer((_req, res) => {
    if (mode === 'reset') res.socket?.destroy();
    else if (mode === 'ok') sendJson(res, 200, { request_id: 'r', output: { status: 'success' } });
    // 'hang': never answer
  });
});
afterAll(() => server.close());

const client = (timeoutMs = 5_000) => new DashScope({ apiKey: 'sk-unit-transport', baseUrl: server.url, timeoutMs });

test('a socket closed by the other side is a ConnectionResetError', async () => {
  mode = 'reset';
  const ds = client();
  const err = await ds.fineTunes.delete('ft-1').catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ConnectionResetError);
  expect((err as ConnectionResetError).name).toBe('ConnectionResetError');
  expect((err as ConnectionResetError).retryable).toBe(true);
  expect((err as ConnectionResetError).status).toBeUndefined();
  expect(RETRYABLE_ERROR_TYPES).toContain('ConnectionResetError');
  await ds.close();
});

test('no answer within timeoutMs is a TimeoutError', async () => {
  mode = 'hang';
  const ds = client(300);
  const started = Date.now();
  const err = await ds.tasks.retrieve('t-1').catch((e: unknown) => e);
  expect(err).toBeInstanceOf(TimeoutError);
  expect((err as TimeoutError).name).toBe('TimeoutError');
  expect((err as TimeoutError).retryable).toBe(true);
  expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  expect(Date.now() - started).toBeLessThan(3_000);
  await ds.close();
});

test('an aborted signal re-throws the abort reason, unclassified', async () => {
  mode = 'hang';
  const ds = client();
  const controller = new AbortController();
  const reason = new Error('activity cancelled');
  setTimeout(() => controller.abort(reason), 50);
  await expect(ds.tasks.retrieve('t-1', { signal: controller.signal })).rejects.toBe(reason);
  const pre = new AbortController();
  pre.abort();
  const err = await ds.tasks.retrieve('t-1', { signal: pre.signal }).catch((e: unknown) => e);
  expect((err as Error).name).toBe('AbortError');
  await ds.close();
});

test('a refused connection is a ConnectionError (request never sent)', async () => {
  const probe = http.createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((r) => probe.close(() => r()));
  const ds = new DashScope({ apiKey: 'sk-unit-transport', baseUrl: `http://127.0.0.1:${port}` });
  const err = await ds.deployments.retrieve('d').catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ConnectionError);
  expect((err as ConnectionError).code).toBe('ECONNREFUSED');
  await ds.close();
});

test('keep-alive: consecutive calls reuse one connection', async () => {
  mode = 'ok';
  const ds = client();
  const before = server.requests.length;
  for (const id of ['a', 'b', 'c']) {
    await ds.fineTunes.delete(id);
    // let undici see the end of the response and put the socket back in the pool
    await new Promise((r) => setTimeout(r, 5));
  }
  const ports = new Set(server.requests.slice(before).map((r) => r.remotePort));
  expect(server.requests.length - before).toBe(3);
  expect(ports.size).toBe(1);
  await ds.close();
});
