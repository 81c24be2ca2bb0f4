/**
 * Configuration from the environment (and CLI flags layered on top), validated by zod.
 * The Temporal connection (address, namespace, TLS, API key, gRPC headers, temporal.toml profiles) is read by
 * src/temporal/connection.ts through Temporal's own @temporalio/envconfig; this module adds wanflow's settings.
 * The DashScope API key is read here, in the worker's process, and nowhere else: it never enters workflow input,
 * history, logs or errors.
 */
import { z } from 'zod';
import { ConfigError } from './configError';
import { loadTemporalSettings, TEMPORAL_ENV_VARS, type ConnectionFlags, type TemporalSettings } from './temporal/connection';

export { ConfigError } from './configError';
export const DEFAULT_DASHSCOPE_BASE_URL = 'https://dashscope-intl.aliyuncs.com';
export const DEFAULT_TASK_QUEUE = 'wanflow';

export const TaskQueueEnvSchema = z.object({
  WANFLOW_TASK_QUEUE: z.string().min(1).default(DEFAULT_TASK_QUEUE),
});

export const WorkerEnvSchema = TaskQueueEnvSchema.extend({
  DASHSCOPE_API_KEY: z.string().min(1, 'DASHSCOPE_API_KEY is required: the Model Studio API key (Singapore region)'),
  DASHSCOPE_BASE_URL: z.url().default(DEFAULT_DASHSCOPE_BASE_URL).describe('Host root; the emulator or the real service'),
  DASHSCOPE_TIMEOUT_MS: z.coerce.number().int().positive().default(60_000).describe('Per-request inactivity timeout; below the activities\' 2 min start-to-close'),
  WANFLOW_MAX_CONCURRENT_ACTIVITIES: z.coerce.number().int().positive().default(100),
  WANFLOW_MAX_CONCURRENT_WORKFLOW_TASKS: z.coerce.number().int().positive().default(100),
  WANFLOW_MAX_CACHED_WORKFLOWS: z.coerce.number().int().nonnegative().optional().describe('Workflows kept in worker memory (default: the SDK\'s, from available memory)'),
  WANFLOW_WEBHOOK_SECRET: z
    .string()
    .regex(/^whsec_[A-Za-z0-9+/]{16,}={0,2}$/, 'must be a Standard Webhooks secret: whsec_ followed by base64 (at least 12 bytes)')
    .optional()
    .describe('Signs webhook events (input `notify`); shared with the receiver, never written to history'),
  WANFLOW_MAX_API_CALLS_PER_SECOND: z.coerce
    .number()
    .positive()
    .default(12)
    .describe(
      'Activities started per second on the task queue, across all workers (enforced by the Temporal server). Each activity makes ' +
        'one or two Model Studio requests, so 12 keeps a fleet under the service\'s 20 queries per second',
    ),
  WANFLOW_SHUTDOWN_GRACE_SECONDS: z.coerce
    .number()
    .nonnegative()
    .default(20)
    .describe('On SIGTERM/SIGINT: how long running activities may finish before they are cancelled and handed back to the server'),
  WANFLOW_SETUP_SEARCH_ATTRIBUTES: z
    .enum(['1', '0', 'true', 'false'])
    .default('true')
    .transform((v) => v === '1' || v === 'true')
    .describe('Add missing search attributes at start where the server allows it (false: only check)'),
});

/** Every variable the worker reads: wanflow's own and Temporal's (envconfig), for docs and compose-file checks. */
export const WORKER_ENV_VARS: readonly string[] = [...Object.keys(WorkerEnvSchema.shape), ...TEMPORAL_ENV_VARS];

export type WorkerConfig = z.infer<typeof WorkerEnvSchema> & { temporal: TemporalSettings };
export interface CliTemporalConfig {
  temporal: TemporalSettings;
  taskQueue: string;
}

/** Parses env (default process.env); the error lists every bad variable and its rule, never a value. */
export function loadConfig<S extends z.ZodType>(schema: S, env: Record<string, string | undefined> = process.env): z.infer<S> {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  return parsed.data;
}

/** The worker's configuration: wanflow's variables plus the Temporal connection; all problems are reported together. */
export function loadWorkerConfig(env: Record<string, string | undefined> = process.env): WorkerConfig {
  const problems: string[] = [];
  let own: z.infer<typeof WorkerEnvSchema> | undefined;
  let temporal: TemporalSettings | undefined;
  try {
    own = loadConfig(WorkerEnvSchema, env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    problems.push(err.message.replace(/^invalid configuration:\n/, ''));
  }
  try {
    temporal = loadTemporalSettings({}, env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    problems.push(err.message.replace(/^invalid Temporal connection settings:\n/, ''));
  }
  if (problems.length) throw new ConfigError(`invalid configuration:\n${problems.join('\n')}`);
  return { ...own!, temporal: temporal! };
}

/** A CLI command's configuration: the connection (flags over environment over profile) and the task queue. */
export function loadCliConfig(flags: ConnectionFlags & { taskQueue?: string } = {}, env: Record<string, string | undefined> = process.env): CliTemporalConfig {
  const temporal = loadTemporalSettings(flags, env);
  return { temporal, taskQueue: flags.taskQueue ?? loadConfig(TaskQueueEnvSchema, env).WANFLOW_TASK_QUEUE };
}
