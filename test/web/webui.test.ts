/**
 * The Temporal Web UI of the project's dev server (Temporal CLI from scripts/ensure-temporal.js, UI served by the
 * CLI itself), opened in a real browser on the workflow page of a running pipeline: it must show the pipeline's
 * summary and details (user metadata), its current details (the workflow's setCurrentDetails) and the activity
 * summaries. A screenshot goes to test/web/screenshots/ (git-ignored).
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { DashScope } from '../../src/dashscope';
import { generateSampleDataset, sha256File } from '../../src/dataset';
import { startEmulator, EMULATOR_DEFAULT_API_KEY, type RunningEmulator } from '../../src/emulator';
import { startPipeline } from '../../src/pipelines';
import { startDevServer, type DevServer } from '../../src/temporal/devServer';
import { createWorker } from '../../src/worker';
import { statusQuery } from '../../src/workflows/messages';
import { DEFAULT_AIGC_CONFIG } from '../../src/workflows/input';
import type { Page } from 'playwright-core';
import { launchBrowser, type TestBrowser } from '../helpers/browser';
import { waitFor, workflowBundle } from '../helpers/pipeline';
import { freePort } from '../helpers/ports';

jest.setTimeout(240_000);


/** Waits until some frame of the page (the page itself or an iframe) shows `text`; returns that frame's text. */
async function frameWithText(page: Page, text: string, timeoutMs = 60_000): Promise<string> {
  const found = await waitFor(async () => {
    for (const frame of page.frames()) {
      const t = await frame.locator('body').innerText({ timeout: 1000 }).catch(() => '');
      if (t.includes(text)) return t;
    }
    return undefined;
  }, timeoutMs, `"${text}" on the page`);
  return found;
}

let dir: string;
let server: DevServer;
let emulator: RunningEmulator;
let dashscope: DashScope;
let connection: NativeConnection;
let client: Client;
let worker: Worker;
let workerRun: Promise<void>;
let browser: TestBrowser | undefined;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wanflow-webui-'));
  const [port, uiPort] = [await freePort(), await freePort()];
  server = await startDevServer({ port, ui: true, uiPort });
  emulator = await startEmulator({ port: 0, timeScale: 2000, dataDir: join(dir, 'emulator') });
  dashscope = new DashScope({ apiKey: EMULATOR_DEFAULT_API_KEY, baseUrl: emulator.url, timeoutMs: 30_000 });
  connection = await NativeConnection.connect({ address: server.address });
  client = new Client({ connection: server.env.connection, namespace: server.namespace });
  worker = await createWorker({ connection, namespace: server.namespace, taskQueue: 'wanflow-webui', dashscope, worker: { workflowBundle: await workflowBundle() } });
  workerRun = worker.run();
});

afterAll(async () => {
  await browser?.close();
  if (worker?.getState() === 'RUNNING') worker.shutdown();
  await workerRun?.catch(() => undefined);
  await connection?.close();
  await emulator?.close();
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
});

test('the workflow page of a pipeline awaiting approval shows its summary, details, current details and activity summaries', async () => {
  const ds = await generateSampleDataset({ dir: join(dir, 'datasets'), mode: 'i2v', kind: 'training' });
  const zipName = ds.path.split('/').pop()!;
  const workflowId = `webui-${Date.now().toString(36)}`;
  const label = `web UI check ${workflowId}`;
  const { handle } = await startPipeline(
    client,
    {
      version: 1,
      model: 'wan2.2-i2v-flash',
      source: { kind: 'dataset', training: { path: ds.path, sha256: await sha256File(ds.path) } },
      hyperParameters: { eval_epochs: '100' },
      checkpoint: { policy: 'manual', approvalTimeout: '30m', fallback: 'fail' },
      deployment: { aigcConfig: DEFAULT_AIGC_CONFIG },
      polling: { training: '200ms', export: '200ms', deployment: '200ms', task: '200ms' },
      artifactsDir: join(dir, 'artifacts'),
      label,
    },
    { taskQueue: 'wanflow-webui', workflowId },
  );
  const status = await waitFor(async () => {
    const s = await handle.query(statusQuery);
    return s.stage === 'awaiting-approval' ? s : undefined;
  }, 120_000, 'the pipeline to await approval');
  const { runId } = await handle.describe();

  browser = await launchBrowser();
  const page = await browser.newPage();
  const url = `${server.uiUrl}/namespaces/${server.namespace}/workflows/${workflowId}/${runId}/history`;
  await page.goto(url, { waitUntil: 'domcontentloaded', timeout: 60_000 });
  const body = page.locator('body');
  const shots = join(__dirname, 'screenshots');
  await mkdir(shots, { recursive: true });
  try {
    // Activity summaries in the event history (src/workflows/pipeline.ts `call(…, summary)`).
    await body.getByText('create fine-tune job for wan2.2-i2v-flash').first().waitFor({ timeout: 60_000 });
    await body.getByText(`upload ${zipName} (`).first().waitFor({ timeout: 30_000 });
    await body.getByText(`poll ${status.jobId} `).first().waitFor({ timeout: 30_000 });
    await page.screenshot({ path: join(shots, 'workflow-history.png') });

    // The User Metadata tab: summary and details given at start (src/pipelines.ts) and the current details the
    // workflow publishes with setCurrentDetails (src/workflows/details.ts), asked live from the worker.
    // The UI renders each of them as markdown in its own sandboxed iframe, hence the search across frames.
    await page.getByText('User Metadata', { exact: true }).first().click();
    await body.getByText('Current Details', { exact: true }).first().waitFor({ timeout: 30_000 });
    await frameWithText(page, `fine-tune wan2.2-i2v-flash from ${zipName}`);
    await frameWithText(page, label);
    const details = await frameWithText(page, 'awaiting approval');
    expect(details).toMatch(/wan2\.2-i2v-flash\s+—\s+stage\s+awaiting-approval/);
    expect(details).toContain(`job: ${status.jobId} SUCCEEDED`);
    expect(details).toContain(`wanflow approve ${workflowId} <checkpoint>`);
    expect(details).toContain(`checkpoints: ${status.checkpoints.map((c) => c.checkpoint).join(', ')}`);

  } finally {
    await page.screenshot({ path: join(shots, 'workflow-metadata.png'), fullPage: true });
    await writeFile(join(shots, 'workflow-metadata.txt'), await body.innerText());
  }
});
