import { startPipeline } from '../../src/pipelines';
import { createBench, type Bench } from '../helpers/pipeline';

let bench: Bench;
beforeAll(async () => {
  bench = await createBench('history', { timeScale: 2000 });
  await bench.startWorker();
});
afterAll(async () => bench?.close());

/**
 * The training wait polls by activity retries, which write nothing to history; the poll returns to the workflow only on
 * news: a status change (at most PENDING → QUEUING → RUNNING → end) or another tenth of the epochs. So a pipeline's
 * history has a fixed upper bound whatever the training length, while the number of checks grows with it.
 */
const ACTIVITIES_BOUND = 3 /* validate, upload, create */ + 4 /* status changes */ + 10 /* tenths */ + 4 /* previews, list, deploy, poll */;
const EVENTS_PER_ACTIVITY = 6; // scheduled, started, completed + the workflow task that reacts (scheduled, started, completed)
const HISTORY_BOUND = ACTIVITIES_BOUND * EVENTS_PER_ACTIVITY + 10; // + start, search attribute upserts, completion

test('a 10-hour emulated training keeps the history within a fixed bound while checking the job many times', async () => {
  const dataset = await bench.dataset('i2v');
  // 12 samples, batch 4: 3 steps per epoch, 3 emulated seconds per step: 4,000 epochs ≈ 10 h of training.
  const { handle } = await startPipeline(
    bench.temporal.client,
    bench.input('wan2.2-i2v-flash', dataset, { hyperParameters: { n_epochs: '4000', eval_epochs: '400' }, polling: { training: '100ms', export: '100ms', deployment: '100ms', task: '100ms' } }),
    { taskQueue: bench.taskQueue, workflowId: `history-10h-${Date.now()}` },
  );
  const result = await handle.result();
  const events = (await handle.fetchHistory()).events!;
  const pollStarts = events.filter((e) => e.activityTaskStartedEventAttributes && e.activityTaskStartedEventAttributes.attempt);
  const checks = pollStarts.reduce((n, e) => n + (e.activityTaskStartedEventAttributes!.attempt ?? 1), 0);
  process.stderr.write(`10 h emulated training: ${events.length} history events, ${checks} activity attempts (job ${result.jobId})\n`);
  expect(events.length).toBeLessThanOrEqual(HISTORY_BOUND);
  expect(checks).toBeGreaterThan(events.length / 6); // many more checks than recorded steps: the retries are not in history
});
