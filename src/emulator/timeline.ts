/**
 * A fine-tune job's life, derived from its stored timestamps and the emulated clock (nothing ticks in memory,
 * so a restarted emulator continues where it was).
 *
 * Durations (emulated): PENDING 30 s; QUEUING until a slot is free (maxConcurrentJobs); RUNNING = data process
 * 2 min + totalSteps × STEP_MS (3 s) + the reference's tail of transfer, delivery and checkpoint saving (17 min 21 s,
 * 16:31:40 → 16:49:01 in the reference's log example); cancel takes 30 s (CANCELING). totalSteps =
 * n_epochs × ceil(samples / batch_size): 12 samples with wan2.5 quick-start defaults (batch 2, 400 epochs) give
 * 2400 steps ≈ 2 h emulated of steps, 12 s real at timeScale 600.
 *
 * Logs, by default, hold only the lines the reference documents, in its format: timestamped INFO milestones,
 * ` Actual number of consumed tokens is N !` (one per saved checkpoint, no timestamp) and `##FT_COMPLETE##`.
 * `epoch … step … loss` lines are an extra beyond the documents (`extras.progressLines`), off by default.
 */
import { fmtLogTime, MINUTE, SECOND } from './clock';
import type { JobRecord, JobStatus } from './types';

export const PENDING_MS = 30 * SECOND;
export const DATA_PROCESS_MS = 2 * MINUTE;
export const STEP_MS = 3 * SECOND;
/** The reference's tail after the last training step, as offsets from "fine-tuned output got" (16:31:40,760). */
export const TAIL = {
  transferDone: 48_402, // 16:32:29,162 transfer for inference succeeded
  saveCheckpoint: 8 * MINUTE + 47_024, // 16:40:28,784 start to save checkpoint
  succeeded: 17 * MINUTE + 20_978, // 16:49:01,738 finetune-job succeeded
  complete: 17 * MINUTE + 21_474, // 16:49:02,234 ##FT_COMPLETE##
} as const;
export const DELIVERY_MS = TAIL.succeeded;
export const CANCEL_MS = 30 * SECOND;

export interface JobTimes {
  queuedAt: number;
  dataEnd?: number;
  trainEnd?: number;
  /** Terminal time and status if the job is (or will be) terminal given what is known now. */
  endAt?: number;
  endStatus?: 'SUCCEEDED' | 'FAILED' | 'CANCELED';
  failMessage?: string;
  /** Step at which training stops early (fail/cancel). */
  stopStep?: number;
}

/** Computes the job's key instants from its record. */
export function jobTimes(job: JobRecord): JobTimes {
  const queuedAt = job.createdAt + PENDING_MS;
  const cancelDone = job.cancelRequestedAt !== undefined ? job.cancelRequestedAt + CANCEL_MS : undefined;
  if (job.startedAt === undefined) {
    return cancelDone !== undefined ? { queuedAt, endAt: cancelDone, endStatus: 'CANCELED', stopStep: 0 } : { queuedAt };
  }
  const dataEnd = job.startedAt + DATA_PROCESS_MS;
  const trainEnd = dataEnd + job.totalSteps * STEP_MS;
  let end: JobTimes = { queuedAt, dataEnd, trainEnd, endAt: trainEnd + DELIVERY_MS, endStatus: 'SUCCEEDED' };
  const datasetProblems = [...job.training.problems, ...(job.validation?.problems ?? [])];
  if (datasetProblems.length) {
    end = { queuedAt, dataEnd, endAt: dataEnd, endStatus: 'FAILED', stopStep: 0, failMessage: `data process failed: ${datasetProblems.join('; ')}` };
  } else if (job.failAt) {
    const stopStep = Math.min(job.totalSteps, Math.floor(job.failAt.fraction * job.totalSteps));
    end = { queuedAt, dataEnd, trainEnd, endAt: dataEnd + stopStep * STEP_MS, endStatus: 'FAILED', stopStep, failMessage: job.failAt.message };
  }
  if (cancelDone !== undefined && job.cancelRequestedAt! < end.endAt!) {
    const stopStep = Math.max(0, Math.min(job.totalSteps, Math.floor((job.cancelRequestedAt! - dataEnd) / STEP_MS)));
    end = { queuedAt, dataEnd, trainEnd, endAt: cancelDone, endStatus: 'CANCELED', stopStep };
  }
  return end;
}

/** The job's status at emulated time `now`. */
export function jobStatus(job: JobRecord, now: number): JobStatus {
  const t = jobTimes(job);
  if (t.endAt !== undefined && now >= t.endAt) return t.endStatus!;
  if (job.cancelRequestedAt !== undefined && now >= job.cancelRequestedAt) return 'CANCELING';
  if (job.startedAt !== undefined && now >= job.startedAt) return 'RUNNING';
  return now >= t.queuedAt ? 'QUEUING' : 'PENDING';
}

/** Steps completed at `now`. */
export function stepsDone(job: JobRecord, now: number): number {
  const t = jobTimes(job);
  if (t.dataEnd === undefined || now < t.dataEnd) return 0;
  const limit = t.stopStep ?? job.totalSteps;
  return Math.max(0, Math.min(limit, Math.floor((now - t.dataEnd) / STEP_MS)));
}

/** All checkpoint steps the job will save, in order (every eval_epochs, plus the last epoch). */
export function checkpointSteps(job: JobRecord): number[] {
  const { n_epochs, eval_epochs } = job.hyperParameters;
  const steps: number[] = [];
  for (let e = eval_epochs; e <= n_epochs; e += eval_epochs) steps.push(e * job.stepsPerEpoch);
  if (n_epochs % eval_epochs !== 0) steps.push(n_epochs * job.stepsPerEpoch);
  return steps;
}

/** Checkpoints saved at `now`, honouring save_total_limit (the oldest are dropped). */
export function savedCheckpoints(job: JobRecord, now: number): number[] {
  const done = stepsDone(job, now);
  const reached = checkpointSteps(job).filter((s) => s <= done);
  return reached.slice(-job.hyperParameters.save_total_limit);
}

/** Training tokens consumed after `steps` steps (the billing formula, pro rata by epoch). */
export function tokensAt(job: JobRecord, steps: number): number {
  const epochs = Math.floor(steps / job.stepsPerEpoch);
  return Math.round((job.usageTokens * epochs) / job.hyperParameters.n_epochs);
}

/** What the emulator writes beyond the documents (opt-in). */
export interface LogExtras {
  /** `epoch e/n step s/t loss l` lines (no Wan log in the reference has them). */
  progressLines?: boolean;
}

/** The log lines visible at `now`, in order. */
export function jobLogs(job: JobRecord, now: number, extras: LogExtras = {}): string[] {
  const t = jobTimes(job);
  const events: Array<[number, string]> = [];
  const info = (at: number, msg: string) => events.push([at, `${fmtLogTime(at)} - INFO - ${msg}`]);
  // Failure lines: the reference shows none; the INFO format with ERROR is the quietest guess.
  const error = (at: number, msg: string) => events.push([at, `${fmtLogTime(at)} - ERROR - ${msg}`]);
  if (job.startedAt !== undefined) {
    const dataEnd = t.dataEnd!;
    const dataProblems = [...job.training.problems, ...(job.validation?.problems ?? [])];
    if (dataProblems.length) {
      for (const p of dataProblems) error(dataEnd, p);
      error(dataEnd, 'data process failed');
    } else {
      info(dataEnd, 'data process succeeded, start to fine-tune');
      const { n_epochs } = job.hyperParameters;
      const limit = t.stopStep ?? job.totalSteps;
      const every = Math.max(1, Math.round(n_epochs / 40));
      const ckpts = new Set(checkpointSteps(job));
      for (let e = 1; e <= n_epochs; e++) {
        const step = e * job.stepsPerEpoch;
        if (step > limit) break;
        const at = dataEnd + step * STEP_MS;
        if (extras.progressLines && (e % every === 0 || e === n_epochs)) {
          events.push([at, `epoch ${e}/${n_epochs} step ${step}/${job.totalSteps} loss ${loss(job, e).toFixed(4)}`]);
        }
        if (ckpts.has(step)) events.push([at, ` Actual number of consumed tokens is ${tokensAt(job, step)} !`]);
      }
      if (t.endStatus === 'SUCCEEDED') {
        const te = t.trainEnd!;
        info(te, 'fine-tuned output got, start to transfer it for inference');
        info(te + TAIL.transferDone, 'transfer for inference succeeded, start to deliver it for inference');
        info(te + TAIL.saveCheckpoint, 'start to save checkpoint');
        info(te + TAIL.succeeded, 'finetune-job succeeded');
        info(te + TAIL.complete, '##FT_COMPLETE##');
      } else if (t.endStatus === 'FAILED') {
        error(t.endAt!, t.failMessage ?? 'training failed');
      }
    }
  }
  // A CANCELED job's log stops where it was (the reference shows no cancel line).
  const cutoff = t.endStatus === 'SUCCEEDED' ? Infinity : (t.endAt ?? Infinity);
  return events
    .map((e, i) => ({ at: e[0], line: e[1], i }))
    .filter((e) => e.at <= now && e.at <= cutoff)
    .sort((a, b) => a.at - b.at || a.i - b.i)
    .map((e) => e.line);
}

function loss(job: JobRecord, epoch: number): number {
  const frac = epoch / job.hyperParameters.n_epochs;
  let h = 0;
  for (const ch of `${job.jobId}:${epoch}`) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return 0.32 * Math.exp(-3.2 * frac) + 0.02 + ((h % 1000) / 1000) * 0.01;
}

/**
 * Moves queued jobs to RUNNING (FIFO, at most `maxConcurrent` at once), recording startedAt, which is the
 * only derived fact that needs storing. Returns true when something changed.
 */
export function scheduleJobs(jobs: JobRecord[], now: number, maxConcurrent: number): boolean {
  let changed = false;
  const ordered = [...jobs].sort((a, b) => a.createdAt - b.createdAt);
  const occupied: Array<[number, number]> = [];
  for (const j of ordered) {
    if (j.startedAt !== undefined) occupied.push([j.startedAt, jobTimes(j).endAt ?? Infinity]);
  }
  for (const j of ordered) {
    if (j.startedAt !== undefined) continue;
    const queuedAt = j.createdAt + PENDING_MS;
    const candidates = [queuedAt, ...occupied.map((o) => o[1]).filter((e) => e > queuedAt)].sort((a, b) => a - b);
    const start = candidates.find((c) => occupied.filter(([s, e]) => s <= c && c < e).length < maxConcurrent);
    if (j.cancelRequestedAt !== undefined && (start === undefined || j.cancelRequestedAt <= start)) continue;
    if (start === undefined || start > now) break;
    j.startedAt = start;
    changed = true;
    occupied.push([start, jobTimes(j).endAt ?? Infinity]);
  }
  return changed;
}
