/**
 * The Temporal dev server stopped and started again on the same port and sqlite file, once while the pipeline trains and
 * once while it deploys. The worker process (`tsx src/worker.ts`) keeps running through both outages and must reconnect
 * by itself; the pipeline must finish with one file, job, export and deployment and nothing orphaned.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { startPipeline } from '../../src/pipelines';
import { startDevServer, type DevServer } from '../../src/temporal/devServer';
import { statusQuery } from '../../src/workflows/messages';
import type { PipelineResult } from '../../src/workflows/types';
import { createBench, waitFor, type Bench } from '../helpers/pipeline';
import { activityRetries, checkEffects, durabilityInput, maybeRecordHistory, publishResults, type ScenarioRow } from '../helpers/durability';
import { spawnWorkerProcess, type WorkerProcess } from '../helpers/workerProcess';

jest.setTimeout(240_000);

let bench: Bench | undefined;
let server: DevServer | undefined;
let worker: WorkerProcess | undefined;
let connection: Connection | undefined;
let dir: string | undefined;
const rows: ScenarioRow[] = [];

afterAll(async () => {
  await worker?.stop().catch(() => undefined);
  await connection?.close().catch(() => undefined);
  await server?.stop().catch(() => undefined);
  await bench?.close().catch(() => undefined);
  if (dir) await rm(dir, { recursive: true, force: true });
  publishResults('server-restart', rows, ['crashes injected: dev server stops (each followed by a start on the same port and sqlite file); the worker process was not restarted.']);
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

test('dev server stopped and restarted on its sqlite file during training and during deployment', async () => {
  const started = Date.now();
  dir = await mkdtemp(join(tmpdir(), 'wanflow-restart-'));
  const port = await freePort();
  const dbFilename = join(dir, 'temporal.sqlite');
  server = await startDevServer({ port, dbFilename });
  connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection, namespace: server.namespace });
  bench = await createBench('restart');
  worker = await spawnWorkerProcess({ taskQueue: bench.taskQueue, baseUrl: bench.emulator.url, temporalAddress: server.address });

  // A longer training (4800 steps, about 7 s at time scale 2000) so the first outage surely starts while it trains.
  const input = await durabilityInput(bench, await bench.dataset('i2v', 12), { nEpochs: 1600, evalEpochs: 400 });
  const workflowId = `restart-${randomUUID().slice(0, 8)}`;
  const { handle } = await startPipeline(client, input, { taskQueue: bench.taskQueue, workflowId });
  let restarts = 0;
  const restart = async () => {
    await server!.stop();
    server = await startDevServer({ port, dbFilename });
    restarts++;
  };

  // 1. While training.
  await waitFor(async () => (await handle.query(statusQuery)).stage === 'training', 60_000, 'training');
  await restart();
  expect(worker.child.exitCode).toBeNull();

  // 2. While deploying: hold the new deployment PENDING (scenario knob) across the outage, then let it run.
  const deployed = await waitFor(
    async () => (await bench!.requests()).find((r) => r.effect === 'deployment.created')?.resourceId,
    120_000,
    'deployment.created',
  );
  await bench.admin('scenario/deployment-status', { deployedModel: deployed, status: 'PENDING' });
  await waitFor(async () => (await handle.query(statusQuery)).stage === 'deploying', 30_000, 'deploying');
  await restart();
  expect(worker.child.exitCode).toBeNull();
  // The reconnected worker answers queries again, and the pipeline is still waiting for its deployment.
  await waitFor(async () => (await handle.query(statusQuery)).stage === 'deploying', 60_000, 'query after restart');
  await bench.admin('scenario/deployment-status', { deployedModel: deployed, status: 'RUNNING' });

  const result: PipelineResult = await handle.result();
  await worker.stop();
  const log = await bench.requests();
  const check = await checkEffects(bench, [result], log);
  expect({ duplicates: check.duplicates, extraTasks: check.extraTasks, counts: check.counts }).toMatchObject({ duplicates: 0, extraTasks: 0 });
  expect(check.orphans).toEqual([]);
  expect(check.counts).toMatchObject({ 'file.created': 1, 'job.created': 1, 'export.created': 1, 'deployment.created': 1 });
  expect(result.deployedModel).toBe(deployed);
  expect((await handle.describe()).status.name).toBe('COMPLETED');
  await maybeRecordHistory('server-restart', handle);
  rows.push({
    scenario: 'dev server stop + start on its sqlite file, during training and during deployment',
    pipelines: 1,
    crashes: restarts,
    faults: 0,
    retries: (await activityRetries(handle)).retries,
    duplicates: check.duplicates,
    extraTasks: check.extraTasks,
    orphans: check.orphans.length,
    wallMs: Date.now() - started,
  });
});
