/**
 * The wanflow worker: runs fineTunePipeline and its activities. Configured by environment (src/config.ts): the
 * Temporal connection through Temporal's envconfig (temporal.toml profile, TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE,
 * TEMPORAL_API_KEY, TEMPORAL_TLS_*, TEMPORAL_GRPC_META_*), WANFLOW_TASK_QUEUE, DASHSCOPE_API_KEY, DASHSCOPE_BASE_URL.
 * Before it polls, it makes sure the namespace has wanflow's search attributes (adding them where the server allows),
 * so no workflow task can fail on them later. On SIGINT or SIGTERM it stops polling, lets running activities finish
 * for WANFLOW_SHUTDOWN_GRACE_SECONDS, hands the rest back to the server (they are retried on another worker) and
 * exits 0.
 */
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities } from './activities';
import { loadWorkerConfig, type WorkerConfig } from './config';
import { DashScope } from './dashscope';
import { ensureSearchAttributes } from './temporal/searchAttributes';
import { setErrorContext } from './commands/errors';

/** The workflow module the worker bundles (also what replay tests and benchmarks bundle once). */
export const WORKFLOWS_PATH = require.resolve('./workflows');

export interface CreateWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  dashscope: DashScope;
  /** Signs webhook events (WANFLOW_WEBHOOK_SECRET); without it, events are recorded as not delivered. */
  webhookSecret?: string;
  /** Extra worker options (concurrency, identity, ...). */
  worker?: Partial<WorkerOptions>;
}

/** A worker over an existing connection and client: the seam tests and `npm start` use. */
export async function createWorker(opts: CreateWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    ...(opts.worker?.workflowBundle ? {} : { workflowsPath: WORKFLOWS_PATH }),
    activities: createActivities(opts.dashscope, { webhookSecret: opts.webhookSecret }),
    ...opts.worker,
  });
}

const say = (line: string) => process.stderr.write(`wanflow worker: ${line}\n`);

/** Builds the client and worker from configuration and runs until SIGINT/SIGTERM. */
export async function runWorker(cfg: WorkerConfig = loadWorkerConfig()): Promise<void> {
  const t = cfg.temporal;
  setErrorContext({ address: t.address, namespace: t.namespace });
  const connection = await NativeConnection.connect(t.connectionOptions).catch((err: Error) => {
    throw new Error(`cannot reach Temporal at ${t.address}`, { cause: err });
  });
  const dashscope = new DashScope({ apiKey: cfg.DASHSCOPE_API_KEY, baseUrl: cfg.DASHSCOPE_BASE_URL, timeoutMs: cfg.DASHSCOPE_TIMEOUT_MS });
  let signal: string | undefined;
  const onSignal = (s: NodeJS.Signals) => {
    if (!signal) say(`${s}: shutting down (running activities get ${cfg.WANFLOW_SHUTDOWN_GRACE_SECONDS} s to finish, then go back to the server)`);
    signal ??= s;
  };
  try {
    await ensureSearchAttributes(connection, { namespace: t.namespace, address: t.address, add: cfg.WANFLOW_SETUP_SEARCH_ATTRIBUTES, log: say });
    const worker = await createWorker({
      connection,
      namespace: t.namespace,
      taskQueue: cfg.WANFLOW_TASK_QUEUE,
      dashscope,
      webhookSecret: cfg.WANFLOW_WEBHOOK_SECRET,
      worker: {
        maxConcurrentActivityTaskExecutions: cfg.WANFLOW_MAX_CONCURRENT_ACTIVITIES,
        maxConcurrentWorkflowTaskExecutions: cfg.WANFLOW_MAX_CONCURRENT_WORKFLOW_TASKS,
        maxTaskQueueActivitiesPerSecond: cfg.WANFLOW_MAX_API_CALLS_PER_SECOND,
        shutdownGraceTime: cfg.WANFLOW_SHUTDOWN_GRACE_SECONDS * 1000,
        ...(cfg.WANFLOW_MAX_CACHED_WORKFLOWS !== undefined ? { maxCachedWorkflows: cfg.WANFLOW_MAX_CACHED_WORKFLOWS } : {}),
      },
    });
    // The SDK's runtime turns SIGINT/SIGTERM into worker.shutdown(); these listeners only say so.
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    say(`task queue "${cfg.WANFLOW_TASK_QUEUE}" on ${t.summary}, Model Studio at ${cfg.DASHSCOPE_BASE_URL}`);
    await worker.run(); // resolves after SIGINT/SIGTERM triggered a graceful shutdown
    say(`stopped${signal ? ` (${signal})` : ''}`);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await connection.close();
    await dashscope.close?.();
  }
}

/** `--help` of the worker entry point (`npm run worker -- --help`, `npx wanflow worker --help`). */
export const WORKER_HELP = `Usage: wanflow worker   (or: npm run worker)

Runs a wanflow worker until SIGINT or SIGTERM (then exits 0 after a graceful shutdown). Configured by environment:
  DASHSCOPE_API_KEY (required), DASHSCOPE_BASE_URL, DASHSCOPE_TIMEOUT_MS
  Temporal: a temporal.toml profile (TEMPORAL_CONFIG_FILE, TEMPORAL_PROFILE) and/or TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE,
    TEMPORAL_API_KEY, TEMPORAL_TLS, TEMPORAL_TLS_CLIENT_CERT_PATH, TEMPORAL_TLS_CLIENT_KEY_PATH,
    TEMPORAL_TLS_SERVER_CA_CERT_PATH, TEMPORAL_TLS_SERVER_NAME, TEMPORAL_GRPC_META_<HEADER>
  WANFLOW_TASK_QUEUE, WANFLOW_MAX_API_CALLS_PER_SECOND, WANFLOW_MAX_CONCURRENT_ACTIVITIES,
    WANFLOW_MAX_CONCURRENT_WORKFLOW_TASKS, WANFLOW_MAX_CACHED_WORKFLOWS, WANFLOW_SHUTDOWN_GRACE_SECONDS,
    WANFLOW_SETUP_SEARCH_ATTRIBUTES
At start it adds wanflow's search attributes to the namespace where the server allows it (else it stops and prints
the commands that do). See the README's worker environment table.

Example:
  DASHSCOPE_API_KEY=sk-... DASHSCOPE_BASE_URL=https://dashscope-intl.aliyuncs.com npx wanflow worker
`;

if (require.main === module) {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { reportCliError } = require('./commands/errors') as typeof import('./commands/errors');
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    process.stdout.write(WORKER_HELP);
    process.exit(0);
  }
  runWorker().then(
    () => process.exit(0),
    (err) => process.exit(reportCliError(err, {}, 'wanflow worker')),
  );
}
