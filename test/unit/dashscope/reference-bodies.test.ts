/**
 * Every JSON response example of the reference (model-studio-wan-video-fine-tuning-api.ja.txt) and the error bodies of
 * dashscope-api-notes.md §3 and §9, kept verbatim in test/fixtures/reference/, served by a local HTTP server and read
 * through the client: each must parse into the typed result (or the right error class). Where the reference folder is
 * present (CI's clone sits next to it), the fixtures are checked against it, so a drifted fixture fails.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DashScope } from '../../../src/dashscope';
import * as errors from '../../../src/dashscope/errors';
import { sendJson, startLocalServer, type LocalServer } from './localServer';

const FIXTURES = join(__dirname, '..', '..', 'fixtures', 'reference');
interface Fixture {
  source: string;
  section: string;
  line?: number;
  status: number;
  body: Record<string, unknown>;
  expect?: string;
  quoted?: boolean;
}
const load = (name: string): Fixture => JSON.parse(readFileSync(join(FIXTURES, `${name}.json`), 'utf8')) as Fixture;
const all = readdirSync(FIXTURES).filter((f) => f.endsWith('.json')).map((f) => f.replace(/\.json$/, '')).sort();

let server: LocalServer;
let current: Fixture;
let ds: DashScope;
beforeAll(async () => {
  server = await startLocalServer((_req, res) => sendJson(res, current.status, current.body));
  ds = new DashScope({ apiKey: 'sk-test', baseUrl: server.url, timeoutMs: 10_000 });
});
afterAll(async () => {
  await ds.close?.();
  await server.close();
});
const serve = (name: string) => {
  current = load(name);
  return current;
};

describe('response examples of the reference parse into typed results', () => {
  test('files-upload: POST /compatible-mode/v1/files', async () => {
    serve('files-upload');
    const zip = join(mkdtempSync(join(tmpdir(), 'wanflow-ref-')), 'wan-i2v-training-dataset.zip');
    writeFileSync(zip, Buffer.from('PK\u0005\u0006' + '\u0000'.repeat(18), 'latin1'));
    const f = await ds.files.upload(zip);
    expect(f).toMatchObject({ id: 'file-ft-b2416bacc4d742xxxx', object: 'file', bytes: 73310369, status: 'processed', purpose: 'fine-tune', created_at: 1766127125 });
  });

  test('fine-tunes-create: POST /api/v1/fine-tunes', async () => {
    serve('fine-tunes-create');
    const job = await ds.fineTunes.create({ model: 'wan2.5-i2v-preview', training_file_ids: ['xxxxxxxxxxxx'], training_type: 'efficient_sft' });
    expect(job).toMatchObject({ job_id: 'ft-202511111122-xxxx', status: 'PENDING', finetuned_output: 'wan2.5-i2v-preview-ft-202511111122-xxxx', create_time: '2025-11-11 11:22:22', max_output_cnt: 10 });
    expect(job.hyper_parameters).toMatchObject({ n_epochs: 400, learning_rate: 2e-5 });
  });

  test('fine-tunes-get: GET /api/v1/fine-tunes/{id}', async () => {
    serve('fine-tunes-get');
    const job = await ds.fineTunes.retrieve('ft-202511111122-xxxx');
    expect(job).toMatchObject({ status: 'SUCCEEDED', usage: 432000, end_time: '2025-11-11 16:49:01', output_cnt: 8 });
  });

  test('fine-tunes-list: GET /api/v1/fine-tunes', async () => {
    serve('fine-tunes-list');
    const jobs = [];
    for await (const j of ds.fineTunes.list()) jobs.push(j);
    expect(jobs).toHaveLength(1);
    expect(jobs[0]).toMatchObject({ job_id: 'ft-202511111122-xxxx', status: 'SUCCEEDED', usage: 432000 });
  });

  test('fine-tunes-logs: GET /api/v1/fine-tunes/{id}/logs', async () => {
    serve('fine-tunes-logs');
    const logs = await ds.fineTunes.logs('ft-202511111122-xxxx');
    expect(logs.total).toBe(25);
    expect(logs.logs).toHaveLength(9);
    expect(logs.logs[1]).toBe(' Actual number of consumed tokens is 215040 !');
  });

  test('fine-tunes-cancel and fine-tunes-delete', async () => {
    serve('fine-tunes-cancel');
    expect(await ds.fineTunes.cancel('ft-202511111122-xxxx')).toMatchObject({ status: 'success' });
    serve('fine-tunes-delete');
    expect(await ds.fineTunes.delete('ft-202511111122-xxxx')).toMatchObject({ status: 'success' });
  });

  test('validation-results: a bare array of checkpoints', async () => {
    serve('validation-results');
    const r = await ds.fineTunes.validationResults('ft-202511111122-xxxx');
    expect(r.map((c) => c.checkpoint)).toEqual(['checkpoint-160', 'checkpoint-20', 'checkpoint-40', 'checkpoint-60']);
  });

  test('validation-details: one page', async () => {
    serve('validation-details');
    const page = await ds.fineTunes.validationDetailsPage('ft-202511111122-xxxx', 'checkpoint-160', { page_no: 1, page_size: 10 });
    expect(page).toMatchObject({ page_no: 1, page_size: 10, total: 1 });
    expect(page.list![0]!.video_path).toMatch(/^https:\/\/finetune-swap-wulanchabu/);
  });

  test('export: output true', async () => {
    serve('export');
    expect(await ds.fineTunes.export('ft-202511111122-xxxx', 'checkpoint-160', 'my-checkpoint-160')).toBe(true);
  });

  test('checkpoints: model_name only once SUCCEEDED', async () => {
    serve('checkpoints');
    const cps = await ds.fineTunes.checkpoints('ft-202511111122-496e');
    expect(cps.map((c) => [c.checkpoint, c.status, c.model_name])).toEqual([
      ['checkpoint-180', 'PENDING', undefined],
      ['checkpoint-160', 'SUCCEEDED', 'wan2.5-i2v-preview-ft-202511111122-xxxx-c160'],
    ]);
  });

  test('deployments-create, deployments-get, deployments-delete', async () => {
    serve('deployments-create');
    const d = await ds.deployments.create({ model_name: 'wan2.5-i2v-preview-ft-202511111122-xxxx', capacity: 1, plan: 'lora', aigc_config: { use_input_prompt: false, prompt: 'p', lora_prompt_default: 'd' } });
    expect(d).toMatchObject({ deployed_model: 'wan2.5-i2v-preview-ft-202511111122-xxxx', status: 'PENDING', plan: 'lora', charge_type: 'post_paid' });
    serve('deployments-get');
    expect(await ds.deployments.retrieve(d.deployed_model)).toMatchObject({ status: 'RUNNING', gmt_modified: '2025-11-11T18:02:24' });
    serve('deployments-delete');
    expect(await ds.deployments.delete(d.deployed_model)).toMatchObject({ status: 'DELETING' });
  });

  test('deployments-not-found: 404 NotFound "Not found." is a NotFoundError', async () => {
    serve('deployments-not-found');
    const err = await ds.deployments.retrieve('wan2.5-i2v-preview-ft-202511111122-xxxx').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(errors.NotFoundError);
    expect(err).toMatchObject({ status: 404, code: 'NotFound', requestId: 'eb619064-0c4f-4d29-aa49-xxxxxx' });
    expect((err as Error).message).toContain('Not found.');
  });

  test('every reference fixture has a test above', () => {
    const covered = ['files-upload', 'fine-tunes-create', 'fine-tunes-get', 'fine-tunes-list', 'fine-tunes-logs', 'fine-tunes-cancel', 'fine-tunes-delete', 'validation-results', 'validation-details', 'export', 'checkpoints', 'deployments-create', 'deployments-get', 'deployments-delete', 'deployments-not-found'];
    expect(all.filter((n) => !n.startsWith('error-')).sort()).toEqual(covered.sort());
  });
});

describe('error bodies of notes §3 and §9 are classified once, in the client', () => {
  const errorFixtures = all.filter((n) => n.startsWith('error-'));
  test.each(errorFixtures)('%s', async (name) => {
    const fx = serve(name);
    const err = await ds.fineTunes.retrieve('ft-x').catch((e: unknown) => e);
    const cls = (errors as unknown as Record<string, new (...a: never[]) => Error>)[fx.expect!];
    expect(err).toBeInstanceOf(cls);
    const flat = (fx.body.error as Record<string, unknown> | undefined) ?? fx.body;
    expect(err).toMatchObject({ name: fx.expect, status: fx.status, code: flat.code });
    expect((err as Error).message).toContain(String(flat.message));
    expect((err as errors.DashScopeError).retryable).toBe((errors.RETRYABLE_ERROR_TYPES as readonly string[]).includes(fx.expect!));
  });
});

/** The reference folder: ../shared/reference from the repository root (CI clones to /work/main). */
function referenceDir(): string | undefined {
  const candidates = [process.env.WANFLOW_REFERENCE_DIR, resolve(__dirname, '../../../../shared/reference'), '/work/shared/reference'].filter(Boolean) as string[];
  return candidates.find((d) => existsSync(join(d, 'model-studio-wan-video-fine-tuning-api.ja.txt')));
}

/** The top-level JSON objects of a text: lines that start with `{`, up to the matching `}`. */
export function extractJsonBlocks(text: string): Array<{ line: number; body: unknown }> {
  const lines = text.split('\n');
  const out: Array<{ line: number; body: unknown }> = [];
  for (let i = 0; i < lines.length; i++) {
    if (!lines[i]!.startsWith('{')) continue;
    let depth = 0;
    let j = i;
    const buf: string[] = [];
    for (; j < lines.length; j++) {
      buf.push(lines[j]!);
      depth += (lines[j]!.match(/{/g) ?? []).length - (lines[j]!.match(/}/g) ?? []).length;
      if (depth === 0) break;
    }
    try {
      out.push({ line: i + 1, body: JSON.parse(buf.join('\n')) });
      i = j;
    } catch {
      // A placeholder such as `{...}` in a table, not an example.
    }
  }
  return out;
}

describe('the fixtures have not drifted from the reference', () => {
  const dir = referenceDir();
  if (!dir) {
    // Only outside this workplace (CI finds /work/shared/reference): say so, rather than register a test that cannot fail.
    // eslint-disable-next-line no-console
    console.warn('reference-bodies: no reference folder (WANFLOW_REFERENCE_DIR, ../shared/reference, /work/shared/reference); the drift check does not run');
    return;
  }
  const reference = readFileSync(join(dir, 'model-studio-wan-video-fine-tuning-api.ja.txt'), 'utf8');
  const notes = readFileSync(join(dir, 'dashscope-api-notes.md'), 'utf8').replace(/\s+/g, ' ');
  const blocks = extractJsonBlocks(reference);

  test('each JSON example of the reference is a fixture, verbatim, and each fixture is one of them', () => {
    const fixtures = all.filter((n) => !n.startsWith('error-')).map(load);
    expect(blocks).toHaveLength(fixtures.length);
    for (const b of blocks) expect(fixtures.map((f) => f.body)).toContainEqual(b.body);
    for (const f of fixtures) expect(blocks.map((b) => b.body)).toContainEqual(f.body);
  });

  test('error fixtures use codes (and, where quoted, messages) of the notes', () => {
    for (const name of all.filter((n) => n.startsWith('error-'))) {
      const fx = load(name);
      const flat = (fx.body.error as Record<string, unknown> | undefined) ?? fx.body;
      expect(notes).toContain(String(flat.code));
      if (fx.quoted) expect(notes).toContain(String(flat.message).replace(/^The job \S+ /, ''));
    }
  });
});
