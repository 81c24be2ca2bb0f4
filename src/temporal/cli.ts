// eslint-disable-next-line @typescript-eslint/no-var-requires
const provision = require('../../scripts/ensure-temporal.js') as {
  ensureTemporalCli(log?: (m: string) => void): { path: string; source: string };
  TEMPORAL_CLI_VERSION: string;
};

/** Path of the Temporal CLI binary: $TEMPORAL_CLI, `temporal` on PATH, .temporal/bin, or a fresh build (see scripts/ensure-temporal.js). */
export function temporalCliPath(log?: (m: string) => void): string {
  return provision.ensureTemporalCli(log).path;
}

export const TEMPORAL_CLI_VERSION = provision.TEMPORAL_CLI_VERSION;
