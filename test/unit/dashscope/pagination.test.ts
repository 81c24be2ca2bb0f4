import { DashScope } from '../../../src/dashscope';
import { nextPageNumber } from '../../../src/dashscope/pagination';
import { sendJson, startLocalServer, type LocalServer } from './localServer';

describe('nextPageNumber', () => {
  test('with a total', () => {
    expect(nextPageNumber({ page_no: 1, page_size: 2 }, 2, 5)).toEqual({ page_no: 2, page_size: 2 });
    expect(nextPageNumber({ page_no: 3, page_size: 2 }, 1, 5)).toBeNull();
    expect(nextPageNumber({ page_no: 2, page_size: 2 }, 2, 4)).toBeNull();
    // service capped the page size at 1: keep going by its size
    expect(nextPageNumber({ page_no: 1, page_size: 10 }, 1, 3, 1)).toEqual({ page_no: 2, page_size: 10 });
  });
  test('without a total: a short or empty page ends it', () => {
    expect(nextPageNumber({ page_no: 1, page_size: 2 }, 2, undefined)).toEqual({ page_no: 2, page_size: 2 });
    expect(nextPageNumber({ page_no: 1, page_size: 2 }, 1, null)).toBeNull();
    expect(nextPageNumber({ page_no: 1, page_size: 2 }, 0, 10)).toBeNull();
  });
});

describe('listing over a paged server', () => {
  const jobs = Array.from({ length: 7 }, (_, i) => ({ job_id: `ft-${i}`, status: 'SUCCEEDED', model: 'm' }));
  const files = Array.from({ length: 5 }, (_, i) => ({ id: `file-ft-${i}`, bytes: i, created_at: i, filename: `f${i}.zip`, purpose: 'fine-tune' }));
  let server: LocalServer;
  let ds: DashScope;
  beforeAll(async () => {
    server = await startLocalServer((req, res) => {
      const u = new URL(req.url, 'http://x');
      if (u.pathname === '/api/v1/fine-tunes') {
        const no = Number(u.searchParams.get('page_no'));
        const size = Number(u.searchParams.get('page_size'));
        return sendJson(res, 200, { request_id: 'r', output: { page_no: no, page_size: size, total: jobs.length, jobs: jobs.slice((no - 1) * size, no * size) } });
      }
      const after = u.searchParams.get('after');
      const limit = Number(u.searchParams.get('limit') ?? 2000);
      const start = after ? files.findIndex((f) => f.id === after) + 1 : 0;
      const data = files.slice(start, start + limit);
      sendJson(res, 200, { object: 'list', has_more: start + limit < files.length, data });
    });
    ds = new DashScope({ apiKey: 'sk-unit-pages', baseUrl: server.url });
  });
  afterAll(async () => {
    await ds.close();
    await server.close();
  });

  test('fine-tunes by page_no / page_size', async () => {
    const seen: string[] = [];
    for await (const job of ds.fineTunes.list({ page_size: 3 })) seen.push(job.job_id);
    expect(seen).toEqual(jobs.map((j) => j.job_id));
    expect(server.requests.map((r) => r.url)).toEqual([
      '/api/v1/fine-tunes?page_no=1&page_size=3',
      '/api/v1/fine-tunes?page_no=2&page_size=3',
      '/api/v1/fine-tunes?page_no=3&page_size=3',
    ]);
  });

  test('files by after cursor, and pages()', async () => {
    const before = server.requests.length;
    const pages: string[][] = [];
    for await (const page of ds.files.list({ limit: 2 }).pages()) pages.push(page.items.map((f) => f.id));
    expect(pages).toEqual([['file-ft-0', 'file-ft-1'], ['file-ft-2', 'file-ft-3'], ['file-ft-4']]);
    expect(server.requests.slice(before).map((r) => r.url)).toEqual([
      '/compatible-mode/v1/files?limit=2',
      '/compatible-mode/v1/files?after=file-ft-1&limit=2',
      '/compatible-mode/v1/files?after=file-ft-3&limit=2',
    ]);
    expect((await ds.files.list({ after: 'file-ft-2' }).toArray()).map((f) => f.id)).toEqual(['file-ft-3', 'file-ft-4']);
  });

  test('nothing is fetched until iteration starts; breaking early stops fetching', async () => {
    const before = server.requests.length;
    const it = ds.fineTunes.list({ page_size: 2 });
    expect(server.requests.length).toBe(before);
    for await (const job of it) {
      expect(job.job_id).toBe('ft-0');
      break;
    }
    expect(server.requests.length).toBe(before + 1);
  });
});
