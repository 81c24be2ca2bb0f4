import { randomUUID } from 'node:crypto';
import { Worker } from '@temporalio/worker';
import { connectTestTemporal, TestTemporal, uniqueTaskQueue } from '../helpers/temporal';
import { createHarnessActivities } from './fixtures/activities';
import { harnessWorkflow, proceed } from './fixtures/workflows';
import { WanflowStage } from '../../src/workflows/search-attributes';

let t: TestTemporal;
beforeAll(async () => {
  t = await connectTestTemporal();
});
afterAll(async () => t?.close());

function makeWorker(taskQueue: string, name: string) {
  return Worker.create({
    connection: t.nativeConnection,
    namespace: t.namespace,
    taskQueue,
    workflowsPath: require.resolve('./fixtures/workflows'),
    activities: createHarnessActivities(name),
  });
}

test('the dev server is real: a worker runs a workflow that calls an activity, and a second worker takes over after the first shuts down', async () => {
  const taskQueue = uniqueTaskQueue('harness');
  const workflowId = `harness-${randomUUID()}`;

  const first = await makeWorker(taskQueue, 'worker-1');
  const firstRun = first.run();
  const handle = await t.client.workflow.start(harnessWorkflow, { taskQueue, workflowId, args: ['wanflow'] });
  // Wait until the first activity has completed on worker 1, then shut it down.
  await waitFor(async () => (await handle.fetchHistory()).events!.some((e) => e.activityTaskCompletedEventAttributes));
  first.shutdown();
  await firstRun;

  const second = await makeWorker(taskQueue, 'worker-2');
  const result = await second.runUntil(async () => {
    await handle.signal(proceed);
    return handle.result();
  });
  expect(result[0]).toMatch(/^hello wanflow from worker-1/);
  expect(result[1]).toMatch(/^hello wanflow again from worker-2/);
});

test('the custom search attributes are registered on the dev server', async () => {
  const taskQueue = uniqueTaskQueue('harness-sa');
  const worker = await makeWorker(taskQueue, 'worker-sa');
  const handle = await t.client.workflow.start(harnessWorkflow, {
    taskQueue,
    workflowId: `harness-sa-${randomUUID()}`,
    args: ['sa'],
    typedSearchAttributes: [{ key: WanflowStage, value: 'testing' }],
  });
  await worker.runUntil(async () => {
    await handle.signal(proceed);
    await handle.result();
  });
  const described = await handle.describe();
  expect(described.typedSearchAttributes.get(WanflowStage)).toBe('testing');
});

async function waitFor(check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}
