/**
 * The API key never leaves the worker's client: pipelines run with a distinctive key (one succeeding through injected
 * 500s and a 429, one failing on a 401 with a second distinctive key), then the full histories, the worker processes'
 * output and the CLI's JSON output are scanned for both keys: zero hits. A control plants the key where each scanner
 * looks, so a scanner that cannot see it fails the test.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import { startPipeline } from '../../src/pipelines';
import { createBench, effectCounts, type Bench } from '../helpers/pipeline';
import { failureOf, markdownTable } from '../helpers/outcomes';
import { runCli, spawnWorkerProcess, type WorkerProcess } from '../helpers/processes';
import { uniqueTaskQueue } from '../helpers/temporal';

jest.setTimeout(180_000);

const KEY = `sk-secret-${randomBytes(16).toString('hex')}`;
const WRONG_KEY = `sk-secret-wrong-${randomBytes(16).toString('hex')}`;

let bench: Bench;
const workers: WorkerProcess[] = [];
beforeAll(async () => {
  bench = await createBench('secrets', { apiKeys: [KEY] });
});
afterAll(async () => {
  for (const w of workers) await w.stop().catch(() => undefined);
  await bench?.close();
});

/**
 * All text of a history: every string and number in it, with bytes fields (payload data and metadata, failure details)
 * decoded as UTF-8, since fetchHistory gives bytes as base64 strings (proto JSON) or as Uint8Array/Buffer.
 */
function historyText(history: unknown): string {
  const out: string[] = [];
  const walk = (v: unknown, key: string) => {
    if (v instanceof Uint8Array) out.push(Buffer.from(v).toString('utf8'));
    else if (typeof v === 'string') {
      out.push(v);
      if ((key === 'data' || key === 'encoding' || key === 'type') && /^[A-Za-z0-9+/]+={0,2}$/.test(v) && v.length % 4 === 0) out.push(Buffer.from(v, 'base64').toString('utf8'));
    } else if (typeof v === 'number' || typeof v === 'bigint') out.push(String(v));
    else if (Array.isArray(v)) v.forEach((x) => walk(x, key));
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, k);
  };
  walk(JSON.parse(JSON.stringify(history)), '');
  return out.join('\n');
}

/** Occurrences of either key (and of their base64 forms, as a payload may carry them) in a text. */
function hits(text: string): number {
  let n = 0;
  for (const k of [KEY, WRONG_KEY]) {
    for (const needle of [k, Buffer.from(k).toString('base64').slice(0, 40)]) n += text.split(needle).length - 1;
  }
  return n;
}

test('the API keys appear in no history, worker output or CLI output', async () => {
  const common = { baseUrl: bench.emulator.url, namespace: bench.temporal.namespace };
  const goodQueue = uniqueTaskQueue('secrets-good');
  const wrongQueue = uniqueTaskQueue('secrets-wrong');
  const [good, wrong] = await Promise.all([
    spawnWorkerProcess({ ...common, taskQueue: goodQueue, apiKey: KEY }),
    spawnWorkerProcess({ ...common, taskQueue: wrongQueue, apiKey: WRONG_KEY }),
  ]);
  workers.push(good, wrong);

  // Failures on the way: two 500s on job creation, a 429 on the upload, a 500 on a deployment check.
  await bench.admin('faults', {
    retryAfterSeconds: 1,
    next: [
      { kind: '500', method: 'POST', path: '^/api/v1/fine-tunes/?$', count: 2 },
      { kind: '429', method: 'POST', path: '^/compatible-mode/v1/files', count: 1 },
      { kind: '500', method: 'GET', path: '^/api/v1/deployments/[^/]+$', count: 1 },
    ],
  });
  const dataset = await bench.dataset('i2v', 12);
  const ids = { ok: `secrets-ok-${randomUUID().slice(0, 8)}`, unauthorized: `secrets-401-${randomUUID().slice(0, 8)}` };
  const ok = await startPipeline(bench.temporal.client, bench.input('wan2.2-i2v-flash', dataset, { hyperParameters: { n_epochs: '400', eval_epochs: '100' }, generate: { count: 1 } }), {
    taskQueue: goodQueue,
    workflowId: ids.ok,
  });
  const unauthorized = await startPipeline(bench.temporal.client, bench.input('wan2.2-i2v-flash', dataset), { taskQueue: wrongQueue, workflowId: ids.unauthorized });
  const result = await ok.handle.result();
  const failure = await failureOf(unauthorized.handle);
  expect(failure).toMatchObject({ type: 'AuthenticationError', attempts: 1 });
  const log = await bench.requests();
  // the faults really happened
  expect(log.filter((r) => r.fault === '500').length).toBe(3);
  expect(log.filter((r) => r.fault === '429').length).toBe(1);
  expect(log.filter((r) => r.status === 401).length).toBeGreaterThanOrEqual(1);
  expect(effectCounts(log)['job.created']).toBe(1);
  // The result names the one deployment the service created (not merely some non-empty string).
  expect(log.filter((r) => r.effect === 'deployment.created').map((r) => r.resourceId)).toEqual([result.deployedModel]);


  const cliEnv = { TEMPORAL_ADDRESS: process.env.TEMPORAL_ADDRESS!, TEMPORAL_NAMESPACE: bench.temporal.namespace };
  const cli = async (args: string[]) => {
    const r = await runCli(args, cliEnv);
    return `${r.stdout}\n${r.stderr}`;
  };
  const historyOf = async (h: WorkflowHandle) => historyText(await h.fetchHistory());

  // The CLI queries closed workflows too, which a worker answers: scan the CLI first, then stop the workers.
  const scanned: [string, string][] = [
    ['history: succeeded pipeline (500s, 429)', await historyOf(ok.handle)],
    ['history: failed pipeline (401)', await historyOf(unauthorized.handle)],
    ['cli status --json (ok)', await cli(['status', ids.ok, '--json'])],
    ['cli status --json (401)', await cli(['status', ids.unauthorized, '--json'])],
    ['cli follow --json (ok)', await cli(['follow', ids.ok, '--json'])],
    ['cli follow --json (401)', await cli(['follow', ids.unauthorized, '--json'])],
  ];
  await good.stop();
  await wrong.stop();
  scanned.push(['worker output (good key)', good.output()], ['worker output (wrong key)', wrong.output()]);

  // A control pipeline carrying the key in its input (label), on an in-process worker whose output is not scanned: it
  // fails at validation (5 samples), and its history and CLI status must show the key, or the scanners are blind.
  await bench.startWorker();
  const control = (
    await startPipeline(bench.temporal.client, { ...bench.input('wan2.2-i2v-flash', await bench.dataset('i2v', 5)), label: `control ${KEY}` }, {
      taskQueue: bench.taskQueue,
      workflowId: `secrets-control-${randomUUID().slice(0, 8)}`,
    })
  ).handle;
  expect((await failureOf(control)).type).toBe('DatasetInvalid');
  const controls: [string, string][] = [
    ['control history (key in label)', await historyOf(control)],
    ['control cli status --json', await cli(['status', control.workflowId, '--json'])],
    ['control plain string', `worker said: Authorization: Bearer ${WRONG_KEY}`],
  ];
  // list --all shows every pipeline of the namespace, the control too: scan it without the control's line.
  const list = await runCli(['list', '--all', '--json'], cliEnv);
  const rows = JSON.parse(list.stdout) as { workflowId: string }[];
  expect(rows.map((r) => r.workflowId)).toEqual(expect.arrayContaining([ids.ok, ids.unauthorized, control.workflowId]));
  scanned.push(['cli list --all --json (without the control)', `${JSON.stringify(rows.filter((r) => r.workflowId !== control.workflowId))}\n${list.stderr}`]);

  // What was scanned has substance: the histories hold the pipeline's events, the worker logged, the CLI answered.
  for (const [name, text] of scanned) expect([name, text.length > 100]).toEqual([name, true]);
  expect(scanned[0][1]).toContain(`"deployedModel":"${result.deployedModel}"`); // decoded payload, not only summaries
  expect(scanned[0][1]).toContain('json/plain');
  expect(scanned[1][1]).toContain('Invalid API-key provided');
  expect(scanned.find(([n]) => n === 'worker output (wrong key)')![1]).toMatch(/AuthenticationError|401/);

  const table = [...scanned.map(([n, t]) => [n, t.length, hits(t), 0]), ...controls.map(([n, t]) => [n, t.length, hits(t), '≥ 1'])];
  process.stdout.write(`\n${markdownTable(['scanned', 'chars', 'key hits', 'expected'], table)}\n`);
  for (const [name, text] of scanned) expect([name, hits(text)]).toEqual([name, 0]);
  for (const [name, text] of controls) expect([name, hits(text) > 0]).toEqual([name, true]);
});
