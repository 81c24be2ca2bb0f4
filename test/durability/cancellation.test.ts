/**
 * Cancelling a pipeline at every stage: it ends cancelled (WorkflowFailedError caused by CancelledFailure), its status
 * query says 'cancelled', and it cleans up as its input's `cleanup` says: a job still training is canceled, a deployment
 * it created is deleted when `deleteDeployment` covers cancel and kept otherwise. Prints stage → clean-up observed.
 *
 * Each stage is held open by a slow response (the emulator's `slow` fault) on the call that stage makes, so the cancel
 * surely lands in it; the pipeline runs at high time scale otherwise.
 */
import { randomUUID } from 'node:crypto';
import { WorkflowFailedError } from '@temporalio/client';
import { CancelledFailure } from '@temporalio/common';
import { startPipeline } from '../../src/pipelines';
import { statusQuery } from '../../src/workflows/messages';
import type { PipelineInput } from '../../src/workflows/input';
import type { PipelineStatus } from '../../src/workflows/types';
import { createBench, effectCounts, waitFor, type Bench } from '../helpers/pipeline';
import { emulatorState, markdownTable } from '../helpers/outcomes';
import { maybeRecordHistory } from '../helpers/histories';

jest.setTimeout(90_000);

let bench: Bench;
const rows: string[][] = [];
const SMALL = { n_epochs: '400', eval_epochs: '100' };
const HOLD_MS = 3000;

beforeAll(async () => {
  bench = await createBench('cancellation');
  await bench.startWorker();
});
afterAll(async () => {
  await bench?.close();
  if (rows.length > 0) process.stdout.write(`\n${markdownTable(['stage cancelled in', 'cleanup option', 'clean-up observed'], rows)}\n`);
});

interface Observed {
  jobs: { jobId: string; status: string }[];
  deployments: { name: string; status: string }[];
  effects: Record<string, number>;
}

async function cancelIn(
  stage: string,
  extra: Partial<PipelineInput>,
  opts: { slow?: { method: string; path: string }; ready?: (s: PipelineStatus) => boolean | Promise<boolean>; settle?: (o: Observed) => boolean; record?: string } = {},
): Promise<Observed> {
  await bench.admin('faults', undefined, 'DELETE');
  await bench.admin('requests', undefined, 'DELETE');
  if (opts.slow) await bench.admin('faults', { next: [{ kind: 'slow', ...opts.slow, count: 1, delayMs: HOLD_MS }] });
  const input = bench.input('wan2.2-i2v-flash', await bench.dataset('i2v', 12), { hyperParameters: SMALL, ...extra });
  const { handle } = await startPipeline(bench.temporal.client, input, { taskQueue: bench.taskQueue, workflowId: `cancel-${stage}-${randomUUID().slice(0, 8)}` });
  await waitFor(async () => {
    const s = await handle.query(statusQuery);
    return s.stage === stage && (opts.ready ? await opts.ready(s) : true);
  }, 60_000, `stage ${stage}`);
  await handle.cancel();
  const err = await handle.result().catch((e: unknown) => e);
  expect(err).toBeInstanceOf(WorkflowFailedError);
  expect((err as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
  const status = await handle.query(statusQuery);
  expect(status.stage).toBe('cancelled');
  expect(status.error).toBe('cancelled');

  // Observe until the service settles: requests still held by the slow fault land, CANCELING becomes CANCELED.
  const observe = async (): Promise<Observed> => {
    const log = await bench.requests();
    const state = await emulatorState(bench);
    const jobIds = new Set(log.filter((r) => r.effect === 'job.created').map((r) => r.resourceId));
    const depNames = new Set(log.filter((r) => r.effect === 'deployment.created').map((r) => r.resourceId));
    return {
      jobs: state.jobs.filter((j) => jobIds.has(j.jobId)).map((j) => ({ jobId: j.jobId, status: j.status })),
      deployments: [...depNames].map((name) => ({ name: name!, status: state.deployments.find((d) => d.deployedModel === name)?.status ?? 'gone' })),
      effects: effectCounts(log),
    };
  };
  const settled = await waitFor(async () => {
    const o = await observe();
    const settled = !o.jobs.some((j) => ['CANCELING', 'PENDING', 'QUEUING', 'RUNNING'].includes(j.status) && (o.effects['job.canceled'] ?? 0) > 0);
    return settled && (opts.settle?.(o) ?? true) ? o : undefined;
  }, 20_000, `clean-up after cancel in ${stage}`);
  if (opts.record) await maybeRecordHistory(opts.record, handle);
  return settled;
}

function describe_(o: Observed): string {
  const parts: string[] = [];
  for (const j of o.jobs) parts.push(`job ${j.status}`);
  for (const d of o.deployments) parts.push(`deployment ${d.status === 'gone' || d.status === 'DELETING' ? 'deleted' : `kept (${d.status})`}`);
  if (parts.length === 0) parts.push('no job, no deployment');
  return parts.join(', ');
}

test('uploading (slow upload): ends cancelled, no job is created', async () => {
  const before = (await emulatorState(bench)).files.length;
  const o = await cancelIn('uploading', {}, {
    slow: { method: 'POST', path: '^/compatible-mode/v1/files' },
    // the held upload lands after the cancel: wait for it
    settle: (x) => (x.effects['file.created'] ?? 0) > 0,
  });
  expect(o.effects['job.created'] ?? 0).toBe(0);
  expect((await emulatorState(bench)).files.length).toBe(before + 1);
  rows.push(['uploading', 'default', `${describe_(o)}; the in-flight upload completed (file kept: reused by content)`]);
});

test('creating-job (slow create): the job the in-flight create made is not left training', async () => {
  const o = await cancelIn('creating-job', {}, {
    slow: { method: 'POST', path: '^/api/v1/fine-tunes/?$' },
    // the held create lands after the cancel: wait for it
    settle: (x) => (x.effects['job.created'] ?? 0) > 0 || x.jobs.length > 0,
  });
  expect(o.jobs).toHaveLength(1);
  expect(o.jobs[0].status).toBe('CANCELED');
  rows.push(['creating-job', 'default', describe_(o)]);
});

test('training: the remote job is canceled', async () => {
  const o = await cancelIn('training', { hyperParameters: { n_epochs: '2400', eval_epochs: '240' } }, { ready: (s) => !!s.jobId, record: 'cancel-training' });
  expect(o.jobs.map((j) => j.status)).toEqual(['CANCELED']);
  expect(o.effects['job.canceled']).toBe(1);
  rows.push(['training', 'default', describe_(o)]);
});

test('training with cleanup.cancelJob=false: the remote job keeps training', async () => {
  const o = await cancelIn('training', { hyperParameters: { n_epochs: '2400', eval_epochs: '240' }, cleanup: { cancelJob: false } }, { ready: (s) => !!s.jobId });
  expect(o.effects['job.canceled'] ?? 0).toBe(0);
  expect(o.jobs.map((j) => j.status)).not.toContain('CANCELED');
  rows.push(['training', 'cancelJob: false', describe_(o)]);
  await bench.dashscope.fineTunes.cancel(o.jobs[0].jobId); // do not leave it running
});

test('collecting-previews (slow validation results): ends cancelled, the finished job is left as it is', async () => {
  const o = await cancelIn('collecting-previews', {}, { slow: { method: 'GET', path: '/validation-results$' } });
  expect(o.jobs.map((j) => j.status)).toEqual(['SUCCEEDED']);
  expect(o.effects['job.canceled'] ?? 0).toBe(0);
  rows.push(['collecting-previews', 'default', describe_(o)]);
});

test('awaiting-approval (manual policy): ends cancelled, nothing deployed', async () => {
  const o = await cancelIn('awaiting-approval', { checkpoint: { policy: 'manual', approvalTimeout: '1h', fallback: 'fail' } });
  expect(o.jobs.map((j) => j.status)).toEqual(['SUCCEEDED']);
  expect(o.effects['deployment.created'] ?? 0).toBe(0);
  rows.push(['awaiting-approval', 'default', describe_(o)]);
});

test('exporting (slow export call): ends cancelled, nothing deployed', async () => {
  const o = await cancelIn('exporting', { checkpoint: { policy: 'named', name: 'checkpoint-600' } }, {
    slow: { method: 'GET', path: '/export/' },
    settle: (x) => (x.effects['export.created'] ?? 0) > 0, // the held export call lands after the cancel
  });
  expect(o.effects['deployment.created'] ?? 0).toBe(0);
  expect(o.effects['job.canceled'] ?? 0).toBe(0);
  rows.push(['exporting', 'default', `${describe_(o)}, the in-flight export completed (exports cannot be deleted)`]);
});

const DEPLOYMENT_GET = { method: 'GET', path: '^/api/v1/deployments/[^/]+$' };
const deployed = (s: PipelineStatus) => !!s.deployedModel;

test('deploying, cleanup on-cancel-or-failure (default): the deployment it created is deleted', async () => {
  const o = await cancelIn('deploying', {}, { slow: DEPLOYMENT_GET, ready: deployed });
  expect(o.effects['deployment.deleted']).toBe(1);
  expect(o.deployments.map((d) => d.status).every((s) => s === 'DELETING' || s === 'gone')).toBe(true);
  rows.push(['deploying', 'on-cancel-or-failure', describe_(o)]);
});

test('deploying, cancelled while the create call is in flight (slow create): the deployment it made is deleted', async () => {
  const o = await cancelIn('deploying', {}, {
    slow: { method: 'POST', path: '^/api/v1/deployments/?$' },
    ready: async () => (await bench.requests()).some((r) => r.method === 'POST' && r.path.startsWith('/api/v1/deployments')) === false,
    settle: (x) => (x.effects['deployment.created'] ?? 0) > 0,
  });
  expect(o.effects['deployment.created']).toBe(1);
  expect(o.effects['deployment.deleted']).toBe(1);
  rows.push(['deploying (create in flight)', 'on-cancel-or-failure', describe_(o)]);
});

test('deploying, cleanup on-cancel: deleted', async () => {
  const o = await cancelIn('deploying', { cleanup: { deleteDeployment: 'on-cancel' } }, { slow: DEPLOYMENT_GET, ready: deployed });
  expect(o.effects['deployment.deleted']).toBe(1);
  rows.push(['deploying', 'on-cancel', describe_(o)]);
});

test('deploying, cleanup never: the deployment is kept', async () => {
  const o = await cancelIn('deploying', { cleanup: { deleteDeployment: 'never' } }, { slow: DEPLOYMENT_GET, ready: deployed });
  expect(o.effects['deployment.deleted'] ?? 0).toBe(0);
  expect(o.deployments).toHaveLength(1);
  expect(['PENDING', 'RUNNING']).toContain(o.deployments[0].status);
  rows.push(['deploying', 'never', describe_(o)]);
  await bench.dashscope.deployments.delete(o.deployments[0].name);
});

test('deploying, cleanup on-failure: a cancel keeps the deployment', async () => {
  const o = await cancelIn('deploying', { cleanup: { deleteDeployment: 'on-failure' } }, { slow: DEPLOYMENT_GET, ready: deployed });
  expect(o.effects['deployment.deleted'] ?? 0).toBe(0);
  expect(o.deployments).toHaveLength(1);
  rows.push(['deploying', 'on-failure', describe_(o)]);
  await bench.dashscope.deployments.delete(o.deployments[0].name);
});

test('generating (slow task check): the deployment it created is deleted', async () => {
  const o = await cancelIn('generating', { generate: { count: 1 } }, {
    slow: { method: 'GET', path: '^/api/v1/tasks/' },
    ready: async () => (await bench.requests()).some((r) => r.effect === 'task.created'),
  });
  expect(o.effects['task.created']).toBe(1);
  expect(o.effects['deployment.deleted']).toBe(1);
  rows.push(['generating', 'on-cancel-or-failure', `${describe_(o)}, video task left to finish`]);
});
