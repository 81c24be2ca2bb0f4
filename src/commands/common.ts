import { Client, Connection } from '@temporalio/client';
import { loadConfig, temporalConnectionOptions, TemporalEnvSchema, type TemporalConfig } from '../config';

/** Options every Temporal-facing command takes; they override the environment. */
export interface TemporalFlags {
  address?: string;
  namespace?: string;
  taskQueue?: string;
  json?: boolean;
}

export function temporalConfig(flags: TemporalFlags): TemporalConfig {
  const cfg = loadConfig(TemporalEnvSchema);
  return {
    ...cfg,
    TEMPORAL_ADDRESS: flags.address ?? cfg.TEMPORAL_ADDRESS,
    TEMPORAL_NAMESPACE: flags.namespace ?? cfg.TEMPORAL_NAMESPACE,
    WANFLOW_TASK_QUEUE: flags.taskQueue ?? cfg.WANFLOW_TASK_QUEUE,
  };
}

export async function connectClient(cfg: TemporalConfig): Promise<{ client: Client; close(): Promise<void> }> {
  const connection = await Connection.connect({ ...temporalConnectionOptions(cfg), connectTimeout: '5s' }).catch((err: Error) => {
    throw new Error(
      `cannot reach Temporal at ${cfg.TEMPORAL_ADDRESS} (${err.message}). Is the server running? ` +
        '`npm start` runs a local one; otherwise set TEMPORAL_ADDRESS or --address.',
    );
  });
  return { client: new Client({ connection, namespace: cfg.TEMPORAL_NAMESPACE }), close: () => connection.close() };
}

/** Runs `fn` with a connected client, closing the connection afterwards whatever happens. */
export async function withClient<T>(cfg: TemporalConfig, fn: (client: Client) => Promise<T>): Promise<T> {
  const { client, close } = await connectClient(cfg);
  try {
    return await fn(client);
  } finally {
    await close();
  }
}

export function addTemporalFlags<T extends { option(flags: string, description: string): T }>(cmd: T): T {
  return cmd
    .option('--address <host:port>', 'Temporal frontend (env TEMPORAL_ADDRESS, default localhost:7233)')
    .option('--namespace <ns>', 'Temporal namespace (env TEMPORAL_NAMESPACE, default "default")')
    .option('--json', 'machine-readable output');
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Parses repeated `--set key=value` flags into an object (numbers stay strings; the catalog parses them per field). */
export function collectSet(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const i = value.indexOf('=');
  if (i <= 0 || i === value.length - 1) throw new Error(`--set expects key=value, got "${value}"`);
  return { ...previous, [value.slice(0, i).trim()]: value.slice(i + 1).trim() };
}
