import type { Client } from '@temporalio/client';
import { loadCliConfig, type CliTemporalConfig } from '../config';
import { connectClient, type ConnectionFlags } from '../temporal/connection';
import { ensureSearchAttributes, type EnsureResult } from '../temporal/searchAttributes';
import { setErrorContext } from './errors';

/** Options every Temporal-facing command takes; they override the environment and the temporal.toml profile. */
export interface TemporalFlags extends ConnectionFlags {
  taskQueue?: string;
  json?: boolean;
}

export type TemporalConfig = CliTemporalConfig;

/** The connection and task queue for a command (src/temporal/connection.ts: profile → TEMPORAL_* → flags). */
export function temporalConfig(flags: TemporalFlags): TemporalConfig {
  const cfg = loadCliConfig(flags);
  setErrorContext({ address: cfg.temporal.address, namespace: cfg.temporal.namespace });
  return cfg;
}

/** Runs `fn` with a connected client, closing the connection afterwards whatever happens. */
export async function withClient<T>(cfg: TemporalConfig, fn: (client: Client) => Promise<T>): Promise<T> {
  const { client, close } = await connectClient(cfg.temporal).catch((err: Error) => {
    throw new Error(`cannot reach Temporal at ${cfg.temporal.address}`, { cause: err });
  });
  try {
    return await fn(client);
  } finally {
    await close();
  }
}

/** Checks wanflow's search attributes on the command's namespace and adds the missing ones where the server allows. */
export function ensureSearchAttributesFor(client: Client, cfg: TemporalConfig, log?: (line: string) => void): Promise<EnsureResult> {
  return ensureSearchAttributes(client.connection, { namespace: cfg.temporal.namespace, address: cfg.temporal.address, log });
}

export function addTemporalFlags<T extends { option(flags: string, description: string): T }>(cmd: T): T {
  return cmd
    .option('--address <host:port>', 'Temporal frontend (env TEMPORAL_ADDRESS, default localhost:7233)')
    .option('--namespace <ns>', 'Temporal namespace (env TEMPORAL_NAMESPACE, default "default")')
    .option('--profile <name>', 'profile of the Temporal config file (env TEMPORAL_PROFILE, default "default")')
    .option('--config-file <path>', 'Temporal config file (env TEMPORAL_CONFIG_FILE, default ~/.config/temporalio/temporal.toml)')
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
