/**
 * Configuration from the environment (and CLI flags layered on top), validated by zod.
 * The DashScope API key is read here, in the worker's process, and nowhere else: it never enters workflow input,
 * history, logs or errors.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';

export const DEFAULT_DASHSCOPE_BASE_URL = 'https://dashscope-intl.aliyuncs.com';
export const DEFAULT_TASK_QUEUE = 'wanflow';

const bool = z
  .enum(['1', '0', 'true', 'false', 'yes', 'no', ''])
  .transform((v) => v === '1' || v === 'true' || v === 'yes');

export const TemporalEnvSchema = z.object({
  TEMPORAL_ADDRESS: z.string().default('localhost:7233').describe('host:port of the Temporal frontend'),
  TEMPORAL_NAMESPACE: z.string().default('default'),
  TEMPORAL_API_KEY: z.string().optional().describe('Temporal Cloud API key (implies TLS)'),
  TEMPORAL_TLS: bool.optional().describe('Use TLS without client certificates'),
  TEMPORAL_TLS_CERT_PATH: z.string().optional().describe('mTLS client certificate (PEM)'),
  TEMPORAL_TLS_KEY_PATH: z.string().optional().describe('mTLS client key (PEM)'),
  WANFLOW_TASK_QUEUE: z.string().default(DEFAULT_TASK_QUEUE),
});
export type TemporalConfig = z.infer<typeof TemporalEnvSchema>;

export const WorkerEnvSchema = TemporalEnvSchema.extend({
  DASHSCOPE_API_KEY: z.string().min(1, 'DASHSCOPE_API_KEY is required: the Model Studio API key (Singapore region)'),
  DASHSCOPE_BASE_URL: z.url().default(DEFAULT_DASHSCOPE_BASE_URL).describe('Host root; the emulator or the real service'),
  DASHSCOPE_TIMEOUT_MS: z.coerce.number().int().positive().default(60_000).describe('Per-request inactivity timeout; below the activities\' 2 min start-to-close'),
  WANFLOW_MAX_CONCURRENT_ACTIVITIES: z.coerce.number().int().positive().default(100),
  WANFLOW_MAX_CONCURRENT_WORKFLOW_TASKS: z.coerce.number().int().positive().default(100),
  WANFLOW_MAX_CACHED_WORKFLOWS: z.coerce.number().int().nonnegative().optional().describe('Workflows kept in worker memory (default: the SDK\'s, from available memory)'),
  WANFLOW_MAX_API_CALLS_PER_SECOND: z.coerce
    .number()
    .positive()
    .default(12)
    .describe(
      'Activities started per second on the task queue, across all workers (enforced by the Temporal server). Each activity makes ' +
        'one or two Model Studio requests, so 12 keeps a fleet under the service\'s 20 queries per second',
    ),
});
export type WorkerConfig = z.infer<typeof WorkerEnvSchema>;

/** Parses env (default process.env); the error lists every bad variable and its rule, never a value. */
export function loadConfig<S extends z.ZodType>(schema: S, env: Record<string, string | undefined> = process.env): z.infer<S> {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  return parsed.data;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Connection options for @temporalio/client and NativeConnection (local dev server, self-hosted mTLS, Temporal Cloud). */
export interface TemporalConnectionOptions {
  address: string;
  tls?: boolean | { clientCertPair: { crt: Buffer; key: Buffer } };
  apiKey?: string;
}

export function temporalConnectionOptions(cfg: TemporalConfig): TemporalConnectionOptions {
  const mtls =
    cfg.TEMPORAL_TLS_CERT_PATH && cfg.TEMPORAL_TLS_KEY_PATH
      ? { clientCertPair: { crt: readFileSync(cfg.TEMPORAL_TLS_CERT_PATH), key: readFileSync(cfg.TEMPORAL_TLS_KEY_PATH) } }
      : undefined;
  const tls = mtls ?? (cfg.TEMPORAL_API_KEY || cfg.TEMPORAL_TLS ? true : undefined);
  return { address: cfg.TEMPORAL_ADDRESS, tls, apiKey: cfg.TEMPORAL_API_KEY };
}
