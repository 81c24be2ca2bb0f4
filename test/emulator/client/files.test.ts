import { ConflictError, DashScopeError, NotFoundError, InvalidParameterError, AuthenticationError } from '../../../src/dashscope';
import { buildDatasetZip, startClientEnv, type ClientEnv } from './setup';

let env: ClientEnv;
let zip: string;
beforeAll(async () => {
  env = await startClientEnv();
  zip = await buildDatasetZip(env.dir, 'train-set.zip');
});
afterAll(() => env.close());

describe('compatible-mode files', () => {
  test('upload, retrieve, list, delete', async () => {
    const progress: number[] = [];
    const file = await env.ds.files.upload(zip, { onProgress: (sent) => progress.push(sent) });
    expect(file.id).toMatch(/^file-ft-/);
    expect(file.filename).toBe('train-set.zip');
    expect(file.purpose).toBe('fine-tune');
    expect(file.status).toBe('processed');
    expect(progress.at(-1)).toBeGreaterThan(file.bytes);

    expect(await env.ds.files.retrieve(file.id)).toMatchObject({ id: file.id, bytes: file.bytes });
    const listed = await env.ds.files.list({ purpose: 'fine-tune' }).toArray();
    expect(listed.map((f) => f.id)).toContain(file.id);

    expect(await env.ds.files.delete(file.id)).toMatchObject({ id: file.id, deleted: true });
    await expect(env.ds.files.retrieve(file.id)).rejects.toBeInstanceOf(NotFoundError);
  });

  test('the after cursor walks every page', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await env.ds.files.upload(zip, { filename: `set-${i}.zip` })).id);
    const pages: number[] = [];
    const seen: string[] = [];
    for await (const page of env.ds.files.list({ limit: 2 }).pages()) {
      pages.push(page.items.length);
      seen.push(...page.items.map((f) => f.id));
    }
    expect(pages.length).toBeGreaterThanOrEqual(3);
    for (const id of ids) expect(seen).toContain(id);
    expect(new Set(seen).size).toBe(seen.length);
    for (const id of ids) await env.ds.files.delete(id);
  });

  test('a wrong key is an AuthenticationError from the compatible-mode error shape', async () => {
    const err = await env.client({ apiKey: 'sk-wrong' }).files.list().toArray().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthenticationError);
    expect((err as DashScopeError).requestId).toBeTruthy();
    expect((err as DashScopeError).message).not.toContain('sk-wrong');
  });

  test('a non-zip upload is rejected as InvalidParameterError', async () => {
    const err = await env.ds.files.upload(__filename, { filename: 'notes.txt' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidParameterError);
    expect(err).not.toBeInstanceOf(ConflictError);
  });
});

describe('native files', () => {
  test('upload, retrieve, list, delete', async () => {
    const res = await env.ds.files.native.upload(zip, { description: 'training' });
    expect(res.failed_uploads ?? []).toEqual([]);
    const id = res.uploaded_files?.[0]?.file_id;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const file = await env.ds.files.native.retrieve(id!);
    expect(file.file_id).toBe(id);
    expect(file.name).toBe('train-set.zip');
    const all = await env.ds.files.native.list({ page_size: 1 }).toArray();
    expect(all.map((f) => f.file_id)).toContain(id);
    await env.ds.files.native.delete(id!);
    await expect(env.ds.files.native.retrieve(id!)).rejects.toBeInstanceOf(NotFoundError);
  });
});
