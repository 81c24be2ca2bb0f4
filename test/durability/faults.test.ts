/**
 * Pipelines against a flaky service: a baseline without faults, then three pipelines at once while 20 % of the
 * requests fail (7 % 429 with Retry-After 1 s, 7 % 500, 6 % reset connections). Every pipeline must succeed with one
 * file, job, export and deployment each and leave nothing orphaned. The worker is the real process (`tsx src/worker.ts`).
 */
import { randomUUID } from 'node:crypto';
import { startPipeline } from '../../src/pipelines';
import { createBench, type Bench } from '../helpers/pipeline';
import { durabilityInput, maybeRecordHistory, publishResults, Scenario, type ScenarioRow } from '../helpers/durability';
import { spawnWorkerProcess, type WorkerProcess } from '../helpers/processes';

jest.setTimeout(240_000);

const rows: ScenarioRow[] = [];
const benches: Bench[] = [];
const workers: WorkerProcess[] = [];

afterAll(async () => {
  for (const w of workers) await w.stop().catch(() => undefined);
  for (const b of benches) await b.close().catch(() => undefined);
  publishResults('faults', rows, ['faults injected: requests the emulator answered with 429/500 or reset (its request log).']);
});

async function scenario(slug: string, name: string, samples: number[], faults?: Record<string, number>): Promise<ScenarioRow> {
  const sc = new Scenario(name);
  let bench: Bench | undefined;
  const { row, problems } = await sc.run(() => bench, async () => {
    bench = await createBench(`faults-${slug}`);
    benches.push(bench);
    const b = bench;
    const worker = await spawnWorkerProcess({ taskQueue: b.taskQueue, baseUrl: b.emulator.url });
    workers.push(worker);
    if (faults) await b.admin('faults', faults);
    await Promise.all(
      samples.map(async (n, i) => {
        const input = await durabilityInput(b, await b.dataset('i2v', n));
        sc.track((await startPipeline(b.temporal.client, input, { taskQueue: b.taskQueue, workflowId: `faults-${slug}-${i}-${randomUUID().slice(0, 8)}` })).handle);
      }),
    );
    const results = await Promise.allSettled(sc.handles.map((h) => h.result()));
    await b.admin('faults', undefined, 'DELETE');
    await worker.stop();
    for (const r of results) sc.expect(r.status === 'fulfilled' && r.value.artifacts.videos.length === 1, `a pipeline: ${r.status === 'fulfilled' ? `${r.value.artifacts.videos.length} videos` : String(r.reason)}`);
    await maybeRecordHistory(slug === 'baseline' ? 'happy-path' : `faults-${slug}`, sc.handles[0]);
  });
  rows.push(row);
  if (problems.length) throw new Error(problems.join('\n'));
  return row;
}

test('baseline: one pipeline without faults', async () => {
  const row = await scenario('baseline', 'baseline (no faults)', [12]);
  expect(row.pipelines).toBe(1);
  expect(row.faults).toBe(0);
  expect(row.retries).toBe(0);
});

test('20 % of requests fail (429 + Retry-After, 500, reset) while three pipelines run at once', async () => {
  const row = await scenario('rate20', '20% failing requests (429/500/reset), 3 pipelines at once', [12, 13, 14], {
    rate429: 0.07,
    rate500: 0.07,
    rateReset: 0.06,
    retryAfterSeconds: 1,
  });
  expect(row.pipelines).toBe(3);
  expect(row.faults).toBeGreaterThan(10);
  expect(row.retries).toBeGreaterThan(0);
});
