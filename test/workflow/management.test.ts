/**
 * Model Studio management from the CLI, end to end: every command runs as its own process through the real binary
 * (bin/wanflow.js, and the README's `npx wanflow …` lines verbatim through `sh -c`), with DASHSCOPE_API_KEY and
 * DASHSCOPE_BASE_URL absent from its environment, against the jest run's dev server and an emulator only the worker
 * knows. Covers a pipeline's job (list, get, logs --follow, checkpoints, previews --download, export --wait, its
 * deployment), a second job (cancel, delete), and the refusals: 404, 400 UnsupportedOperation, 409, owned by a running
 * pipeline without --force, no --yes on a non-terminal, "n" at the terminal prompt.
 */
import { execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startPipeline } from '../../src/pipelines';
import { EMULATOR_DEFAULT_API_KEY } from '../../src/emulator';
import { approveCheckpointUpdate, statusQuery } from '../../src/workflows/messages';
import { OPERATION_WORKFLOW_TYPE } from '../../src/workflows/management-types';
import { maybeRecordHistory } from '../helpers/histories';
import { createBench, waitFor, type Bench } from '../helpers/pipeline';

jest.setTimeout(900_000);

const execFileP = promisify(execFile);
const ROOT = join(__dirname, '../..');
const BIN = join(ROOT, 'bin', 'wanflow.js');
const MODEL = 'wan2.2-i2v-flash';

let bench: Bench;
beforeAll(async () => {
  // Emulated time ×20: a 12-sample job trains for minutes of real time unless the test moves the clock on.
  bench = await createBench('mgmt', { timeScale: 20 });
  await bench.startWorker();
});
afterAll(async () => bench?.close());

/** The CLI's environment: Temporal only. No Model Studio key or URL: those live in the worker. */
function cliEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, WANFLOW_TASK_QUEUE: bench.taskQueue, ...extra };
  for (const k of Object.keys(env)) if (k.startsWith('DASHSCOPE_') || k === 'EMULATOR_API_KEYS') delete env[k];
  return env;
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

const runs: string[] = [];

function settle(p: Promise<{ stdout: string; stderr: string }>): Promise<Run> {
  return p.then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (e: { code?: number; stdout?: string; stderr?: string }) => ({ code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' }),
  );
}

/** `node bin/wanflow.js …` as its own process (stdin not a terminal). */
async function wanflow(...args: string[]): Promise<Run> {
  const r = await settle(execFileP(process.execPath, [BIN, ...args], { cwd: bench.dir, env: cliEnv(), timeout: 240_000, maxBuffer: 16 << 20 }));
  expect(r.stdout + r.stderr).not.toContain(EMULATOR_DEFAULT_API_KEY);
  return r;
}

/** A README line, verbatim, through the shell (from the repository root, where `npx wanflow` resolves to this package). */
async function readmeLine(line: string, vars: Record<string, string>): Promise<Run> {
  runs.push(line);
  const r = await settle(execFileP('sh', ['-c', line], { cwd: ROOT, env: cliEnv(vars), timeout: 300_000, maxBuffer: 16 << 20 }));
  if (r.code !== 0) throw new Error(`README line failed (${r.code}): ${line}\n${r.stdout}\n${r.stderr}`);
  return r;
}

/** The README section's command lines. */
function readmeLines(): string[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.split(/^## /m).find((s) => s.startsWith('Managing Model Studio resources'));
  if (!section) throw new Error('README has no "Managing Model Studio resources" section');
  const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1] ?? '';
  return block
    .split('\n')
    .map((l) => l.replace(/\s+#.*$/, '').trim())
    .filter((l) => l.startsWith('npx wanflow'));
}

function line(name: string): string {
  const l = readmeLines().find((x) => x.startsWith(name));
  if (!l) throw new Error(`README section has no line starting with "${name}"`);
  return l;
}

const json = <T = any>(r: Run): T => JSON.parse(r.stdout) as T;

/** Moves the emulator's clock on in steps while `work` runs. */
async function whileAdvancing<T>(work: Promise<T>, seconds: number, everyMs = 300): Promise<T> {
  let done = false;
  const ticker = (async () => {
    while (!done) {
      await bench.admin('clock/advance', { seconds }).catch(() => undefined);
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  try {
    return await work;
  } finally {
    done = true;
    await ticker;
  }
}

async function emulatorJob(jobId: string): Promise<{ status: string } | undefined> {
  const state = (await bench.admin('state')) as { jobs: { jobId: string; status: string }[] };
  return state.jobs.find((j) => j.jobId === jobId);
}

/** Operation workflows started so far for a verb and target (the audit trail). */
async function operations(verb: string, target: string) {
  const found = [];
  for await (const w of bench.temporal.client.workflow.list({ query: `WorkflowType = '${OPERATION_WORKFLOW_TYPE}' AND WorkflowId STARTS_WITH 'wanflow-op-${verb}-${target}-'` })) found.push(w);
  return found;
}

test("a pipeline's job, checkpoints, export and deployment, through the CLI without the API key", async () => {
  const dataset = await bench.dataset('i2v', 12);
  const workflowId = `mgmt-pipeline-${randomUUID().slice(0, 8)}`;
  const input = bench.input(MODEL, dataset, { checkpoint: { policy: 'manual', approvalTimeout: '1h', fallback: 'final' } });
  const { handle } = await startPipeline(bench.temporal.client, input, { taskQueue: bench.taskQueue, workflowId });
  const jobId = await waitFor(async () => (await handle.query(statusQuery)).jobId, 120_000, 'the pipeline to create its job');
  await waitFor(async () => (await bench.temporal.client.workflow.list({ query: `WanflowJobId = '${jobId}'` })[Symbol.asyncIterator]().next()).value, 60_000, 'WanflowJobId to be visible');
  const JOB = { JOB: jobId };

  // list (the README's line, then --json with the model filter) and get.
  const listed = await readmeLine(line('npx wanflow jobs list'), JOB);
  expect(listed.stdout).toMatch(/^JOB\s+STATUS\s+MODEL/);
  const byModel = json<{ jobs: { job_id: string; model: string }[] }>(await wanflow('jobs', 'list', '--model', MODEL, '--json'));
  expect(byModel.jobs.map((j) => j.job_id)).toContain(jobId);
  expect(byModel.jobs.every((j) => j.model === MODEL)).toBe(true);
  const noneOfThem = json<{ jobs: unknown[] }>(await wanflow('jobs', 'list', '--model', 'wan2.6-i2v', '--json'));
  expect(noneOfThem.jobs).toEqual([]);
  const got = await readmeLine(line('npx wanflow jobs get'), JOB);
  expect(got.stdout).toMatch(new RegExp(`^job\\s+${jobId}$`, 'm'));
  expect(got.stdout).toMatch(new RegExp(`^pipeline\\s+${workflowId}$`, 'm'));
  const gotJson = json(await wanflow('jobs', 'get', jobId, '--json'));
  expect(gotJson).toMatchObject({ job_id: jobId, model: MODEL, pipelines: [{ workflowId }] });

  // What a running pipeline owns is refused without --force, naming the pipeline; nothing reaches the service.
  await bench.admin('requests', undefined, 'DELETE');
  for (const verb of ['cancel', 'delete']) {
    const refused = await wanflow('jobs', verb, jobId, '--yes');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`fine-tune job ${jobId} belongs to the running pipeline ${workflowId}`);
    expect(refused.stderr).toContain('--force');
  }
  expect((await bench.requests()).filter((r) => r.effect)).toEqual([]);

  // logs --follow streams until the job ends, each poll reading on from the last offset.
  const follow = readmeLine(line('npx wanflow jobs logs'), JOB);
  await waitFor(async () => (await operations('jobs-logs', jobId)).length >= 2, 120_000, 'the follow to poll twice');
  const followed = await whileAdvancing(follow, 120);
  expect(followed.stderr).toContain(`${jobId} ended SUCCEEDED`);
  const full: string[] = [];
  for (let offset = 1; ; ) {
    const page = await bench.dashscope.fineTunes.logs(jobId, { offset, line: 1000 });
    full.push(...page.logs);
    offset += page.logs.length;
    if (page.logs.length === 0 || offset > page.total) break;
  }
  expect(followed.stdout.trimEnd().split('\n')).toEqual(full);
  expect(full[full.length - 1]).toContain('##FT_COMPLETE##');
  // The audit trail: one workflow per poll, offsets only moving forward from 0.
  const polls = await operations('jobs-logs', jobId);
  const offsets: number[] = [];
  for (const w of polls) {
    const history = await bench.temporal.client.workflow.getHandle(w.workflowId).fetchHistory();
    const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
    const arg = JSON.parse(Buffer.from(started!.input!.payloads![0].data!).toString('utf8')) as { offset: number };
    offsets.push(arg.offset);
  }
  offsets.sort((a, b) => a - b);
  expect(offsets[0]).toBe(0);
  expect(new Set(offsets).size).toBe(offsets.length);
  expect(offsets[offsets.length - 1]).toBeGreaterThan(0);
  expect(polls.length).toBeGreaterThanOrEqual(2);
  // Recorded for test/replay (RECORD_HISTORIES=1): a follow poll that waited and returned lines.
  const waited = polls.find((w) => w.status.name === 'COMPLETED');
  if (waited) await maybeRecordHistory('operation-logs-follow', bench.temporal.client.workflow.getHandle(waited.workflowId));
  // A plain `jobs logs` prints the same whole log.
  const once = json<{ lines: string[]; status: string }>(await wanflow('jobs', 'logs', jobId, '--json'));
  expect(once).toMatchObject({ status: 'SUCCEEDED', lines: full });
  const ids = (r: Run) => json<{ jobs: { job_id: string; status: string }[] }>(r).jobs.map((j) => j.job_id);
  expect(ids(await wanflow('jobs', 'list', '--status', 'succeeded', '--json'))).toContain(jobId);
  expect(ids(await wanflow('jobs', 'list', '--status', 'RUNNING', '--json'))).not.toContain(jobId);
  const badStatus = await wanflow('jobs', 'list', '--status', 'DONE');
  expect(badStatus.code).toBe(1);
  expect(badStatus.stderr).toMatch(/--status.*must be one of PENDING, QUEUING, RUNNING/);

  // Checkpoints once trained: validated, not exported yet.
  await waitFor(async () => (await handle.query(statusQuery)).stage === 'awaiting-approval', 120_000, 'the pipeline to await approval');
  const cps = json<{ jobStatus: string; checkpoints: { checkpoint: string; validated: boolean; exportStatus?: string }[] }>(await wanflow('checkpoints', jobId, '--json'));
  expect(cps.jobStatus).toBe('SUCCEEDED');
  expect(cps.checkpoints.length).toBeGreaterThanOrEqual(2);
  expect(cps.checkpoints.every((c) => c.validated && c.exportStatus === undefined)).toBe(true);
  const [CKPT, OTHER] = [cps.checkpoints[0].checkpoint, cps.checkpoints[1].checkpoint];
  const VARS = { JOB: jobId, CKPT };
  const cpTable = await readmeLine(line('npx wanflow checkpoints'), VARS);
  expect(cpTable.stdout).toMatch(new RegExp(`^${CKPT}\\s+yes\\s+not exported`, 'm'));

  // Previews, downloaded on this machine (the CLI's), atomically.
  const previewsDir = join(ROOT, 'data', 'previews', CKPT);
  await rm(previewsDir, { recursive: true, force: true });
  try {
    const pv = await readmeLine(line('npx wanflow previews'), VARS);
    expect(pv.stdout).toContain(`downloaded`);
    const files = readdirSync(previewsDir);
    expect(files.some((f) => /^sample-1\.mp4$/.test(f))).toBe(true);
    expect(files.some((f) => /^sample-1-first-frame\.jpe?g$/.test(f))).toBe(true);
    expect(files.filter((f) => f.includes('.part-'))).toEqual([]);
    for (const f of files) expect(statSync(join(previewsDir, f)).size).toBeGreaterThan(100);
    const pvJson = json<{ previews: { video_path: string; prompt: string }[] }>(await wanflow('previews', jobId, CKPT, '--json'));
    expect(pvJson.previews.length).toBe(files.filter((f) => f.endsWith('.mp4')).length);
    expect(pvJson.previews[0].video_path).toMatch(/Expires=/);
  } finally {
    await rm(previewsDir, { recursive: true, force: true });
  }

  // Export with --wait (the README's line), then the same name again: 409 with the API's reason.
  const exported = await whileAdvancing(readmeLine(line('npx wanflow export'), VARS), 30);
  const displayName = /--model-name (\S+)/.exec(line('npx wanflow export'))![1].replace('$CKPT', CKPT);
  const cpAfter = json<{ checkpoints: { checkpoint: string; exportStatus?: string; modelName?: string; modelDisplayName?: string }[] }>(await wanflow('checkpoints', jobId, '--json'));
  const row = cpAfter.checkpoints.find((c) => c.checkpoint === CKPT)!;
  expect(row).toMatchObject({ exportStatus: 'SUCCEEDED', modelDisplayName: displayName });
  expect(exported.stdout).toContain(`deployable model ${row.modelName}`);
  const [exportOp] = await operations('export', `${jobId}-${CKPT}`);
  expect(exportOp.status.name).toBe('COMPLETED');
  await maybeRecordHistory('operation-export-wait', bench.temporal.client.workflow.getHandle(exportOp.workflowId));
  const taken = await wanflow('export', jobId, OTHER, '--model-name', displayName, '--wait');
  expect(taken.code).toBe(1);
  expect(taken.stderr).toContain('409 Conflict');
  expect(taken.stderr).toContain('choose another --model-name');
  expect(taken.stderr).toMatch(/operation wanflow-op-export-/);
  const takenJson = await wanflow('export', jobId, OTHER, '--model-name', displayName, '--json');
  expect(json(takenJson)).toMatchObject({ error: { type: 'ConflictError', status: 409, code: 'Conflict' } });
  const badName = await wanflow('export', jobId, OTHER, '--model-name', 'no spaces');
  expect(badName.code).toBe(1);
  expect(badName.stderr).toMatch(/--model-name.*Chinese characters, English letters, digits/);

  // Deploy the final output; while the pipeline waits for it, deleting the deployment is refused.
  await handle.executeUpdate(approveCheckpointUpdate, { args: ['final'] });
  const deployed = await waitFor(async () => {
    const state = (await bench.admin('state')) as { deployments: { deployedModel: string; status: string }[] };
    return state.deployments.find((d) => d.deployedModel.includes(jobId.replace(/^ft-/, '')));
  }, 120_000, 'the deployment to be created');
  const NAME = deployed.deployedModel;
  await bench.admin('scenario/deployment-status', { deployedModel: NAME, status: 'PENDING' });
  await waitFor(async () => (await bench.temporal.client.workflow.list({ query: `WanflowDeployedModel = '${NAME}' AND ExecutionStatus = 'Running'` })[Symbol.asyncIterator]().next()).value, 60_000, 'WanflowDeployedModel to be visible');
  const owned = await wanflow('deployments', 'delete', NAME, '--yes');
  expect(owned.code).toBe(1);
  expect(owned.stderr).toContain(`deployment ${NAME} belongs to the running pipeline ${workflowId}`);
  await bench.admin('scenario/deployment-status', { deployedModel: NAME, status: 'RUNNING' });
  await handle.result();

  // Deployments: list, get, delete (refused without --yes on a non-terminal), then get reads NotFound.
  const M = { MODEL: NAME };
  const dl = await readmeLine(line('npx wanflow deployments list'), M);
  expect(dl.stdout).toMatch(new RegExp(`^${NAME.replace(/\./g, '\\.')}\\s+RUNNING`, 'm'));
  const dg = await readmeLine(line('npx wanflow deployments get'), M);
  expect(dg.stdout).toMatch(/^status\s+RUNNING$/m);
  const noYes = await wanflow('deployments', 'delete', NAME);
  expect(noYes.code).toBe(1);
  expect(noYes.stderr).toContain(`refusing to delete deployment ${NAME} without confirmation: stdin is not a terminal; pass --yes`);
  expect(json(await wanflow('deployments', 'get', NAME, '--json'))).toMatchObject({ deployed_model: NAME, status: 'RUNNING' });
  const del = await readmeLine(line('npx wanflow deployments delete'), M);
  expect(del.stdout).toContain(`deployment ${NAME} is DELETING`);
  await bench.admin('clock/advance', { seconds: 120 });
  const gone = await wanflow('deployments', 'get', NAME);
  expect(gone.code).toBe(1);
  expect(gone.stderr).toContain(`deployment ${NAME} not found: Model Studio answered 404 NotFound: Not found.`);
  expect(json(await wanflow('deployments', 'get', NAME, '--json'))).toMatchObject({ error: { type: 'NotFoundError', status: 404 } });

  // The audit trail: each operation is a workflow naming its verb and target, with who asked in its memo.
  const [delOp] = await operations('deployments-delete', NAME);
  expect(delOp).toBeDefined();
  const described = await bench.temporal.client.workflow.getHandle(delOp.workflowId).describe();
  expect(described.memo).toMatchObject({ wanflowOperation: 'deployments.delete', target: NAME, requestedBy: expect.stringContaining('@') });
  expect(described.status.name).toBe('COMPLETED');
});

test('a second job: cancel and delete, with the API refusals and the confirmation rules', async () => {
  const dataset = await bench.dataset('i2v', 12);
  const file = await bench.dashscope.files.upload(dataset.path);
  const job = await bench.dashscope.fineTunes.create({ model: MODEL, training_file_ids: [file.id], training_type: 'efficient_sft' });
  const JOB = { JOB: job.job_id };

  // Unknown job: 404 with the API's own reason, for get, logs and delete.
  for (const args of [['jobs', 'get', 'ft-000000000000-none'], ['jobs', 'logs', 'ft-000000000000-none'], ['checkpoints', 'ft-000000000000-none']]) {
    const r = await wanflow(...args);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('fine-tune job ft-000000000000-none not found: Model Studio answered 404 NotFound');
  }
  const badId = await wanflow('jobs', 'get', 'ft/../x');
  expect(badId.code).toBe(1);
  expect(badId.stderr).toMatch(/argument 'job'.*must be a fine-tune job id/);

  // Deleting a job that has not ended: 400 UnsupportedOperation, with what to do.
  const running = await wanflow('jobs', 'delete', job.job_id, '--yes');
  expect(running.code).toBe(1);
  expect(running.stderr).toContain('(400 UnsupportedOperation)');
  expect(running.stderr).toContain(`cancel it first: wanflow jobs cancel ${job.job_id}`);
  expect(json(await wanflow('jobs', 'delete', job.job_id, '--yes', '--json'))).toMatchObject({ error: { type: 'InvalidParameterError', status: 400, code: 'UnsupportedOperation' } });

  // No --yes on a non-terminal: refused before any call; "n" at a terminal: nothing done.
  await bench.admin('requests', undefined, 'DELETE');
  const noYes = await wanflow('jobs', 'cancel', job.job_id);
  expect(noYes.code).toBe(1);
  expect(noYes.stderr).toContain('stdin is not a terminal; pass --yes');
  const no = await atTerminal(`node ${BIN} jobs cancel ${job.job_id}`, 'n\n');
  expect(no.output).toContain(`Cancel fine-tune job ${job.job_id}? [y/N]`);
  expect(no.output).toContain(`not confirmed; nothing was done to ${job.job_id}`);
  expect(no.code).toBe(1);
  expect((await bench.requests()).filter((r) => r.effect)).toEqual([]);
  expect((await emulatorJob(job.job_id))?.status).not.toMatch(/CANCEL/);

  // "y" at a terminal cancels (as does the README's --yes line for scripts).
  const yes = await atTerminal(`node ${BIN} jobs cancel ${job.job_id}`, 'y\n');
  expect(yes.code).toBe(0);
  expect(yes.output).toContain(`cancel requested: ${job.job_id} is CANCELING`);
  expect((await bench.requests()).filter((r) => r.effect === 'job.canceled')).toHaveLength(1);
  // The README's cancel line on a job that is already CANCELING: the API's 400, exit 1.
  const again = await settle(execFileP('sh', ['-c', line('npx wanflow jobs cancel')], { cwd: ROOT, env: cliEnv(JOB) }));
  runs.push(line('npx wanflow jobs cancel'));
  expect(again.code).toBe(1);
  expect(again.stderr).toContain('only PENDING, QUEUING or RUNNING jobs can be cancelled');

  await bench.admin('clock/advance', { seconds: 60 });
  await waitFor(async () => (await emulatorJob(job.job_id))?.status === 'CANCELED', 30_000, 'the job to be CANCELED');
  const deleted = await readmeLine(line('npx wanflow jobs delete'), JOB);
  expect(deleted.stdout).toContain(`deleted ${job.job_id}`);
  expect(await emulatorJob(job.job_id)).toBeUndefined();
  const afterDelete = await wanflow('jobs', 'get', job.job_id, '--json');
  expect(afterDelete.code).toBe(1);
  expect(json(afterDelete)).toMatchObject({ error: { type: 'NotFoundError', status: 404 } });

  // A third job, running, cancelled by the README line for scripts.
  const third = await bench.dashscope.fineTunes.create({ model: MODEL, training_file_ids: [file.id], training_type: 'efficient_sft' });
  // Ctrl-C while following detaches: exit 0, and the poll in flight is cancelled rather than left running.
  const child = spawn(process.execPath, [BIN, 'jobs', 'logs', third.job_id, '--follow', '--interval', '200ms'], { cwd: bench.dir, env: cliEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let followOut = '';
  child.stdout.on('data', (b: Buffer) => (followOut += b.toString('utf8')));
  child.stderr.on('data', (b: Buffer) => (followOut += b.toString('utf8')));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  // Waiting for news: the follow has printed the job's first documented line (data process succeeded; the next, a
  // checkpoint's token line, is 50 epochs of emulated training away) and the poll reading on from it has been told by
  // the worker more than five times that there is nothing yet (its activity retrying on the benign "no log line after
  // 1"): a follow poll waits for as long as it takes, not for a retry policy's attempt count.
  const waiting = await waitFor(
    async () => {
      if (!followOut.includes('data process succeeded, start to fine-tune')) return undefined;
      for (const w of await operations('jobs-logs', third.job_id)) {
        if (w.status.name !== 'RUNNING') continue;
        const { raw } = await bench.temporal.client.workflow.getHandle(w.workflowId).describe();
        const pending = raw.pendingActivities?.[0];
        if ((pending?.attempt ?? 0) > 5 && pending?.lastFailure?.message?.includes(`${third.job_id} RUNNING: no log line after 1`)) return w;
      }
      return undefined;
    },
    120_000,
    'a follow poll waiting for news',
  );
  child.kill('SIGINT');
  expect(await exited).toBe(0);
  expect(followOut).toContain(`stopped following ${third.job_id}`);
  await waitFor(async () => (await bench.temporal.client.workflow.getHandle(waiting.workflowId).describe()).status.name === 'CANCELLED', 30_000, 'the poll to be cancelled');

  const cancelled = await readmeLine(line('npx wanflow jobs cancel'), { JOB: third.job_id });
  expect(cancelled.stdout).toContain(`cancel requested: ${third.job_id} is CANCELING`);

  // --force: a job a running pipeline (attached with --from-job) trains is cancelled anyway, with a warning; the
  // pipeline then ends on the outside cancel.
  const fourth = await bench.dashscope.fineTunes.create({ model: MODEL, training_file_ids: [file.id], training_type: 'efficient_sft' });
  const ownerId = `mgmt-from-job-${randomUUID().slice(0, 8)}`;
  const owner = await startPipeline(bench.temporal.client, bench.input(MODEL, dataset, { source: { kind: 'job', jobId: fourth.job_id } }), { taskQueue: bench.taskQueue, workflowId: ownerId });
  await waitFor(async () => (await bench.temporal.client.workflow.list({ query: `WanflowJobId = '${fourth.job_id}' AND ExecutionStatus = 'Running'` })[Symbol.asyncIterator]().next()).value, 60_000, 'the owner to be visible');
  const refused = await wanflow('jobs', 'cancel', fourth.job_id, '--yes');
  expect(refused.code).toBe(1);
  expect(refused.stderr).toContain(`belongs to the running pipeline ${ownerId}`);
  const forced = await wanflow('jobs', 'cancel', fourth.job_id, '--yes', '--force', '--json');
  expect(forced.code).toBe(0);
  expect(forced.stderr).toContain(`--force: cancel ${fourth.job_id}, which the running pipeline ${ownerId}`);
  expect(json(forced)).toMatchObject({ job_id: fourth.job_id, status: 'CANCELING' });
  await bench.admin('clock/advance', { seconds: 60 });
  await expect(owner.handle.result()).rejects.toMatchObject({ cause: { type: 'FineTuneJobCanceled' } });
});

test('every README management line was run verbatim, and every command has --help with examples', async () => {
  expect(new Set(runs)).toEqual(new Set(readmeLines()));
  for (const cmd of [['jobs', 'list'], ['jobs', 'get'], ['jobs', 'logs'], ['jobs', 'cancel'], ['jobs', 'delete'], ['checkpoints'], ['previews'], ['export'], ['deployments', 'list'], ['deployments', 'get'], ['deployments', 'delete']]) {
    const r = await wanflow(...cmd, '--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Examples:');
    expect(r.stdout).toContain(`wanflow ${cmd.join(' ')}`);
    expect(r.stdout).toContain('--json');
  }
});

/** Runs a command line under a pseudo-terminal (util-linux `script`), typing `input`; returns the exit code and what it showed. */
function atTerminal(command: string, input: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    if (!existsSync('/usr/bin/script')) return reject(new Error('util-linux script(1) is needed for the terminal tests'));
    const child = spawn('script', ['-qefc', command, '/dev/null'], { cwd: bench.dir, env: cliEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (b: Buffer) => {
      output += b.toString('utf8');
      if (output.includes('[y/N]') && !child.stdin.writableEnded) child.stdin.end(input);
    });
    child.stderr.on('data', (b: Buffer) => (output += b.toString('utf8')));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${command} did not finish under the terminal:\n${output}`));
    }, 120_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output: output.replace(/\r/g, '') });
    });
  });
}
