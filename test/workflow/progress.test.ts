/**
 * Progress from documented signals only, end to end: the emulator writes its default (documented) log lines, and the
 * status query shows consumed tokens against the plan, a percentage, a time left and the unseen tail, with no epoch.
 */
import { randomUUID } from 'node:crypto';
import { startPipeline } from '../../src/pipelines';
import { statusQuery } from '../../src/workflows/messages';
import { createBench, waitFor, type Bench } from '../helpers/pipeline';

jest.setTimeout(180_000);

let bench: Bench;
beforeAll(async () => {
  bench = await createBench('progress');
  await bench.startWorker();
});
afterAll(async () => bench?.close());

test('training progress and ETA come from consumed tokens and milestones; the log is read on, not from its start', async () => {
  const dataset = await bench.dataset('i2v', 12);
  // 12 samples, batch 4: 3 steps per epoch; 4000 epochs ≈ 10 emulated hours (18 s at time scale 2000).
  const input = bench.input('wan2.2-i2v-flash', dataset, {
    hyperParameters: { n_epochs: '4000', eval_epochs: '400' },
    polling: { training: '100ms', trainingMax: '1s', export: '100ms', deployment: '100ms', task: '100ms' },
  });
  const { handle } = await startPipeline(bench.temporal.client, input, { taskQueue: bench.taskQueue, workflowId: `progress-${randomUUID().slice(0, 8)}` });
  const mid = await waitFor(async () => {
    const s = await handle.query(statusQuery);
    return s.stage === 'training' && s.training?.consumedTokens && s.training.trainingLeftMs !== undefined ? s : undefined;
  }, 120_000, 'a training status with consumed tokens');
  expect(mid.job!.epoch).toBeUndefined(); // the emulator's default logs have no epoch lines
  expect(mid.training!.plannedTokens).toBe(mid.plan!.estimatedTokens);
  expect(mid.training!.fraction).toBeCloseTo(mid.training!.consumedTokens! / mid.plan!.estimatedTokens, 5);
  expect(mid.training!.text).toMatch(/^training \d+ % \([\d,]+ of ~[\d,]+ tokens\), ~\S+ left, then ~\S+ transfer and checkpoint saving$/);
  expect(mid.trainingEtaMs).toBe(mid.training!.trainingLeftMs! + mid.training!.tailLeftMs!);
  const meta = await handle.query<{ currentDetails?: string }>('__temporal_workflow_metadata');
  expect(meta.currentDetails).toMatch(/job: ft-\S+ RUNNING: training \d+ %/);

  const result = await handle.result();
  const log = await bench.requests();
  const jobGets = log.filter((r) => r.method === 'GET' && r.path === `/api/v1/fine-tunes/${result.jobId}`).length;
  const logGets = log.filter((r) => r.method === 'GET' && r.path === `/api/v1/fine-tunes/${result.jobId}/logs`).length;
  expect(jobGets).toBeGreaterThan(0);
  expect(logGets).toBeLessThanOrEqual(jobGets + 1);
  const final = await handle.query(statusQuery);
  expect(final.job!.status).toBe('SUCCEEDED');
  expect(final.job!.logsTail.at(-1)).toMatch(/##FT_COMPLETE##$/);
});
