/**
 * Pipelines against a flaky service: a baseline without faults, then three pipelines at once while 20 % of the
 * requests fail (7 % 429 with Retry-After 1 s, 7 % 500, 6 % reset connections). Every pipeline must succeed with one
 * file, job, export and deployment each and leave nothing orphaned. The worker is the real process (`tsx src/worker.ts`).
 */
import { randomUUID } from 'node:crypto';
import { startPipeline } from '../../src/pipelines';
import type { PipelineResult } from '../../src/workflows/types';
import { createBench, type Bench } from '../helpers/pipeline';
import { activityRetries, checkEffects, durabilityInput, maybeRecordHistory, publishResults, type ScenarioRow } from '../helpers/durability';
import { spawnWorkerProcess, type WorkerProcess } from '../helpers/workerProcess';

jest.setTimeout(240_000);

const rows: ScenarioRow[] = [];
const benches: Bench[] = [];
const workers: WorkerProcess[] = [];

afterAll(async () => {
  for (const w of workers) await w.stop().catch(() => undefined);
  for (const b of benches) await b.close().catch(() => undefined);
  publishResults('faults', rows, ['faults injected: requests the emulator answered with 429/500 or reset (its request log).']);
});

async function scenario(slug: string, name: string, samples: number[], faults?: Record<string, number>): Promise<{ row: ScenarioRow; results: PipelineResult[] }> {
  const started = Date.now();
  const bench = await createBench(`faults-${slug}`);
  benches.push(bench);
  const worker = await spawnWorkerProcess({ taskQueue: bench.taskQueue, baseUrl: bench.emulator.url });
  workers.push(worker);
  if (faults) await bench.admin('faults', faults);
  const handles = await Promise.all(
    samples.map(async (n, i) => {
      const input = await durabilityInput(bench, await bench.dataset('i2v', n));
      return (await startPipeline(bench.temporal.client, input, { taskQueue: bench.taskQueue, workflowId: `faults-${slug}-${i}-${randomUUID().slice(0, 8)}` })).handle;
    }),
  );
  const results = await Promise.all(handles.map((h) => h.result()));
  await bench.admin('faults', undefined, 'DELETE');
  await worker.stop();

  const log = await bench.requests();
  const check = await checkEffects(bench, results, log);
  let retries = 0;
  for (const h of handles) retries += (await activityRetries(h)).retries;
  expect({ name, duplicates: check.duplicates, extraTasks: check.extraTasks, counts: check.counts }).toMatchObject({ name, duplicates: 0, extraTasks: 0 });
  expect(check.orphans).toEqual([]);
  for (const k of ['file.created', 'job.created', 'export.created', 'deployment.created']) expect(check.counts[k]).toBe(samples.length);
  for (const h of handles) expect((await h.describe()).status.name).toBe('COMPLETED');
  for (const r of results) expect(r.artifacts.videos).toHaveLength(1);
  await maybeRecordHistory(slug === 'baseline' ? 'happy-path' : `faults-${slug}`, handles[0]);
  const row: ScenarioRow = {
    scenario: name,
    pipelines: samples.length,
    crashes: 0,
    faults: log.filter((r) => r.fault).length,
    retries,
    duplicates: check.duplicates,
    extraTasks: check.extraTasks,
    orphans: check.orphans.length,
    wallMs: Date.now() - started,
  };
  rows.push(row);
  return { row, results };
}

test('baseline: one pipeline without faults', async () => {
  const { row } = await scenario('baseline', 'baseline (no faults)', [12]);
  expect(row.faults).toBe(0);
});

test('20 % of requests fail (429 + Retry-After, 500, reset) while three pipelines run at once', async () => {
  const { row } = await scenario('rate20', '20% failing requests (429/500/reset), 3 pipelines at once', [12, 13, 14], {
    rate429: 0.07,
    rate500: 0.07,
    rateReset: 0.06,
    retryAfterSeconds: 1,
  });
  expect(row.faults).toBeGreaterThan(10);
  expect(row.retries).toBeGreaterThan(0);
});
