/**
 * `npm start`: the whole pipeline on one machine, no account needed. Starts a Temporal dev server (state in
 * .data/temporal.db, Web UI), the Model Studio emulator (state in .data/emulator, time scaled so training takes seconds),
 * and a worker; generates a sample dataset; runs one pipeline with live progress and prints the result.
 * Ctrl-C stops what it started; the pipeline stays in the dev server's database and `npm start` resumes it.
 */
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Command, Option } from 'commander';
import { NativeConnection } from '@temporalio/worker';
import { Client } from '@temporalio/client';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { startEmulator, EMULATOR_DEFAULT_API_KEY } from './emulator';
import { DashScope } from './dashscope';
import { generateSampleDataset, sha256File } from './dataset';
import { startDevServer } from './temporal/devServer';
import { createWorker } from './worker';
import { defaultWorkflowId, startPipeline } from './pipelines';
import { followPipeline } from './commands/follow';
import { printOutcome } from './commands/pipeline';
import { DEFAULT_AIGC_CONFIG, MODEL_IDS, type ModelId, type PipelineInput } from './workflows/input';
import { startReviewServer } from './review/server';
import { openInBrowser } from './review/open';

const TASK_QUEUE = 'wanflow';

interface StartFlags {
  model: ModelId;
  dataDir: string;
  timeScale: number;
  temporalPort: number;
  uiPort: number;
  emulatorPort: number;
  checkpoint: string;
  approvalTimeout: string;
  reviewPort: number;
  open?: boolean;
}

function say(msg: string): void {
  process.stderr.write(`[wanflow] ${msg}\n`);
}

async function main(flags: StartFlags): Promise<number> {
  // Progress is shown by the follower below; the worker only speaks up for warnings and errors.
  Runtime.install({ logger: new DefaultLogger((process.env.WANFLOW_LOG_LEVEL as 'WARN' | undefined) ?? 'WARN') });
  const dataDir = resolve(flags.dataDir);
  await mkdir(dataDir, { recursive: true });
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch((err: Error) => say(`while stopping: ${err.message}`));
    stops.length = 0;
  };
  let interrupted = false;
  const ac = new AbortController();
  const onSignal = () => {
    if (interrupted) return;
    interrupted = true;
    say('stopping the worker, the Temporal server and the emulator…');
    ac.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  try {
    say(`starting the Temporal dev server on localhost:${flags.temporalPort} (state: ${join(flags.dataDir, 'temporal.db')})`);
    const server = await startDevServer({ port: flags.temporalPort, ui: true, uiPort: flags.uiPort, dbFilename: join(dataDir, 'temporal.db'), log: say });
    stops.push(() => server.stop());
    say(`Temporal Web UI: ${server.uiUrl}`);

    const emulator = await startEmulator({ port: flags.emulatorPort, timeScale: flags.timeScale, dataDir: join(dataDir, 'emulator') });
    stops.push(() => emulator.close());
    say(`Model Studio emulator: ${emulator.url} (time ×${flags.timeScale}; key ${EMULATOR_DEFAULT_API_KEY})`);

    const mode = flags.model === 'wan2.2-kf2v-flash' ? 'kf2v' : 'i2v';
    const dataset = await generateSampleDataset({ dir: join(dataDir, 'datasets'), mode, kind: 'training' });
    say(`sample dataset: ${dataset.path} (${dataset.samples} samples)`);

    const connection = await NativeConnection.connect({ address: server.address });
    stops.push(() => connection.close());
    // The API key lives here, in the worker's process only; it never enters the workflow's input or history.
    const dashscope = new DashScope({ apiKey: EMULATOR_DEFAULT_API_KEY, baseUrl: emulator.url });
    const worker = await createWorker({ connection, namespace: server.namespace, taskQueue: TASK_QUEUE, dashscope });
    const workerRun = worker.run();
    stops.push(async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await workerRun;
    });

    const client = new Client({ connection: server.env.connection, namespace: server.namespace });
    const sha256 = await sha256File(dataset.path);
    const input: PipelineInput = {
      version: 1,
      model: flags.model,
      source: { kind: 'dataset', training: { path: dataset.path, sha256 } },
      checkpoint:
        flags.checkpoint === 'final'
          ? { policy: 'final' }
          : flags.checkpoint === 'manual'
            ? { policy: 'manual', approvalTimeout: flags.approvalTimeout, fallback: 'final' }
            : { policy: 'named', name: flags.checkpoint },
      deployment: { aigcConfig: DEFAULT_AIGC_CONFIG },
      generate: { count: 1 },
      // Emulated time runs ×timeScale, so short real intervals are long emulated ones.
      polling: { training: '2s', export: '1s', deployment: '1s', task: '1s' },
      artifactsDir: join(dataDir, 'artifacts'),
      label: 'npm start demo on the emulator',
    };
    const workflowId = defaultWorkflowId(flags.model, sha256);
    const started = await startPipeline(client, input, { taskQueue: TASK_QUEUE, workflowId });
    const link = `${server.uiUrl}/namespaces/${server.namespace}/workflows/${encodeURIComponent(workflowId)}`;
    say(`${started.attached ? 'resuming' : 'started'} pipeline ${workflowId}`);
    say(`watch it in the Web UI: ${link}`);
    if (flags.checkpoint === 'manual') {
      const review = await startReviewServer({ client, workflowId, port: flags.reviewPort });
      stops.push(() => review.close());
      say(`review page (compare the checkpoints and approve one when training has finished): ${review.url}`);
      // Only where a desktop can show it: a headless machine just prints the URL.
      if (flags.open || (process.stdout.isTTY && (process.env.DISPLAY || process.env.WAYLAND_DISPLAY))) openInBrowser(review.url);
    }

    const outcome = await followPipeline(client, workflowId, { signal: ac.signal });
    // After Ctrl-C nothing runs the pipeline any more: this process was its worker, server and emulator.
    const code = printOutcome(
      outcome,
      false,
      `[wanflow] stopped: the pipeline ${workflowId} is not running now; it waits, saved in ${flags.dataDir}, and continues with the next \`npm start\``,
    );
    if (outcome.outcome !== 'detached') say(`Web UI: ${link}`);
    return code;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await stopAll();
  }
}

const program = new Command('npm start')
  .description('Run the whole wanflow pipeline locally on the Model Studio emulator')
  .addOption(new Option('--model <id>', 'base model').choices([...MODEL_IDS]).default('wan2.2-i2v-flash'))
  .option('--data-dir <dir>', 'where the dev server, emulator and artifacts keep their state (env WANFLOW_DATA_DIR)', process.env.WANFLOW_DATA_DIR || '.data')
  .option('--time-scale <n>', 'emulated seconds per real second', (v) => Number(v), Number(process.env.WANFLOW_TIME_SCALE ?? 120))
  .option('--temporal-port <port>', 'Temporal gRPC port', (v) => Number(v), Number(process.env.WANFLOW_TEMPORAL_PORT ?? 7233))
  .option('--ui-port <port>', 'Temporal Web UI port', (v) => Number(v), Number(process.env.WANFLOW_UI_PORT ?? 8233))
  .option('--emulator-port <port>', 'emulator HTTP port', (v) => Number(v), Number(process.env.WANFLOW_EMULATOR_PORT ?? 8089))
  .option('--checkpoint <policy>', 'final, checkpoint-<step>, or manual (choose on the review page)', 'final')
  .option('--approval-timeout <duration>', 'with --checkpoint manual: how long to wait before deploying the final output', '30m')
  .option('--review-port <port>', 'with --checkpoint manual: review page port (default: a free one)', (v) => Number(v), Number(process.env.WANFLOW_REVIEW_PORT ?? 0))
  .option('--open', 'with --checkpoint manual: open the review page in the desktop browser')
  .action(async (flags: StartFlags) => {
    process.exitCode = await main(flags);
  });

program.parseAsync().catch((err: Error) => {
  say(`failed: ${err.message}`);
  process.exitCode = 1;
});
