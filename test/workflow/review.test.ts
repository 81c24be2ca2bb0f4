/**
 * The review page in real headless Chromium: a pipeline waits for approval, `wanflow review <id>` (its own process)
 * serves the page, every checkpoint × sample preview plays, a click approves checkpoint X and the pipeline deploys X.
 */
import { mkdir, rename, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { request } from 'undici';
import type { Page } from 'playwright-core';
import { createBench, waitFor, type Bench } from '../helpers/pipeline';
import { launchBrowser, type TestBrowser } from '../helpers/browser';
import { spawnLong, type LongProcess } from '../helpers/longCli';
import { ROOT } from '../helpers/processes';
import { statusQuery } from '../../src/workflows/messages';
import type { PipelineResult } from '../../src/workflows/types';
import { PROGRESS_SERIES_MAX } from '../../src/workflows/progressSeries';

// The page functions below run in the browser; these are the few DOM shapes they use (the project compiles without lib.dom).
interface HTMLVideoElement {
  readyState: number;
  paused: boolean;
  currentTime: number;
}
declare const document: {
  querySelector<T = { textContent: string | null }>(selector: string): T | null;
  querySelectorAll<T = unknown>(selector: string): ArrayLike<T> & Iterable<T>;
};

const SHOTS = join(ROOT, 'test', 'web', 'screenshots');

let bench: Bench;
let browser: TestBrowser;
let review: LongProcess | undefined;
beforeAll(async () => {
  bench = await createBench('review');
  await bench.startWorker();
  browser = await launchBrowser();
  await mkdir(SHOTS, { recursive: true });
});
afterAll(async () => {
  await review?.stop();
  await browser?.close();
  await bench?.close();
});

/** Waits until the video plays: enough data, and its currentTime advances. */
async function expectPlaying(page: Page, selector: string): Promise<void> {
  await page.waitForFunction((sel) => {
    const v = document.querySelector<HTMLVideoElement>(sel);
    return !!v && v.readyState >= 2 && !v.paused;
  }, selector, { timeout: 60_000 });
  const t0 = await page.$eval(selector, (v) => (v as HTMLVideoElement).currentTime);
  await page.waitForFunction(
    ([sel, t]) => {
      const v = document.querySelector<HTMLVideoElement>(sel as string);
      return !!v && v.currentTime !== t;
    },
    [selector, t0] as const,
    { timeout: 30_000 },
  );
}

test('a pipeline awaiting approval: the page plays every preview, a click approves checkpoint X, and X is deployed', async () => {
  const dataset = await bench.dataset('i2v', 12);
  const workflowId = `review-${Date.now()}`;
  const handle = await bench.temporal.client.workflow.start('fineTunePipeline', {
    taskQueue: bench.taskQueue,
    workflowId,
    args: [bench.input('wan2.2-i2v-flash', dataset, { checkpoint: { policy: 'manual', approvalTimeout: '1h', fallback: 'final' }, generate: { count: 1 } })],
  });
  const waiting = await waitFor(async () => {
    const s = await handle.query(statusQuery);
    return s.stage === 'awaiting-approval' ? s : undefined;
  }, 180_000, 'awaiting-approval');
  const checkpoints = waiting.checkpoints.map((c) => c.checkpoint);
  expect(checkpoints.length).toBeGreaterThanOrEqual(3);
  expect(waiting.progressSeries!.length).toBeGreaterThan(1);
  expect(waiting.progressSeries!.length).toBeLessThanOrEqual(PROGRESS_SERIES_MAX);

  // The user's command, as its own process, against the test's Temporal server.
  review = spawnLong(process.execPath, ['--import', 'tsx', 'src/starter.ts', 'review', workflowId], { cwd: ROOT, env: { TEMPORAL_ADDRESS: process.env.TEMPORAL_ADDRESS } });
  const [, url] = await review.waitFor(/review page for \S+: (http:\/\/127\.0\.0\.1:\d+\/)/);

  const page = await browser.context.newPage();
  await page.goto(url);
  await page.waitForSelector('#stage.awaiting-approval');
  const samples = await page.$$eval('tbody tr[data-sample]', (rows: unknown[]) => rows.length);
  expect(samples).toBeGreaterThanOrEqual(1);
  // One video per checkpoint and sample, each playing.
  await page.waitForFunction((n) => document.querySelectorAll('tbody video').length === n, samples * checkpoints.length);
  for (const c of checkpoints) {
    const cell = await page.$$eval(`tbody video[data-checkpoint="${c}"]`, (vs: unknown[]) => vs.length);
    expect(cell).toBe(samples);
  }
  const videoSelectors = await page.$$eval('tbody video', (vs) => vs.map((v) => `video[data-checkpoint="${v.dataset.checkpoint}"][data-sample="${v.dataset.sample}"]`));
  for (const sel of videoSelectors) await expectPlaying(page, sel);
  // A row plays in step: after the sync button, every video of the row is within 0.3 s of the first.
  await page.click('tbody tr[data-sample] button.sync');
  await page.waitForFunction(() => {
    const vs = [...document.querySelectorAll<HTMLVideoElement>('tbody tr[data-sample]:first-child video')];
    return vs.length > 1 && vs.every((v) => !v.paused && Math.abs(v.currentTime - vs[0].currentTime) < 0.3);
  });
  // Prompts, first frames, the chart, the plan and the cost are there.
  // The chart draws training progress over time: several points, rising to 100 % (from consumed tokens and milestones).
  await page.waitForSelector('#progress-chart polyline', { state: 'visible' });
  const chartPoints = await page.$$eval('#progress-chart circle', (cs) => cs.length);
  expect(chartPoints).toBeGreaterThanOrEqual(2);
  expect(await page.textContent('#chart')).toMatch(/progress over time \(\d+ points\)/);
  expect(await page.$eval('tbody tr[data-sample] img', (i) => (i as unknown as { naturalWidth: number }).naturalWidth)).toBeGreaterThan(0);
  expect(await page.textContent('#plan')).toContain('steps');
  expect(await page.textContent('#cost')).toMatch(/training.*USD/s);
  expect(await page.textContent('#approval-info')).toMatch(/Deadline .* the final output/);
  await page.screenshot({ path: join(SHOTS, 'review-awaiting-approval.png'), fullPage: true });

  // The validator's answer is shown as it is.
  await page.evaluate(() => (globalThis as unknown as { approve(c: string): Promise<void> }).approve('checkpoint-999999'));
  await page.waitForFunction(() => /not approved: unknown checkpoint "checkpoint-999999"/.test(document.querySelector('#approval-answer')!.textContent ?? ''));

  // Approve a checkpoint that is neither the latest nor the final output.
  const chosen = checkpoints[Math.floor(checkpoints.length / 2) - 1] ?? checkpoints[0];
  await page.click(`#approval-buttons button[data-checkpoint="${chosen}"]`);
  await page.waitForFunction((c) => document.querySelector('#approval-answer')!.textContent === `approved ${c}: the pipeline deploys it now`, chosen);

  const result = (await handle.result()) as PipelineResult;
  expect(result.checkpoint).toBe(chosen);
  const exports = (await bench.requests()).filter((r) => r.effect === 'export.created');
  expect(exports).toHaveLength(1);
  expect(exports[0].path).toContain(`/export/${chosen}`);

  // Afterwards: deployment and the generated sample video, playing.
  await page.waitForSelector('#stage.succeeded', { timeout: 30_000 });
  expect(await page.textContent('#after-facts')).toContain(result.deployedModel);
  await expectPlaying(page, '#videos video');
  expect(await page.$$eval('#cost-total td', (tds) => tds.map((t) => t.textContent))).toEqual([expect.stringMatching(/USD/), expect.stringMatching(/USD/)]);
  await page.screenshot({ path: join(SHOTS, 'review-succeeded.png'), fullPage: true });

  // Files: only under the pipeline's artifacts folder.
  const art = join(bench.dir, 'artifacts', workflowId);
  await writeFile(join(bench.dir, 'secret.txt'), 'outside');
  await symlink(join(bench.dir, 'secret.txt'), join(art, 'link.txt'));
  for (const p of ['files/..%2f..%2fsecret.txt', 'files/../../secret.txt', 'files/%2e%2e/%2e%2e/secret.txt', 'files/link.txt', `files/${encodeURIComponent(join(bench.dir, 'secret.txt'))}`, 'files/previews']) {
    const res = await request(`${url}${p}`);
    expect({ p, status: res.statusCode, body: (await res.body.text()).includes('outside') }).toEqual({ p, status: 404, body: false });
  }
  const firstVideo = await page.$eval('tbody video', (v) => v.getAttribute('src')!);
  const ranged = await request(new URL(firstVideo, url), { headers: { range: 'bytes=0-9' } });
  expect(ranged.statusCode).toBe(206);
  expect((await ranged.body.arrayBuffer()).byteLength).toBe(10);
  // Another site's page cannot approve (no JSON content type / foreign Origin), and a foreign Host is refused.
  expect((await request(`${url}api/approve`, { method: 'POST', body: 'checkpoint=final', headers: { 'content-type': 'application/x-www-form-urlencoded' } })).statusCode).toBe(415);
  expect((await request(`${url}api/approve`, { method: 'POST', body: '{"checkpoint":"final"}', headers: { 'content-type': 'application/json', origin: 'http://evil.example' } })).statusCode).toBe(403);
  expect((await request(`${url}api/state`, { headers: { host: 'evil.example' } })).statusCode).toBe(421);

  // When the artifacts folder is not on this machine, the page says so.
  await rename(art, `${art}-moved`);
  await page.reload();
  await page.waitForFunction(() => /cannot read/.test(document.querySelector('#artifacts-note')?.textContent ?? ''));
  expect(await page.isVisible('#artifacts-note')).toBe(true);
  await page.close();
  expect(await review.stop()).toBe(0);
  review = undefined;
});
