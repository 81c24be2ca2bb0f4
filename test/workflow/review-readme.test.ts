/**
 * The README's review, notify and cost-cap command lines, each run verbatim as its own process (`sh -c <line>` in the
 * project root, as a user types them), against the jest run's Temporal server; and `npm start -- --checkpoint manual`
 * end to end in headless Chromium: the demo prints the review page URL, a click approves, the demo deploys it.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import type { Worker } from '@temporalio/worker';
import { createBench, waitFor, workflowBundle, type Bench } from '../helpers/pipeline';
import { launchBrowser, type TestBrowser } from '../helpers/browser';
import { spawnLong, type LongProcess } from '../helpers/longCli';
import { ROOT } from '../helpers/processes';
import { newWebhookSecret } from '../helpers/webhookReceiver';
import { createWorker } from '../../src/worker';
import { statusQuery } from '../../src/workflows/messages';
import type { ReviewState } from '../../src/review/server';
import { freePort } from '../helpers/ports';

jest.setTimeout(300_000);

const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const SAMPLE = 'npx wanflow sample --mode i2v --out data/';
const OVER_BUDGET = 'npx wanflow run data/sample-i2v-training-12.zip --model wan2.2-i2v-flash --max-cost 20';
const MANUAL = 'npx wanflow run data/sample-i2v-training-12.zip --model wan2.2-i2v-flash --checkpoint manual --workflow-id review-demo --notify https://hooks.example.com/wanflow';
const REVIEW = 'npx wanflow review review-demo';
const DEMO = 'npm start -- --checkpoint manual';

let bench: Bench;
let worker: Worker;
let running: Promise<void>;
const longs: LongProcess[] = [];
beforeAll(async () => {
  bench = await createBench('readme-review');
  worker = await createWorker({
    connection: bench.temporal.nativeConnection,
    namespace: bench.temporal.namespace,
    taskQueue: bench.taskQueue,
    dashscope: bench.dashscope,
    webhookSecret: newWebhookSecret(),
    worker: { workflowBundle: await workflowBundle() },
  });
  running = worker.run();
});
afterAll(async () => {
  for (const l of longs) await l.stop();
  if (worker?.getState() === 'RUNNING') worker.shutdown();
  await running;
  await bench?.close();
});

const env = () => ({ TEMPORAL_ADDRESS: process.env.TEMPORAL_ADDRESS!, WANFLOW_TASK_QUEUE: bench.taskQueue });

function sh(line: string, extraEnv: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('sh', ['-c', line], { cwd: ROOT, env: { ...process.env, ...env(), ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}


test('the README lists these command lines verbatim', () => {
  for (const line of [SAMPLE, OVER_BUDGET, MANUAL, REVIEW, DEMO]) expect(README).toContain(line);
});

test('README: --max-cost refuses before anything reaches the service; --checkpoint manual --notify, then wanflow review', async () => {
  expect((await sh(SAMPLE)).stdout.trim()).toBe(join(ROOT, 'data', 'sample-i2v-training-12.zip'));
  await bench.admin('requests', undefined, 'DELETE');

  const refused = await sh(OVER_BUDGET);
  expect(refused.code).toBe(1);
  expect(refused.stderr).toContain(
    'estimated cost 119.81 USD exceeds budget.maxCost 20.00 USD; largest contributors: training 119.81 USD (39 billable s × 262144/1024 px × 400 epochs = 3,993,600 tokens × 0.03 USD / 1K)',
  );
  expect(refused.stderr).toContain('Nothing was started or uploaded.');
  expect(await bench.requests()).toEqual([]);

  const started = await sh(MANUAL);
  expect(started.stderr).toContain('started pipeline review-demo');
  expect(started.code).toBe(0);
  const handle = bench.temporal.client.workflow.getHandle('review-demo');
  try {
    // The receiver does not exist: the pipeline still reaches approval, and the status says what was not delivered.
    const s = await waitFor(async () => {
      const st = await handle.query(statusQuery);
      return st.stage === 'awaiting-approval' ? st : undefined;
    }, 180_000, 'awaiting-approval');
    expect(s.notifications?.[0]).toMatchObject({ event: 'approval-needed', state: expect.stringMatching(/pending|undelivered/) });

    const review = spawnLong('sh', ['-c', REVIEW], { cwd: ROOT, env: env() });
    longs.push(review);
    const [, url] = await review.waitFor(/review page for review-demo: (http:\/\/127\.0\.0\.1:\d+\/)/);
    const state = (await (await request(`${url}api/state`)).body.json()) as ReviewState;
    expect(state.status?.stage).toBe('awaiting-approval');
    expect(state.artifacts.reachable).toBe(true);
    expect(state.grid.checkpoints).toEqual(s.checkpoints.map((c) => c.checkpoint));
    expect(state.grid.rows.length).toBeGreaterThan(0);
    await review.stop(); // the page server runs until stopped
  } finally {
    await handle.cancel().catch(() => undefined);
    await handle.result().catch(() => undefined);
  }
});

test('npm start -- --checkpoint manual: the demo prints the review page; approving there deploys that checkpoint', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'wanflow-demo-review-'));
  let browser: TestBrowser | undefined;
  try {
    const ports = { WANFLOW_TEMPORAL_PORT: String(await freePort()), WANFLOW_UI_PORT: String(await freePort()), WANFLOW_EMULATOR_PORT: String(await freePort()) };
    const demo = spawnLong('sh', ['-c', DEMO], { cwd: ROOT, env: { ...ports, WANFLOW_DATA_DIR: dataDir, DISPLAY: undefined, WAYLAND_DISPLAY: undefined, TEMPORAL_ADDRESS: undefined } });
    longs.push(demo);
    const [, url] = await demo.waitFor(/review page \(.*\): (http:\/\/127\.0\.0\.1:\d+\/)/, 180_000);
    browser = await launchBrowser();
    const page = await browser.context.newPage();
    await page.goto(url);
    await page.waitForSelector('#stage.awaiting-approval', { timeout: 180_000 });
    await page.waitForFunction(() => (globalThis as unknown as { document: { querySelectorAll(s: string): { length: number } } }).document.querySelectorAll('tbody video').length > 0);
    const chosen = await page.$$eval('#approval-buttons button[data-checkpoint^="checkpoint-"]', (bs) => bs.map((b) => b.getAttribute('data-checkpoint')!)[0]);
    await page.click(`#approval-buttons button[data-checkpoint="${chosen}"]`);
    await page.waitForSelector('#approval-answer.ok');
    const [line] = await demo.waitFor(/deployed model: \S+ \(from (checkpoint-\d+)/, 180_000);
    expect(line).toContain(`from ${chosen}`);
    await page.close();
  } finally {
    await browser?.close();
    await longs.pop()?.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
});
