/**
 * Notifications and the cost cap with an in-process worker that holds the webhook secret: the cap refuses an
 * over-budget plan before any request reaches the emulator (and the receiver hears `failed`); within the cap the
 * estimate and the actual usage × price are reported side by side; a receiver that stays down never fails the
 * pipeline; a cancelled pipeline says `cancelled`.
 */
import { randomUUID } from 'node:crypto';
import { WorkflowFailedError } from '@temporalio/client';
import type { Worker } from '@temporalio/worker';
import { createBench, waitFor, workflowBundle, type Bench } from '../helpers/pipeline';
import { startReceiver, type Receiver } from '../helpers/webhookReceiver';
import { createWorker } from '../../src/worker';
import { statusQuery } from '../../src/workflows/messages';
import type { PipelineInput } from '../../src/workflows/input';
import type { PipelineResult } from '../../src/workflows/types';

const MODEL = 'wan2.2-i2v-flash';
let bench: Bench;
let receiver: Receiver;
let worker: Worker;
let running: Promise<void>;
beforeAll(async () => {
  bench = await createBench('notify');
  receiver = await startReceiver();
  worker = await createWorker({
    connection: bench.temporal.nativeConnection,
    namespace: bench.temporal.namespace,
    taskQueue: bench.taskQueue,
    dashscope: bench.dashscope,
    webhookSecret: receiver.secret,
    worker: { workflowBundle: await workflowBundle() },
  });
  running = worker.run();
});
afterAll(async () => {
  if (worker?.getState() === 'RUNNING') worker.shutdown();
  await running;
  await receiver?.close();
  await bench?.close();
});

const start = async (extra: Partial<PipelineInput>, samples = 12) => {
  const dataset = await bench.dataset('i2v', samples);
  const workflowId = `notify-${randomUUID().slice(0, 8)}`;
  const handle = await bench.temporal.client.workflow.start('fineTunePipeline', { taskQueue: bench.taskQueue, workflowId, args: [bench.input(MODEL, dataset, extra)] });
  return { handle, workflowId };
};
const eventsOf = (workflowId: string) => [...receiver.events().values()].filter((e) => e.data.workflowId === workflowId);

test('an over-budget plan stops before any request reaches the emulator, naming estimate, cap and contributors', async () => {
  await bench.admin('requests', undefined, 'DELETE');
  const { handle, workflowId } = await start({ budget: { maxCost: 5 }, notify: { url: receiver.url } });
  const err = await handle.result().catch((e: unknown) => e);
  expect(err).toBeInstanceOf(WorkflowFailedError);
  const cause = (err as WorkflowFailedError).cause as { type?: string; message: string };
  expect(cause.type).toBe('BudgetExceeded');
  expect(cause.message).toMatch(/^estimated cost 119\.81 USD exceeds budget\.maxCost 5\.00 USD; largest contributors: training 119\.81 USD \(39 billable s × 262144\/1024 px × 400 epochs = 3,993,600 tokens × 0\.03 USD \/ 1K\)/);
  expect(await bench.requests()).toEqual([]);
  await waitFor(async () => eventsOf(workflowId).find((e) => e.type === 'failed'), 30_000, 'the failed event');
  expect(eventsOf(workflowId)[0].data).toMatchObject({ failureType: 'BudgetExceeded', error: expect.stringContaining('exceeds budget.maxCost') });
});

test('sample videos count against the cap, and without a video price the cap cannot be checked: refused, nothing sent', async () => {
  await bench.admin('requests', undefined, 'DELETE');
  const { handle } = await start({ budget: { maxCost: 500 }, generate: { count: 2 } });
  const err = (await handle.result().catch((e: unknown) => e)) as WorkflowFailedError;
  expect(err.cause?.message).toMatch(/budget\.maxCost 500\.00 USD cannot be checked: videos: 2 × 5 s have no known price .*budget\.videoPricePerSecond/);
  const over = await start({ budget: { maxCost: 120, videoPricePerSecond: 0.1 }, generate: { count: 2 } });
  const err2 = (await over.handle.result().catch((e: unknown) => e)) as WorkflowFailedError;
  // 119.81 for training fits under 120; the two 5 s videos (1.00) do not.
  expect(err2.cause?.message).toMatch(/estimated cost 120\.81 USD exceeds budget\.maxCost 120\.00 USD; largest contributors: training 119\.81 USD .*; videos 1\.00 USD \(2 × 5 s = 10 s × 0\.1 USD\/s\)/);
  expect(await bench.requests()).toEqual([]);
});

test('within the cap: estimate and actual usage × price side by side; a receiver that stays down never fails the pipeline', async () => {
  receiver.otherwise = 500;
  try {
    const { handle, workflowId } = await start({ budget: { maxCost: 200, videoPricePerSecond: 0.1 }, generate: { count: 1 }, notify: { url: receiver.url, maxAttempts: 2 } });
    const result = (await handle.result()) as PipelineResult;
    expect(result.cost).toMatchObject({
      currency: 'USD',
      maxCost: 200,
      estimated: { total: 120.31, unknown: [] },
      actual: { unknown: [] },
    });
    const actual = result.cost!.actual!;
    expect(actual.lines.map((l) => [l.item, l.basis])).toEqual([
      ['training', 'usage 3,993,600 tokens × 0.03 USD / 1K'],
      ['videos', '1 video(s), 5 s × 0.1 USD/s'],
    ]);
    expect(actual.total).toBe(120.31);
    const status = await handle.query(statusQuery);
    expect(status.notifications).toEqual([expect.objectContaining({ event: 'succeeded', state: 'undelivered', error: expect.stringMatching(/HTTP 500/) })]);
    expect(eventsOf(workflowId)).toEqual([]);
    // Delivered twice (maxAttempts 2) with the same id, then given up.
    const tries = receiver.deliveries.filter((d) => d.id === status.notifications![0].webhookId);
    expect(tries.map((d) => d.answered)).toEqual([500, 500]);
  } finally {
    receiver.otherwise = 204;
  }
});

test('a pipeline cancelled while it awaits approval sends approval-needed, then cancelled', async () => {
  const { handle, workflowId } = await start({ checkpoint: { policy: 'manual', approvalTimeout: '1h', fallback: 'final' }, notify: { url: receiver.url, events: ['approval-needed', 'cancelled'] } });
  await waitFor(async () => eventsOf(workflowId).find((e) => e.type === 'approval-needed'), 180_000, 'approval-needed');
  await handle.cancel();
  await expect(handle.result()).rejects.toBeInstanceOf(WorkflowFailedError);
  await waitFor(async () => eventsOf(workflowId).find((e) => e.type === 'cancelled'), 30_000, 'cancelled');
  expect(eventsOf(workflowId).map((e) => e.type)).toEqual(['approval-needed', 'cancelled']);
});
