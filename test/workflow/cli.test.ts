import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createBench, waitFor, type Bench } from '../helpers/pipeline';

const run = promisify(execFile);
const ROOT = join(__dirname, '../..');
const BIN = join(ROOT, 'bin', 'wanflow.js');

let bench: Bench;
beforeAll(async () => {
  bench = await createBench('cli');
  await bench.startWorker();
});
afterAll(async () => bench?.close());

/** Runs the real `wanflow` binary against the test's Temporal server; resolves even on a non-zero exit. */
async function wanflow(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(process.execPath, [BIN, ...args], {
      cwd: bench.dir,
      env: { ...process.env, WANFLOW_TASK_QUEUE: bench.taskQueue },
      timeout: 120_000,
    });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

test('run --follow --json, then status, list and approve errors, through the real CLI binary', async () => {
  const dataset = await bench.dataset('i2v', 11);
  const started = await wanflow('run', dataset.path, '--model', 'wan2.2-i2v-flash', '--poll-training', '200ms', '--json', '--artifacts', join(bench.dir, 'art'));
  expect(started.code).toBe(0);
  const { workflowId, attached } = JSON.parse(started.stdout) as { workflowId: string; attached: boolean };
  expect(workflowId).toBe(`wanflow-wan2.2-i2v-flash-${dataset.sha256.slice(0, 12)}`);
  expect(attached).toBe(false);

  const again = await wanflow('run', dataset.path, '--model', 'wan2.2-i2v-flash', '--json');
  expect(JSON.parse(again.stdout)).toMatchObject({ workflowId, attached: true });

  const followed = await wanflow('follow', workflowId, '--json');
  expect(followed.code).toBe(0);
  const lines = followed.stdout.trim().split('\n');
  const outcome = JSON.parse(lines.slice(lines.findIndex((l) => l.startsWith('{\n') || l === '{')).join('\n'));
  expect(outcome.outcome).toBe('succeeded');
  expect(outcome.result.deployedModel).toMatch(/^wan2\.2-i2v-flash-ft-/);

  const status = await wanflow('status', workflowId, '--json');
  expect(JSON.parse(status.stdout)).toMatchObject({ workflowStatus: 'COMPLETED', stage: 'succeeded', workflowId });
  const human = await wanflow('status', workflowId);
  expect(human.stdout).toContain(`${workflowId}  COMPLETED  stage succeeded`);

  const listed = await waitFor(async () => {
    const l = JSON.parse((await wanflow('list', '--all', '--json')).stdout) as { workflowId: string; stage?: string }[];
    return l.find((r) => r.workflowId === workflowId && r.stage === 'succeeded');
  }, 30_000, 'list to show the pipeline');
  expect(listed.stage).toBe('succeeded');

  const approve = await wanflow('approve', workflowId, 'checkpoint-1');
  expect(approve.code).toBe(1);
  expect(approve.stderr).toMatch(/approval rejected|not running|completed/i);
});

test('bad flags and bad datasets give clear errors and exit 1 before anything starts', async () => {
  await bench.admin('requests', undefined, 'DELETE');
  const noModel = await wanflow('run', 'x.zip');
  expect(noModel.code).toBe(1);
  expect(noModel.stderr).toContain("required option '--model <id>' not specified");
  const badModel = await wanflow('run', 'x.zip', '--model', 'wan9');
  expect(badModel.stderr).toMatch(/Allowed choices are wan2\.7-i2v/);
  const missing = await wanflow('run', 'nope.zip', '--model', 'wan2.2-i2v-flash');
  expect(missing.stderr).toMatch(/no such file/);
  const small = await bench.dataset('i2v', 4);
  const bad = await wanflow('run', small.path, '--model', 'wan2.2-i2v-flash', '--set', 'n_epochs=100');
  expect(bad.code).toBe(1);
  expect(bad.stderr).toMatch(/at least 10/);
  expect(bad.stderr).toMatch(/n_epochs × ceil\(4 \/ 4\) = 100 total steps; at least 800 are needed/);
  expect((await bench.requests()).filter((r) => r.effect === 'file.created')).toHaveLength(0);
});

test('status and follow answer for a pipeline no worker serves (here: terminated before any worker ran it)', async () => {
  const dataset = await bench.dataset('i2v', 12);
  const workflowId = `cli-noworker-${Date.now()}`;
  const handle = await bench.temporal.client.workflow.start('fineTunePipeline', {
    taskQueue: `${bench.taskQueue}-nobody`,
    workflowId,
    args: [bench.input('wan2.2-i2v-flash', dataset)],
  });
  const status = await wanflow('status', workflowId, '--json');
  expect(JSON.parse(status.stdout)).toMatchObject({ workflowId, workflowStatus: 'RUNNING', note: expect.stringContaining('no worker') });
  await handle.terminate('test');
  const followed = await wanflow('follow', workflowId, '--json');
  expect(followed.code).toBe(1);
  expect(JSON.parse(followed.stdout)).toMatchObject({ outcome: 'terminated' });
});
