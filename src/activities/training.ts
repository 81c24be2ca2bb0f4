import { activityInfo, heartbeat, log } from '@temporalio/activity';
import { ApplicationFailure, ApplicationFailureCategory } from '@temporalio/common';
import { AccountQuotaError } from '../dashscope/errors';
import { CAPACITY_WAIT_TYPE } from '../workflows/options';
import type { DashScope, FineTuneJob } from '../dashscope';
import type { JobSnapshot } from '../workflows/types';
import { TERMINAL_JOB_STATUSES } from '../workflows/util';
import {
  estimate, nextPollDelayMs, observe, parseEpochLine, serviceTimeMs, trainingBucket, type TrainingEstimate, type TrainingTrack,
} from '../workflows/trainingProgress';
import { createCallOptions, notDoneYet } from './errors';

const LOG_TAIL = 10;
/** The logs endpoint's documented maximum `line` (notes §9.1). */
const LOG_PAGE = 1000;
const DEFAULT_MIN_INTERVAL_MS = 45_000;
const DEFAULT_MAX_INTERVAL_MS = 10 * 60_000;

export interface CreateJobArgs {
  model: string;
  trainingFileIds: string[];
  validationFileIds: string[];
  hyperParameters: Record<string, number>;
  /** Unique per pipeline: how a retry finds the job an earlier attempt created. */
  jobName: string;
  /**
   * Set while the pipeline waits for account capacity: the account's job quota (AccountQuotaError) becomes the benign
   * AccountCapacityWait failure, retried after `retryMs` until the activity's schedule-to-close timeout.
   */
  waitForCapacity?: { retryMs: number };
}

export interface PollTrainingArgs {
  jobId: string;
  lastStatus: string;
  /** Tenth of training last reported (-1: unknown). */
  lastBucket: number;
  /** Phase last reported (a new milestone is news). */
  lastPhase?: string;
  /** Log lines already seen (histories before the track existed). */
  knownLogLines?: number;
  /** What the previous snapshot knew (log position, tokens, milestones, clock anchor). */
  track?: TrainingTrack;
  /** The last log lines of the previous snapshot. */
  logsTail?: string[];
  /** Planned training tokens (the cost estimate's formula), for consumed-token progress. */
  plannedTokens?: number;
  /** Bounds of the adaptive interval between checks, ms. */
  minIntervalMs?: number;
  maxIntervalMs?: number;
}

/** Reads `epoch X/Y` progress from log lines, newest first (a bonus: no Wan log in the reference has it). */
export function parseEpoch(lines: string[]): { epoch: number; totalEpochs: number } | undefined {
  for (let i = lines.length - 1; i >= 0; i--) {
    const m = parseEpochLine(lines[i]);
    if (m) return { epoch: m.e, totalEpochs: m.n };
  }
  return undefined;
}

/**
 * Whether a listed job is the one an earlier attempt of this pipeline created: it carries our job name, or (where the
 * service ignores job_name and names the job after its id) it trains on exactly our files and has not ended.
 * Two live pipelines never share a dataset and model: their workflow ids would be the same.
 */
function isOurs(job: FineTuneJob, args: CreateJobArgs): boolean {
  if (job.job_name === args.jobName) return true;
  const ignoresName = !job.job_name || job.job_name === job.job_id;
  const sameFiles = JSON.stringify([...(job.training_file_ids ?? [])].sort()) === JSON.stringify([...args.trainingFileIds].sort());
  return ignoresName && sameFiles && !TERMINAL_JOB_STATUSES.has(job.status);
}

export function snapshotOf(job: FineTuneJob, logsTail: string[], est?: TrainingEstimate): JobSnapshot {
  const epoch = parseEpoch(logsTail);
  const progress = job.status === 'SUCCEEDED' ? 1 : est?.fraction ?? (epoch && epoch.totalEpochs > 0 ? Math.min(1, epoch.epoch / epoch.totalEpochs) : undefined);
  const failureLine = job.status === 'FAILED' ? [...logsTail].reverse().find((l) => /error|fail/i.test(l)) : undefined;
  return {
    jobId: job.job_id,
    status: job.status,
    finetunedOutput: job.finetuned_output ?? undefined,
    usage: job.usage ?? undefined,
    epoch: epoch?.epoch,
    totalEpochs: epoch?.totalEpochs,
    progress,
    logsTail,
    message: job.message ?? failureLine ?? undefined,
    createTime: job.create_time ?? undefined,
    endTime: job.end_time ?? undefined,
    polledAtMs: Date.now(),
    ...(est
      ? { phase: est.phase, consumedTokens: est.consumedTokens, plannedTokens: est.plannedTokens, trainingLeftMs: est.trainingLeftMs, tailLeftMs: est.tailLeftMs }
      : {}),
  };
}

export function createTrainingActivities(ds: DashScope) {
  /**
   * The log lines after `track.logPos`, with the documented pagination (`offset`, `line` ≤ 1000): never from the start
   * again. Whether `offset` is 0- or 1-based is undocumented, so the read starts at our last line and drops it if it
   * comes back; `total` says how many lines are new.
   */
  async function newLogLines(jobId: string, track: TrainingTrack): Promise<{ lines: string[]; logPos: number; lastLine?: string }> {
    let pos = track.logPos;
    let lastLine = track.lastLine;
    const lines: string[] = [];
    for (let page = 0; page < 5; page++) {
      const offset = pos === 0 ? 1 : lastLine === undefined ? pos + 1 : pos;
      const res = await ds.fineTunes.logs(jobId, { offset, line: LOG_PAGE });
      if (res.total < pos) {
        // The log is shorter than what we read (it was replaced): read it again from its start.
        pos = 0;
        lastLine = undefined;
        lines.length = 0;
        continue;
      }
      let got = res.logs;
      if (pos === 0 && offset === 1 && got.length < Math.min(res.total, LOG_PAGE)) {
        // Fewer lines than the log holds from "line 1": this service counts from 0. Read its first line too.
        got = (await ds.fineTunes.logs(jobId, { offset: 0, line: LOG_PAGE })).logs;
      }
      if (pos > 0 && lastLine !== undefined && got[0] === lastLine) got = got.slice(1);
      got = got.slice(0, Math.max(0, res.total - pos));
      lines.push(...got);
      pos += got.length;
      if (got.length) lastLine = got[got.length - 1];
      if (pos >= res.total || res.logs.length < LOG_PAGE || got.length === 0) break;
    }
    return { lines, logPos: pos, lastLine };
  }

  return {
    /**
     * Creates the fine-tune job exactly once. A retry (the response of an earlier attempt may have been lost after the
     * service created the job) first looks for the job carrying this pipeline's job name and adopts it.
     */
    async createFineTuneJob(args: CreateJobArgs): Promise<JobSnapshot> {
      if (activityInfo().attempt > 1) {
        for await (const job of ds.fineTunes.list()) {
          if (job.model === args.model && isOurs(job, args)) {
            log.info('adopting the job an earlier attempt created', { jobId: job.job_id, jobName: args.jobName });
            return snapshotOf(job, []);
          }
        }
      }
      const requestedAtMs = Date.now();
      const job = await ds.fineTunes
        .create({
          model: args.model,
          training_file_ids: args.trainingFileIds,
          validation_file_ids: args.validationFileIds,
          training_type: 'efficient_sft',
          hyper_parameters: args.hyperParameters,
          job_name: args.jobName,
        }, createCallOptions())
        .catch((err: unknown) => {
          if (args.waitForCapacity && err instanceof AccountQuotaError) {
            throw ApplicationFailure.create({
              type: CAPACITY_WAIT_TYPE, message: err.message, category: ApplicationFailureCategory.BENIGN, nextRetryDelay: args.waitForCapacity.retryMs,
            });
          }
          throw err;
        });
      log.info('created fine-tune job', { jobId: job.job_id, jobName: args.jobName });
      const created = serviceTimeMs(job.create_time ?? undefined);
      // The clock anchor: the service's create_time against the local time just before the request.
      const track: TrainingTrack = { logPos: 0, phase: 'waiting', ...(created !== undefined ? { anchor: { serviceMs: created, localMs: requestedAtMs } } : {}) };
      return { ...snapshotOf(job, []), track };
    },

    async getJob(jobId: string): Promise<JobSnapshot> {
      return snapshotOf(await ds.fineTunes.retrieve(jobId), []);
    },

    /**
     * One check of a training job. Returns when there is news (status change, a new milestone, another tenth of
     * training, the end); otherwise heartbeats what it learned and throws the benign NotDoneYet failure with
     * `nextRetryDelay` following the ETA: sparse while the end is far, dense near it, within [min, max]. No history
     * events are written between news. Logs are read from where the last check stopped, and not at all in the dense
     * checks near the end (the job's status is what tells the end).
     */
    async pollTraining(args: PollTrainingArgs): Promise<JobSnapshot> {
      const info = activityInfo();
      const hb = info.heartbeatDetails as { track?: TrainingTrack; tail?: string[] } | undefined;
      let track: TrainingTrack = hb?.track ?? args.track ?? { logPos: args.knownLogLines ?? 0, phase: 'waiting' };
      let tail = hb?.tail ?? args.logsTail ?? [];
      const bounds = {
        minMs: args.minIntervalMs ?? DEFAULT_MIN_INTERVAL_MS,
        maxMs: Math.max(args.minIntervalMs ?? DEFAULT_MIN_INTERVAL_MS, args.maxIntervalMs ?? DEFAULT_MAX_INTERVAL_MS),
      };
      const before = estimate(track, args.plannedTokens, Date.now());
      if (info.attempt === 1 && track.lastCheckMs !== undefined) {
        // A new poll right after news: the next check is still due when the estimate says, not now.
        const wait = track.lastCheckMs + nextPollDelayMs(before, bounds, track.scale, ageOf(track)) - Date.now();
        if (wait >= 1000) throw notDoneYet(`${args.jobId} ${args.lastStatus}: next check in ${Math.round(wait / 1000)} s`, wait);
      }
      const job = await ds.fineTunes.retrieve(args.jobId);
      const statusChanged = job.status !== args.lastStatus;
      const terminal = TERMINAL_JOB_STATUSES.has(job.status);
      const nearEnd = ['transfer', 'deliver', 'saving', 'done'].includes(track.phase) && nextPollDelayMs(before, bounds, track.scale, ageOf(track)) <= bounds.minMs * 1.5;
      let lines: string[] = [];
      if ((job.status === 'RUNNING' && !nearEnd) || (statusChanged && job.status !== 'QUEUING' && job.status !== 'PENDING')) {
        const read = await newLogLines(args.jobId, track);
        lines = read.lines;
        track = { ...track, logPos: read.logPos, lastLine: read.lastLine };
        tail = [...tail, ...lines].slice(-LOG_TAIL);
      }
      const now = Date.now();
      track = observe(track, job.status, lines, now);
      const est = estimate(track, args.plannedTokens, now);
      const snap: JobSnapshot = { ...snapshotOf(job, tail, est), logLines: track.logPos, track };
      const news = statusChanged || terminal || est.phase !== args.lastPhase || trainingBucket(est.fraction) > args.lastBucket;
      if (news) return snap;
      heartbeat({ track, tail });
      const delay = nextPollDelayMs(est, bounds, track.scale, ageOf(track));
      throw notDoneYet(`${args.jobId} ${job.status} ${est.phase}${est.fraction !== undefined ? ` ${Math.round(est.fraction * 100)} %` : ''}; next check in ${Math.round(delay / 1000)} s`, delay);
    },

    /** Cancels a job that is still training (clean-up). Already-ended jobs are left as they are. */
    async cancelJob(jobId: string): Promise<JobSnapshot> {
      const job = await ds.fineTunes.retrieve(jobId);
      if (TERMINAL_JOB_STATUSES.has(job.status) || job.status === 'CANCELING') return snapshotOf(job, []);
      await ds.fineTunes.cancel(jobId);
      log.info('canceled fine-tune job', { jobId });
      return snapshotOf(await ds.fineTunes.retrieve(jobId), []);
    },
  };
}

/** Local time since the job was created (its clock anchor), when this pipeline created it. */
function ageOf(track: TrainingTrack): number | undefined {
  return track.anchor ? Math.max(0, Date.now() - track.anchor.localMs) : undefined;
}
