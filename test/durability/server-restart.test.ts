/**
 * The Temporal dev server stopped and started again on the same port and sqlite file, once while the pipeline trains and
 * once while it deploys. The worker process (`tsx src/worker.ts`) keeps running through both outages and must reconnect
 * by itself; the pipeline must finish with one file, job, export and deployment and nothing orphaned.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { startPipeline } from '../../src/pipelines';
import { startDevServer, type DevServer } from '../../src/temporal/devServer';
import { statusQuery } from '../../src/workflows/messages';
import type { PipelineResult } from '../../src/workflows/types';
import { createBench, waitFor, type Bench } from '../helpers/pipeline';
import { durabilityInput, maybeRecordHistory, publishResults, Scenario, type ScenarioRow } from '../helpers/durability';
import { spawnWorkerProcess, type WorkerProcess } from '../helpers/processes';
import { freePort } from '../helpers/ports';

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


test('dev server stopped and restarted on its sqlite file during training and during deployment', async () => {
  const sc = new Scenario('dev server stop + start on its sqlite file, during training and during deployment');
  const { row, problems } = await sc.run(() => bench, async () => {
    dir = await mkdtemp(join(tmpdir(), 'wanflow-restart-'));
    const port = await freePort();
    const dbFilename = join(dir, 'temporal.sqlite');
    server = await startDevServer({ port, dbFilename });
    connection = await Connection.connect({ address: server.address });
    const client = new Client({ connection, namespace: server.namespace });
    bench = await createBench('restart');
    const b = bench;
    worker = await spawnWorkerProcess({ taskQueue: b.taskQueue, baseUrl: b.emulator.url, temporalAddress: server.address });

    // A longer training (4800 steps, about 7 s at time scale 2000) so the first outage surely starts while it trains.
    const input = await durabilityInput(b, await b.dataset('i2v', 12), { nEpochs: 1600, evalEpochs: 400 });
    const workflowId = `restart-${randomUUID().slice(0, 8)}`;
    const { handle } = await startPipeline(client, input, { taskQueue: b.taskQueue, workflowId });
    sc.track(handle);
    const restart = async () => {
      await server!.stop();
      server = await startDevServer({ port, dbFilename });
      sc.crashes++;
    };

    // 1. While training.
    await waitFor(async () => (await handle.query(statusQuery)).stage === 'training', 60_000, 'training');
    await restart();
    sc.expect(worker.child.exitCode === null, 'the worker exited during the first outage');

    // 2. While deploying: hold the new deployment PENDING (scenario knob) across the outage, then let it run.
    const deployed = await waitFor(async () => (await b.requests()).find((r) => r.effect === 'deployment.created')?.resourceId, 120_000, 'deployment.created');
    await b.admin('scenario/deployment-status', { deployedModel: deployed, status: 'PENDING' });
    await waitFor(async () => (await handle.query(statusQuery)).stage === 'deploying', 30_000, 'deploying');
    await restart();
    sc.expect(worker.child.exitCode === null, 'the worker exited during the second outage');
    // The reconnected worker answers queries again, and the pipeline is still waiting for its deployment.
    await waitFor(async () => (await handle.query(statusQuery)).stage === 'deploying', 60_000, 'query after restart');
    await b.admin('scenario/deployment-status', { deployedModel: deployed, status: 'RUNNING' });

    const result: PipelineResult = await handle.result();
    await worker.stop();
    sc.expect(result.deployedModel === deployed, `the result names ${result.deployedModel}, the service deployed ${deployed}`);
    await maybeRecordHistory('server-restart', handle);
  });
  rows.push(row);
  if (problems.length) throw new Error(problems.join('\n'));
  expect(row).toMatchObject({ pipelines: 1, crashes: 2, outcome: 'passed' });
});
