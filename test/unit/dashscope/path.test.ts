import { DashScope, InvalidPathParameterError, path } from '../../../src/dashscope';
import { sendJson, startLocalServer, type LocalServer } from './localServer';

describe('path tag', () => {
  test('encodes each value as one segment', () => {
    expect(path`/api/v1/fine-tunes/${'ft-1'}/cancel`).toBe('/api/v1/fine-tunes/ft-1/cancel');
    expect(path`/x/${'a/b?c#d e'}`).toBe('/x/a%2Fb%3Fc%23d%20e');
    expect(path`/x/${'模型'}/${42}`).toBe('/x/%E6%A8%A1%E5%9E%8B/42');
    expect(path`/x/${'%2F'}`).toBe('/x/%252F');
  });
  test.each(['', '.', '..'])('rejects %p', (bad) => {
    expect(() => path`/api/v1/deployments/${bad}`).toThrow(InvalidPathParameterError);
  });
});

describe('ids on the wire', () => {
  let server: LocalServer;
  let ds: DashScope;
  beforeAll(async () => {
    server = await startLocalServer((req, res) => {
      if (req.url.includes('/checkpoints')) return sendJson(res, 200, { request_id: 'r', output: [] });
      if (req.url.includes('/export/')) return sendJson(res, 200, { request_id: 'r', output: true });
      sendJson(res, 200, { request_id: 'r', output: { deployed_model: 'x', status: 'RUNNING' } });
    });
    ds = new DashScope({ apiKey: 'sk-unit-path', baseUrl: `${server.url}/` });
  });
  afterAll(async () => {
    await ds.close();
    await server.close();
  });

  test('a hostile id cannot escape its segment or add a query', async () => {
    await ds.deployments.retrieve('../fine-tunes?x=1');
    await ds.fineTunes.checkpoints('a/b');
    await ds.fineTunes.export('job 1', 'checkpoint-160', 'my model&x=1');
    expect(server.requests.map((r) => r.url)).toEqual([
      '/api/v1/deployments/..%2Ffine-tunes%3Fx%3D1',
      '/api/v1/fine-tunes/a%2Fb/checkpoints',
      '/api/v1/fine-tunes/job%201/export/checkpoint-160?model_name=my+model%26x%3D1',
    ]);
  });

  test('an invalid id fails before any request', async () => {
    const before = server.requests.length;
    await expect(ds.fineTunes.retrieve('..')).rejects.toThrow(InvalidPathParameterError);
    expect(server.requests.length).toBe(before);
  });
});
