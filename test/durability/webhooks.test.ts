/**
 * Webhook events through failures and a worker SIGKILL: the receiver fails the first deliveries, then accepts one and
 * never answers it while the worker is killed; a fresh worker process re-delivers. Every delivery of an event carries
 * the same webhook-id, all signatures verify, and the receiver (deduplicating by id) sees each event exactly once.
 */
import { randomUUID } from 'node:crypto';
import { createBench, waitFor, type Bench } from '../helpers/pipeline';
import { FAST_RECOVERY, MODEL } from '../helpers/durability';
import { spawnWorkerProcess, type WorkerProcess } from '../helpers/processes';
import { startReceiver, type Receiver } from '../helpers/webhookReceiver';
import { approveCheckpointUpdate, statusQuery } from '../../src/workflows/messages';
import type { PipelineResult } from '../../src/workflows/types';

jest.setTimeout(300_000);

let bench: Bench;
let receiver: Receiver;
const workers: WorkerProcess[] = [];
beforeAll(async () => {
  bench = await createBench('webhooks');
  receiver = await startReceiver();
});
afterAll(async () => {
  for (const w of workers) await w.stop().catch(() => undefined);
  await receiver?.close();
  await bench?.close();
});

const worker = async () => {
  const w = await spawnWorkerProcess({ taskQueue: bench.taskQueue, baseUrl: bench.emulator.url, env: { WANFLOW_WEBHOOK_SECRET: receiver.secret } });
  workers.push(w);
  return w;
};

test('each event reaches the receiver exactly once by id, through failed deliveries and a worker SIGKILL mid-delivery', async () => {
  const first = await worker();
  // approval-needed: two failures (503, 500), then a delivery the receiver holds while the worker is killed.
  receiver.plan = [503, 500, 'hold'];
  const dataset = await bench.dataset('i2v', 12);
  const workflowId = `webhooks-${randomUUID().slice(0, 8)}`;
  const handle = await bench.temporal.client.workflow.start('fineTunePipeline', {
    taskQueue: bench.taskQueue,
    workflowId,
    args: [
      bench.input(MODEL, dataset, {
        checkpoint: { policy: 'manual', approvalTimeout: '1h', fallback: 'final' },
        notify: { url: receiver.url, reviewUrl: 'http://127.0.0.1:8080/?id={workflowId}', maxAttempts: 8 },
        timeouts: FAST_RECOVERY,
      }),
    ],
  });
  await waitFor(async () => receiver.deliveries.some((d) => d.answered === 'hold'), 180_000, 'the held delivery');
  await first.kill9();
  await worker();
  await waitFor(async () => [...receiver.events().values()].some((e) => e.type === 'approval-needed'), 120_000, 'approval-needed accepted after the crash');

  await handle.executeUpdate(approveCheckpointUpdate, { args: ['final'] });
  const result = (await handle.result()) as PipelineResult;
  expect(result.checkpoint).toBe('final');
  await waitFor(async () => [...receiver.events().values()].some((e) => e.type === 'succeeded'), 60_000, 'succeeded accepted');

  // Every delivery verified; one id per event, the same on every attempt and after the crash.
  expect(receiver.deliveries.every((d) => d.verified)).toBe(true);
  const idsByEvent = new Map<string, Set<string>>();
  for (const d of receiver.deliveries) idsByEvent.set(d.event!, (idsByEvent.get(d.event!) ?? new Set()).add(d.id));
  expect([...idsByEvent.keys()].sort()).toEqual(['approval-needed', 'succeeded']);
  for (const ids of idsByEvent.values()) expect(ids.size).toBe(1);
  const approvalId = [...idsByEvent.get('approval-needed')!][0];
  expect(receiver.deliveries.filter((d) => d.id === approvalId).length).toBeGreaterThanOrEqual(4); // 503, 500, held, accepted
  // Exactly once per event, as the receiver deduplicates by id.
  const events = [...receiver.events().values()];
  expect(events.map((e) => e.type).sort()).toEqual(['approval-needed', 'succeeded']);
  const approval = events.find((e) => e.type === 'approval-needed')!;
  expect(approval.data).toMatchObject({
    workflowId,
    reviewUrl: `http://127.0.0.1:8080/?id=${workflowId}`,
    reviewCommand: `wanflow review ${workflowId}`,
    candidates: expect.arrayContaining(['final']),
    fallback: 'final',
  });
  const status = await handle.query(statusQuery);
  expect(status.notifications?.map((n) => [n.event, n.state])).toEqual([
    ['approval-needed', 'delivered'],
    ['succeeded', 'delivered'],
  ]);

  // The secret is in no history event, no worker output.
  const history = JSON.stringify(await handle.fetchHistory());
  const key = receiver.secret.slice('whsec_'.length);
  expect(history).not.toContain(key);
  for (const w of workers) expect(w.output()).not.toContain(key);
});
