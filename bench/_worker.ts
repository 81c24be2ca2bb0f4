/**
 * A worker process for `npm run bench scale -- --max-cached N`: the same worker as src/worker.ts (createWorker over
 * the same env), plus `maxCachedWorkflows` from BENCH_MAX_CACHED_WORKFLOWS, which src/worker.ts does not expose.
 * Prints the same ready line as src/worker.ts; stops on SIGTERM.
 */
import { NativeConnection } from '@temporalio/worker';
import { loadConfig, temporalConnectionOptions, WorkerEnvSchema } from '../src/config';
import { DashScope } from '../src/dashscope';
import { createWorker } from '../src/worker';

async function main(): Promise<void> {
  const cfg = loadConfig(WorkerEnvSchema);
  const maxCachedWorkflows = Number(process.env.BENCH_MAX_CACHED_WORKFLOWS);
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
        ...(Number.isInteger(maxCachedWorkflows) && maxCachedWorkflows >= 0 ? { maxCachedWorkflows } : {}),
      },
    });
    process.stderr.write(`wanflow worker: task queue "${cfg.WANFLOW_TASK_QUEUE}" (bench worker, maxCachedWorkflows ${maxCachedWorkflows})\n`);
    await worker.run();
  } finally {
    await connection.close();
    await dashscope.close?.();
  }
}

main().catch((err) => {
  process.stderr.write(`bench worker: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
