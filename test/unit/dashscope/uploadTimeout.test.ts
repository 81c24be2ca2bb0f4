/** The per-attempt timer measures inactivity: an upload that keeps progressing may take longer than timeoutMs. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { DashScope, TimeoutError } from '../../../src/dashscope';

let dir: string;
let file: string;
let content: Buffer;
const SIZE = 24 * 1024 * 1024;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'wanflow-upload-timeout-'));
  file = join(dir, 'big.zip');
  content = randomBytes(SIZE);
  writeFileSync(file, content);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A server whose reading of each request body is controlled by `onRequest`. */
async function serve(onRequest: (req: http.IncomingMessage, res: http.ServerResponse) => void) {
  const server = http.createServer(onRequest);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

test('a server that stops reading the body: TimeoutError after timeoutMs without progress', async () => {
  const server = await serve((req) => req.pause());
  const ds = new DashScope({ apiKey: 'sk-unit-timeout', baseUrl: server.url, timeoutMs: 400 });
  let sent = 0;
  const started = Date.now();
  const err = await ds.files.upload(file, { onProgress: (s) => (sent = s) }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(TimeoutError);
  expect(sent).toBeLessThan(SIZE);
  expect(Date.now() - started).toBeLessThan(10_000);
  await ds.close();
  await server.close();
});

test('a slow but steady upload longer than timeoutMs succeeds, byte-exact (pooled read buffers under backpressure)', async () => {
  let received = Buffer.alloc(0);
  const server = await serve((req, res) => {
    let bytes = 0;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      bytes += c.length;
      chunks.push(c);
      req.pause();
      setTimeout(() => req.resume(), 10); // ~384 chunks of 64 KiB: the upload takes several seconds
    });
    req.on('end', () => {
      received = Buffer.concat(chunks);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: 'file-ft-slow', bytes, created_at: 1, filename: 'big.zip', purpose: 'fine-tune' }));
    });
  });
  // A generous inactivity timeout, so a loaded CI machine's event-loop stalls do not trip it; still far below the total.
  const ds = new DashScope({ apiKey: 'sk-unit-timeout', baseUrl: server.url, timeoutMs: 2_500 });
  const started = Date.now();
  const res = await ds.files.upload(file);
  const elapsed = Date.now() - started;
  expect(res.bytes).toBeGreaterThan(SIZE);
  expect(elapsed).toBeGreaterThan(2_500);
  // the file part sits between the multipart preamble and epilogue
  const start = received.indexOf('\r\n\r\n', received.indexOf('filename=')) + 4;
  const part = received.subarray(start, start + SIZE);
  expect(createHash('sha256').update(part).digest('hex')).toBe(createHash('sha256').update(content).digest('hex'));
  await ds.close();
  await server.close();
});

test('aborting mid-upload rejects with the abort reason and stops sending', async () => {
  const server = await serve((req) => req.pause());
  const ds = new DashScope({ apiKey: 'sk-unit-timeout', baseUrl: server.url, timeoutMs: 10_000 });
  const controller = new AbortController();
  const reason = new Error('cancelled by the workflow');
  let sent = 0;
  const upload = ds.files.upload(file, {
    signal: controller.signal,
    onProgress: (s) => {
      sent = s;
      if (s > 1024 * 1024) controller.abort(reason);
    },
  });
  await expect(upload).rejects.toBe(reason);
  const atAbort = sent;
  await new Promise((r) => setTimeout(r, 100));
  expect(sent).toBe(atAbort);
  await ds.close();
  await server.close();
});
