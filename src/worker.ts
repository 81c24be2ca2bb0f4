/**
 * The wanflow worker: runs fineTunePipeline and its activities. Configured by environment (see src/config.ts):
 * TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY / TEMPORAL_TLS_* for Temporal Cloud, WANFLOW_TASK_QUEUE,
 * DASHSCOPE_API_KEY, DASHSCOPE_BASE_URL. Shuts down gracefully on SIGINT and SIGTERM (running activities finish or
 * are cancelled; workflows resume on any other worker).
 */
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities } from './activities';
import { loadConfig, temporalConnectionOptions, WorkerEnvSchema, type WorkerConfig } from './config';
import { DashScope } from './dashscope';

/** The workflow module the worker bundles (also what replay tests and benchmarks bundle once). */
export const WORKFLOWS_PATH = require.resolve('./workflows');

export interface CreateWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  dashscope: DashScope;
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
    activities: createActivities(opts.dashscope),
    ...opts.worker,
  });
}

/** Builds the client and worker from configuration and runs until SIGINT/SIGTERM. */
export async function runWorker(cfg: WorkerConfig = loadConfig(WorkerEnvSchema)): Promise<void> {
  const connection = await NativeConnection.connect(temporalConnectionOptions(cfg));
  const dashscope = new DashScope({ apiKey: cfg.DASHSCOPE_API_KEY, baseUrl: cfg.DASHSCOPE_BASE_URL, timeoutMs: cfg.DASHSCOPE_TIMEOUT_MS });
  try {
    const worker = await createWorker({
      connection,
      namespace: cfg.TEMPORAL_NAMESPACE,
      taskQueue: cfg.WANFLOW_TASK_QUEUE,
      dashscope,
      worker: {
        maxConcurrentActivityTaskExecutions: cfg.WANFLOW_MAX_CONCURRENT_ACTIVITIES,
        maxConcurrentWorkflowTaskExecutions: cfg.WANFLOW_MAX_CONCURRENT_WORKFLOW_TASKS,
        maxTaskQueueActivitiesPerSecond: cfg.WANFLOW_MAX_API_CALLS_PER_SECOND,
        ...(cfg.WANFLOW_MAX_CACHED_WORKFLOWS !== undefined ? { maxCachedWorkflows: cfg.WANFLOW_MAX_CACHED_WORKFLOWS } : {}),
      },
    });
    process.stderr.write(
      `wanflow worker: task queue "${cfg.WANFLOW_TASK_QUEUE}" on ${cfg.TEMPORAL_ADDRESS}/${cfg.TEMPORAL_NAMESPACE}, Model Studio at ${cfg.DASHSCOPE_BASE_URL}\n`,
    );
    await worker.run(); // resolves after SIGINT/SIGTERM triggered a graceful shutdown
  } finally {
    await connection.close();
    await dashscope.close?.();
  }
}

if (require.main === module) {
  runWorker().catch((err) => {
    process.stderr.write(`wanflow worker: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
