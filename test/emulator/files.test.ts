/** Files APIs (compatible and native): success and error shapes, paging, auth. */
import net from 'node:net';
import { request } from 'undici';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { api, buildDatasetZip, cleanup, KEY, startTestEmulator, tempDir, uploadCompat } from './helpers';

let dir: string;
let zip: string;
let emu: Awaited<ReturnType<typeof startTestEmulator>>;
beforeAll(async () => {
  dir = tempDir();
  zip = await buildDatasetZip(dir, 'train.zip');
  emu = await startTestEmulator({ maxUploadBytes: 64 * 1024 });
});
afterAll(async () => {
  await emu?.close();
  cleanup(dir);
  cleanup(emu.dataDir);
});

const compatError = (body: any, param: string | null) => {
  expect(body).toMatchObject({ error: { type: 'invalid_request_error', param } });
  expect(typeof body.error.message).toBe('string');
  expect(typeof body.error.code).toBe('string');
  expect(typeof body.request_id).toBe('string');
};

test('auth: a missing or wrong key is 401 in the shape of the path family', async () => {
  const native = await api(emu.url, 'GET', '/api/v1/fine-tunes', undefined, { authorization: 'Bearer sk-wrong' });
  expect(native.status).toBe(401);
  expect(native.body).toEqual({ code: 'InvalidApiKey', message: 'Invalid API-key provided.', request_id: expect.any(String) });
  const none = await request(`${emu.url}/api/v1/deployments`);
  expect(none.statusCode).toBe(401);
  expect(((await none.body.json()) as any).code).toBe('InvalidApiKey');
  const compat = await api(emu.url, 'GET', '/compatible-mode/v1/files', undefined, { authorization: 'Bearer nope' });
  expect(compat.status).toBe(401);
  expect(compat.body.error.code).toBe('invalid_api_key');
  const upper = await request(`${emu.url}/compatible-mode/v1/files`, { headers: { AUTHORIZATION: `bearer ${KEY}` } });
  expect(upper.statusCode).toBe(200);
  await upper.body.dump();
});

test('compatible mode: upload, get, list with after/limit/purpose, delete', async () => {
  const ids: string[] = [];
  for (let i = 0; i < 3; i++) {
    const up = await uploadCompat(emu.url, zip, { filename: `set-${i}.zip` });
    expect(up.status).toBe(200);
    expect(up.body).toEqual({ id: expect.stringMatching(/^file-ft-[0-9a-f]{32}$/), object: 'file', bytes: expect.any(Number), filename: `set-${i}.zip`, purpose: 'fine-tune', status: 'processed', created_at: expect.any(Number), status_details: null });
    ids.push(up.body.id);
  }
  const one = await api(emu.url, 'GET', `/compatible-mode/v1/files/${ids[0]}`);
  expect(one.body).toMatchObject({ id: ids[0], object: 'file', filename: 'set-0.zip' });
  const all = (await api(emu.url, 'GET', '/compatible-mode/v1/files')).body;
  expect(all).toMatchObject({ object: 'list', has_more: false });
  expect(all.data.map((f: { id: string }) => f.id)).toEqual(expect.arrayContaining(ids));
  const p1 = (await api(emu.url, 'GET', '/compatible-mode/v1/files?limit=2')).body;
  expect(p1.data).toHaveLength(2);
  expect(p1.has_more).toBe(true);
  const p2 = (await api(emu.url, 'GET', `/compatible-mode/v1/files?limit=2&after=${p1.data[1].id}`)).body;
  expect(p2.data.map((f: { id: string }) => f.id)).not.toContain(p1.data[0].id);
  expect([...p1.data, ...p2.data].map((f: { id: string }) => f.id).sort()).toEqual(all.data.map((f: { id: string }) => f.id).sort());
  expect((await api(emu.url, 'GET', '/compatible-mode/v1/files?purpose=batch')).body.data).toEqual([]);
  compatError((await api(emu.url, 'GET', '/compatible-mode/v1/files?limit=0')).body, 'limit');
  compatError((await api(emu.url, 'GET', '/compatible-mode/v1/files?limit=2001')).body, 'limit');

  const del = await api(emu.url, 'DELETE', `/compatible-mode/v1/files/${ids[0]}`);
  expect(del.body).toEqual({ object: 'file', deleted: true, id: ids[0] });
  const again = await api(emu.url, 'DELETE', `/compatible-mode/v1/files/${ids[0]}`);
  expect(again.status).toBe(404);
  compatError(again.body, 'file_id');
  expect((await api(emu.url, 'GET', `/compatible-mode/v1/files/${ids[0]}`)).status).toBe(404);
});

test('compatible mode upload errors: purpose, file type, no file, size limit, content type', async () => {
  const noPurpose = await uploadCompat(emu.url, zip, { purpose: '' });
  expect(noPurpose.status).toBe(400);
  compatError(noPurpose.body, 'purpose');
  const wrongPurpose = await uploadCompat(emu.url, zip, { purpose: 'batch' });
  compatError(wrongPurpose.body, 'purpose');
  const txt = path.join(dir, 'notes.txt');
  writeFileSync(txt, 'hello');
  const notZip = await uploadCompat(emu.url, txt);
  expect(notZip.status).toBe(400);
  compatError(notZip.body, 'file');
  expect(notZip.body.error.message).toMatch(/\.zip/);

  const big = path.join(dir, 'big.zip');
  writeFileSync(big, Buffer.alloc(200 * 1024, 1));
  const tooBig = await uploadCompat(emu.url, big);
  expect(tooBig.status).toBe(400);
  expect(tooBig.body.error).toMatchObject({ code: 'file_too_large', param: 'file' });

  const form = new FormData();
  form.append('purpose', 'fine-tune');
  const noFile = await fetch(`${emu.url}/compatible-mode/v1/files`, { method: 'POST', headers: { authorization: `Bearer ${KEY}` }, body: form });
  expect(noFile.status).toBe(400);
  compatError(await noFile.json(), 'file');

  const json = await api(emu.url, 'POST', '/compatible-mode/v1/files', { file: 'x' });
  expect(json.status).toBe(400);
  expect(json.body.error.message).toMatch(/multipart\/form-data/);
  // Nothing was stored by the failures (only what the other test kept).
  const state = (await api(emu.url, 'GET', '/__emulator/state')).body;
  expect(state.files.every((f: { filename: string }) => /^set-\d\.zip$/.test(f.filename))).toBe(true);
});

test('an upload declaring more than the limit is refused at once, before its body is read', async () => {
  const { port } = new URL(emu.url);
  const reply = await new Promise<string>((resolve, reject) => {
    let out = '';
    const s = net.connect(Number(port), '127.0.0.1', () => {
      s.write(`POST /compatible-mode/v1/files HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${KEY}\r\nContent-Type: multipart/form-data; boundary=b\r\nContent-Length: ${5 * 1024 * 1024 * 1024}\r\n\r\n--b\r\n`);
    });
    s.on('data', (d) => {
      out += d.toString();
      if (out.includes('}')) {
        s.destroy();
        resolve(out);
      }
    });
    s.on('error', reject);
  });
  expect(reply).toMatch(/^HTTP\/1\.1 400/);
  expect(reply).toMatch(/connection: close/i);
  expect(reply).toContain('"code":"file_too_large"');
});

test('native files API: multi-file upload with failures, get, paged list, delete', async () => {
  const txt = path.join(dir, 'bad.txt');
  writeFileSync(txt, 'x');
  const { readFileSync } = await import('node:fs');
  const form = new FormData();
  form.append('files', new Blob([readFileSync(zip)]), 'a.zip');
  form.append('files', new Blob([readFileSync(txt)]), 'bad.txt');
  form.append('purpose', 'fine-tune');
  form.append('descriptions', 'first set');
  const res = await fetch(`${emu.url}/api/v1/files`, { method: 'POST', headers: { authorization: `Bearer ${KEY}` }, body: form });
  const body = (await res.json()) as any;
  expect(res.status).toBe(200);
  expect(body.data.uploaded_files).toEqual([{ name: 'a.zip', file_id: expect.stringMatching(/^[0-9a-f-]{36}$/) }]);
  expect(body.data.failed_uploads).toEqual([{ name: 'bad.txt', code: 'InvalidParameter', message: expect.stringMatching(/\.zip/) }]);
  const id = body.data.uploaded_files[0].file_id;
  const got = (await api(emu.url, 'GET', `/api/v1/files/${id}`)).body;
  expect(got.data).toMatchObject({ file_id: id, name: 'a.zip', description: 'first set', size: expect.any(Number), md5: expect.stringMatching(/^[0-9a-f]{32}$/) });
  const list = (await api(emu.url, 'GET', '/api/v1/files?page_no=1&page_size=1')).body.data;
  expect(list).toMatchObject({ page_no: 1, page_size: 1, total: expect.any(Number) });
  expect(list.files).toHaveLength(1);
  expect((await api(emu.url, 'DELETE', `/api/v1/files/${id}`)).status).toBe(200);
  const missing = await api(emu.url, 'GET', `/api/v1/files/${id}`);
  expect(missing.status).toBe(404);
  expect(missing.body).toMatchObject({ code: 'NotFound', request_id: expect.any(String) });
});

test('unknown paths are 404 and wrong methods 405, in the native shape', async () => {
  const unknown = await api(emu.url, 'GET', '/api/v1/nothing-here');
  expect(unknown.status).toBe(404);
  expect(unknown.body.code).toBe('NotFound');
  const method = await api(emu.url, 'PUT', '/api/v1/fine-tunes');
  expect(method.status).toBe(405);
  expect(method.body.code).toBe('MethodNotAllowed');
});
