/**
 * The Model Studio emulator: an HTTP server that behaves like DashScope's fine-tuning, deployment, file and
 * video-synthesis APIs, with emulated time, persistence in dataDir, fault injection and an admin API.
 */
import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { Faults, type FaultConfig } from './faults';
import { EmulatorServer } from './server';
import { Service } from './service';

export { parseFaultConfig, type FaultConfig, type FaultRule } from './faults';
export type { RequestLogEntry } from './admin';

/** The API key the emulator accepts when none is configured. */
export const EMULATOR_DEFAULT_API_KEY = 'sk-wanflow-emulator';

export interface EmulatorOptions {
  /** 0 picks a free port. */
  port?: number;
  host?: string;
  /** Emulated durations are divided by this (600: one emulated hour lasts 6 real seconds). Default 1. */
  timeScale?: number;
  /** Where state.json and uploaded files live; reusing it resumes the previous state. */
  dataDir: string;
  /** Accepted keys; default from EMULATOR_API_KEYS (comma-separated) or [EMULATOR_DEFAULT_API_KEY]. */
  apiKeys?: string[];
  /** Fine-tune jobs running at once (the rest wait in QUEUING). Default 1, as the real service. */
  maxConcurrentJobs?: number;
  faults?: FaultConfig;
  /** Upload size limit; default 1 GiB as the service. */
  maxUploadBytes?: number;
  /** "Only N fine-tune job in running or succeeded allowed per user" (429). Default 20, as the service (§9.2). */
  maxJobsPerAccount?: number;
  /**
   * EXTRA beyond the documents, off by default: `epoch e/n step s/t loss l` log lines and `output.progress
   * {step,total_steps}` on a running job. No Wan log or response in the reference has them; wanflow never needs them.
   * Default from EMULATOR_EXTRA_PROGRESS=1.
   */
  extraProgress?: boolean;
}

export interface RunningEmulator {
  url: string;
  port: number;
  apiKeys: string[];
  /** The fault settings object (mutable; same as the admin API's). */
  faults: Faults;
  service: Service;
  close(): Promise<void>;
}

/** Starts the emulator and resolves once it listens. */
export async function startEmulator(opts: EmulatorOptions): Promise<RunningEmulator> {
  const envKeys = process.env.EMULATOR_API_KEYS?.split(',').map((k) => k.trim()).filter(Boolean);
  const apiKeys = opts.apiKeys?.length ? opts.apiKeys : envKeys?.length ? envKeys : [EMULATOR_DEFAULT_API_KEY];
  const maxConcurrentJobs = opts.maxConcurrentJobs ?? 1;
  if (!Number.isInteger(maxConcurrentJobs) || maxConcurrentJobs < 1) throw new Error(`maxConcurrentJobs must be a positive integer, got ${maxConcurrentJobs}`);
  const maxJobsPerAccount = opts.maxJobsPerAccount ?? 20;
  if (!Number.isInteger(maxJobsPerAccount) || maxJobsPerAccount < 1) throw new Error(`maxJobsPerAccount must be a positive integer, got ${maxJobsPerAccount}`);
  mkdirSync(opts.dataDir, { recursive: true });
  const service = new Service({
    dataDir: opts.dataDir, timeScale: opts.timeScale ?? 1, maxConcurrentJobs, maxUploadBytes: opts.maxUploadBytes ?? 1024 ** 3,
    maxJobsPerAccount, extraProgress: opts.extraProgress ?? process.env.EMULATOR_EXTRA_PROGRESS === '1',
  });
  const faults = new Faults(opts.faults);
  const es = new EmulatorServer(service, faults, new Set(apiKeys));
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    es.server.once('error', reject);
    es.server.listen(opts.port ?? 0, host, () => resolve());
  });
  const port = (es.server.address() as AddressInfo).port;
  const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return {
    url: `http://${shownHost}:${port}`,
    port,
    apiKeys,
    faults,
    service,
    close: () =>
      new Promise<void>((resolve) => {
        es.server.close(() => resolve());
        es.server.closeAllConnections();
      }).then(() => service.save()),
  };
}
