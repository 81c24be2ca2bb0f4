import { mkdtemp, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { getModel } from '../../../src/catalog';
import { actualCost, budgetViolation, estimatePipelineCost } from '../../../src/catalog/budget';
import { addProgressPoint, PROGRESS_SERIES_MAX } from '../../../src/workflows/progressSeries';
import { reviewLink, webhookId } from '../../../src/workflows/notifier';
import { safePath } from '../../../src/review/server';
import type { ProgressPoint } from '../../../src/workflows/types';

describe('progress series', () => {
  const run = (n: number) => {
    const series: ProgressPoint[] = [];
    for (let i = 0; i <= n; i++) addProgressPoint(series, { status: 'RUNNING', progress: i / n }, 1_000 + i * 60_000);
    return series;
  };
  test('stays within PROGRESS_SERIES_MAX points however long the training, keeping the first and latest', () => {
    for (const n of [5, 99, 100, 101, 1_000, 48 * 60]) {
      const s = run(n);
      expect(s.length).toBeLessThanOrEqual(PROGRESS_SERIES_MAX);
      expect(s[0]).toMatchObject({ t: 1_000, progress: 0 });
      expect(s[s.length - 1]).toMatchObject({ t: 1_000 + n * 60_000, progress: 1 });
      for (let i = 1; i < s.length; i++) expect(s[i].t).toBeGreaterThan(s[i - 1].t);
    }
    expect(run(20)).toHaveLength(21);
  });
  test('is deterministic (the same polls give the same series) and a poll with no news only moves the last time', () => {
    expect(run(777)).toEqual(run(777));
    const s: ProgressPoint[] = [];
    addProgressPoint(s, { status: 'RUNNING' }, 1);
    addProgressPoint(s, { status: 'RUNNING', progress: 0.1 }, 2);
    addProgressPoint(s, { status: 'RUNNING', progress: 0.1 }, 3);
    expect(s).toEqual([{ t: 1, status: 'RUNNING' }, { t: 3, status: 'RUNNING', progress: 0.1 }]);
  });
});

describe('cost estimate and cap', () => {
  const model = getModel('wan2.5-i2v-preview');
  test('the reference example: 13 billable s × 36 × 400 = 187,200 tokens = 9.36 USD; over a 5 USD cap it is refused', () => {
    const r = estimatePipelineCost({ model, training: { estimatedTokens: 187_200, nEpochs: 400, maxPixels: 36_864, billableSeconds: 13 }, maxCost: 5 });
    expect(r.estimated).toEqual({ total: 9.36, unknown: [], lines: [{ item: 'training', amount: 9.36, basis: '13 billable s × 36864/1024 px × 400 epochs = 187,200 tokens × 0.05 USD / 1K' }] });
    expect(budgetViolation(r)).toMatch(/^estimated cost 9\.36 USD exceeds budget\.maxCost 5\.00 USD; largest contributors: training 9\.36 USD/);
    expect(budgetViolation({ ...r, maxCost: 9.36 })).toBeUndefined();
    expect(budgetViolation({ ...r, maxCost: undefined })).toBeUndefined();
  });
  test('contributors are listed largest first; a model without a Singapore price cannot be checked', () => {
    const r = estimatePipelineCost({ model, training: { estimatedTokens: 1000, nEpochs: 1, maxPixels: 1024 }, videos: { count: 4 }, videoPricePerSecond: 0.5, maxCost: 1 });
    expect(r.estimated.lines.map((l) => [l.item, l.amount])).toEqual([['videos', 10], ['training', 0.05]]);
    const noPrice = estimatePipelineCost({ model: getModel('wan2.7-i2v'), training: { estimatedTokens: 1000, nEpochs: 1, maxPixels: 1024 }, maxCost: 100 });
    expect(budgetViolation(noPrice)).toMatch(/cannot be checked: training: wan2\.7-i2v has no published Singapore training price/);
  });
  test('actual cost: job usage × price and billed video seconds × price', () => {
    expect(actualCost(model, { trained: true, trainingTokens: 432_000, videoSeconds: [5, 10] }, 0.1)).toEqual({
      total: 23.1,
      unknown: [],
      lines: [
        { item: 'training', amount: 21.6, basis: 'usage 432,000 tokens × 0.05 USD / 1K' },
        { item: 'videos', amount: 1.5, basis: '2 video(s), 15 s × 0.1 USD/s' },
      ],
    });
    expect(actualCost(model, { trained: true, videoSeconds: [undefined] }, undefined).unknown).toEqual([
      'training: the job has not reported its usage yet',
      'videos: 1 task(s) reported no billed duration',
    ]);
  });
});

describe('webhooks', () => {
  test('the webhook-id depends only on workflow, first run and event', () => {
    const a = webhookId('wf-1', 'run-1', 'succeeded');
    expect(a).toMatch(/^msg_[0-9a-f]{24}$/);
    expect(webhookId('wf-1', 'run-1', 'succeeded')).toBe(a);
    expect(new Set([a, webhookId('wf-1', 'run-1', 'failed'), webhookId('wf-1', 'run-2', 'succeeded'), webhookId('wf-2', 'run-1', 'succeeded')]).size).toBe(4);
  });
  test('review links substitute the workflow id', () => {
    expect(reviewLink('https://review.example/p/{workflowId}', 'a b')).toBe('https://review.example/p/a%20b');
    expect(reviewLink(undefined, 'x')).toBeUndefined();
  });
  test('the signature is the Standard Webhooks one: v1,base64(HMAC-SHA256(secret, "id.timestamp.body"))', () => {
    const { createHmac } = require('node:crypto') as typeof import('node:crypto');
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const when = new Date(1_700_000_000_000);
    const sig = new Webhook(secret).sign('msg_1', when, '{"a":1}');
    const expected = createHmac('sha256', Buffer.from(secret.slice(6), 'base64')).update('msg_1.1700000000.{"a":1}').digest('base64');
    expect(sig).toBe(`v1,${expected}`);
  });
});

describe('review page files', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'wanflow-safe-'));
    await mkdir(join(root, 'art', 'previews', 'checkpoint-1'), { recursive: true });
    await writeFile(join(root, 'art', 'previews', 'checkpoint-1', 'sample-1.mp4'), 'v');
    await writeFile(join(root, 'outside.txt'), 'x');
    await symlink(join(root, 'outside.txt'), join(root, 'art', 'escape.txt'));
  });
  afterAll(() => rm(root, { recursive: true, force: true }));
  test('serves only regular files under the artifacts folder', async () => {
    const art = join(root, 'art');
    expect(await safePath(art, 'previews/checkpoint-1/sample-1.mp4')).toBe(join(art, 'previews', 'checkpoint-1', 'sample-1.mp4'));
    expect(await safePath(art, 'previews/checkpoint-1/sample%2D1.mp4')).toBeDefined();
    for (const bad of ['../outside.txt', '..%2Foutside.txt', 'previews/../../outside.txt', encodeURIComponent(join(root, 'outside.txt')), 'escape.txt', 'previews', '', '%00', '%E0%A4%A']) {
      expect([bad, await safePath(art, bad)]).toEqual([bad, undefined]);
    }
  });
});

describe('worker webhook configuration', () => {
  test('without WANFLOW_WEBHOOK_SECRET an event fails at once (non-retryable) and says what is missing', async () => {
    const { MockActivityEnvironment } = await import('@temporalio/testing');
    const { createNotifyActivities } = await import('../../../src/activities/notify');
    const env = new MockActivityEnvironment();
    const err = (await env.run(createNotifyActivities({}).deliverWebhook, { url: 'http://127.0.0.1:9/', webhookId: 'msg_1', body: '{}' }).catch((e: unknown) => e)) as { type?: string; nonRetryable?: boolean; message: string };
    expect(err).toMatchObject({ type: 'WebhookNotConfigured', nonRetryable: true });
    expect(err.message).toContain('WANFLOW_WEBHOOK_SECRET is not set on the worker');
  });
  test('a malformed secret is refused at worker start without echoing it', async () => {
    const { loadConfig, WorkerEnvSchema } = await import('../../../src/config');
    const bad = 'not-a-secret-value-1234567890';
    let message = '';
    try {
      loadConfig(WorkerEnvSchema, { DASHSCOPE_API_KEY: 'sk-x', WANFLOW_WEBHOOK_SECRET: bad });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain('WANFLOW_WEBHOOK_SECRET: must be a Standard Webhooks secret');
    expect(message).not.toContain(bad);
    expect(loadConfig(WorkerEnvSchema, { DASHSCOPE_API_KEY: 'sk-x', WANFLOW_WEBHOOK_SECRET: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' }).WANFLOW_WEBHOOK_SECRET).toMatch(/^whsec_/);
  });
});
