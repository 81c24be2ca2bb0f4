import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import busboy from 'busboy';
import { DashScope } from '../../../src/dashscope';
import { multipartFileBody, quoteDispositionValue } from '../../../src/dashscope/multipart';
import { sendJson, startLocalServer, type LocalServer, type Recorded } from './localServer';

interface Parsed {
  fields: Array<[string, string]>;
  files: Array<{ field: string; filename: string; mimeType: string; sha256: string; bytes: number }>;
}

/** Parses a recorded multipart request with busboy, as a real server would. */
function parseMultipart(req: Recorded): Promise<Parsed> {
  return new Promise((resolve, reject) => {
    const out: Parsed = { fields: [], files: [] };
    const bb = busboy({ headers: req.headers });
    bb.on('field', (name, value) => out.fields.push([name, value]));
    bb.on('file', (field, stream, info) => {
      const hash = createHash('sha256');
      let bytes = 0;
      stream.on('data', (c: Buffer) => {
        hash.update(c);
        bytes += c.length;
      });
      stream.on('end', () => out.files.push({ field, filename: info.filename ?? '', mimeType: info.mimeType, sha256: hash.digest('hex'), bytes }));
    });
    bb.on('close', () => resolve(out));
    bb.on('error', reject);
    Readable.from([req.body]).pipe(bb);
  });
}

let dir: string;
let server: LocalServer;
let ds: DashScope;
let zipPath: string;
let zipSha: string;
const SIZE = 3 * 1024 * 1024 + 17;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'wanflow-multipart-'));
  zipPath = join(dir, 'data set.zip');
  const data = randomBytes(SIZE);
  writeFileSync(zipPath, data);
  zipSha = createHash('sha256').update(data).digest('hex');
  server = await startLocalServer((req, res) => {
    if (req.url === '/api/v1/files') {
      return sendJson(res, 200, { request_id: 'r', data: { uploaded_files: [{ name: 'x', file_id: '0b1c' }], failed_uploads: [] } });
    }
    sendJson(res, 200, { id: 'file-ft-1', object: 'file', bytes: SIZE, created_at: 1, filename: 'x', purpose: 'fine-tune', status: 'processed' });
  });
  ds = new DashScope({ apiKey: 'sk-unit-multipart', baseUrl: server.url });
});
afterAll(async () => {
  await ds.close();
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

test('compatible upload: exact Content-Length, intact file, purpose field, progress to the total', async () => {
  const progress: Array<[number, number]> = [];
  const file = await ds.files.upload(zipPath, { filename: 'my "set".zip', onProgress: (s, t) => progress.push([s, t]) });
  expect(file.id).toBe('file-ft-1');
  const req = server.requests.at(-1)!;
  expect(req.url).toBe('/compatible-mode/v1/files');
  expect(req.headers['transfer-encoding']).toBeUndefined();
  expect(Number(req.headers['content-length'])).toBe(req.body.length);
  const parsed = await parseMultipart(req);
  expect(parsed.fields).toEqual([['purpose', 'fine-tune']]);
  expect(parsed.files).toEqual([{ field: 'file', filename: 'my %22set%22.zip', mimeType: 'application/zip', sha256: zipSha, bytes: SIZE }]);
  const total = req.body.length;
  expect(progress.at(-1)).toEqual([total, total]);
  for (let i = 1; i < progress.length; i++) expect(progress[i]![0]).toBeGreaterThan(progress[i - 1]![0]);
});

test('native upload sends files, purpose, descriptions', async () => {
  const res = await ds.files.native.upload(zipPath, { description: 'training set' });
  expect(res.uploaded_files?.[0]?.file_id).toBe('0b1c');
  const parsed = await parseMultipart(server.requests.at(-1)!);
  expect(parsed.fields).toEqual([
    ['purpose', 'fine-tune'],
    ['descriptions', 'training set'],
  ]);
  expect(parsed.files[0]).toMatchObject({ field: 'files', filename: 'data set.zip', sha256: zipSha });
});

test('the body can be opened twice (retries) and its length is exact', async () => {
  const body = await multipartFileBody([['a', '1']], { field: 'file', path: zipPath, filename: 'x.zip' });
  for (let i = 0; i < 2; i++) {
    let n = 0;
    for await (const chunk of body.open()) n += chunk.length;
    expect(n).toBe(body.contentLength);
  }
});

test('a missing file fails before any request', async () => {
  const before = server.requests.length;
  await expect(ds.files.upload(join(dir, 'nope.zip'))).rejects.toMatchObject({ code: 'ENOENT' });
  expect(server.requests.length).toBe(before);
});

test('disposition values are escaped like browsers do', () => {
  expect(quoteDispositionValue('a"b\r\nc')).toBe('a%22b%0D%0Ac');
});
