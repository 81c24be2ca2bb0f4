import { activityInfo, heartbeat, log } from '@temporalio/activity';
import type { DashScope, FineTuneJob } from '../dashscope';
import type { JobSnapshot } from '../workflows/types';
import { progressBucket, TERMINAL_JOB_STATUSES } from '../workflows/util';
import { createCallOptions, notDoneYet } from './errors';

const LOG_TAIL = 10;

export interface CreateJobArgs {
  model: string;
  trainingFileIds: string[];
  validationFileIds: string[];
  hyperParameters: Record<string, number>;
  /** Unique per pipeline: how a retry finds the job an earlier attempt created. */
  jobName: string;
}

export interface PollTrainingArgs {
  jobId: string;
  lastStatus: string;
  /** Tenth of progress last reported (-1: unknown). */
  lastBucket: number;
  /** Log lines already seen (from the previous snapshot), so a new poll does not read the log from its start. */
  knownLogLines?: number;
}

/** Reads `epoch X/Y` progress from log lines, newest first. */
export function parseEpoch(lines: string[]): { epoch: number; totalEpochs: number } | undefined {
  for (let i = lines.length - 1; i >= 0; i--) {
    const m = /epoch\D{0,3}(\d+)\s*\/\s*(\d+)/i.exec(lines[i]);
    if (m) return { epoch: Number(m[1]), totalEpochs: Number(m[2]) };
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

export function snapshotOf(job: FineTuneJob, logsTail: string[]): JobSnapshot {
  const epoch = parseEpoch(logsTail);
  const progress = job.status === 'SUCCEEDED' ? 1 : epoch && epoch.totalEpochs > 0 ? Math.min(1, epoch.epoch / epoch.totalEpochs) : undefined;
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
  };
}

export function createTrainingActivities(ds: DashScope) {
  /** The last lines of the job's log; `knownTotal` (from the previous attempt's heartbeat) saves reading from the start. */
  async function logsTail(jobId: string, knownTotal: number): Promise<{ lines: string[]; total: number }> {
    const offset = Math.max(1, knownTotal - LOG_TAIL + 1);
    const page = await ds.fineTunes.logs(jobId, { offset, line: 1000 });
    let lines = page.logs;
    if (page.total > offset + lines.length - 1 && page.total - LOG_TAIL + 1 > offset) {
      lines = (await ds.fineTunes.logs(jobId, { offset: page.total - LOG_TAIL + 1, line: LOG_TAIL })).logs;
    }
    return { lines: lines.slice(-LOG_TAIL), total: page.total };
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
      const job = await ds.fineTunes.create({
        model: args.model,
        training_file_ids: args.trainingFileIds,
        validation_file_ids: args.validationFileIds,
        training_type: 'efficient_sft',
        hyper_parameters: args.hyperParameters,
        job_name: args.jobName,
      }, createCallOptions());
      log.info('created fine-tune job', { jobId: job.job_id, jobName: args.jobName });
      return snapshotOf(job, []);
    },

    async getJob(jobId: string): Promise<JobSnapshot> {
      return snapshotOf(await ds.fineTunes.retrieve(jobId), []);
    },

    /**
     * One check of a training job. Returns when there is news (status changed, another tenth of the epochs done, or the
     * job ended); otherwise throws the benign NotDoneYet failure, and the server retries at the poll interval. Logs are
     * read on every second check and on news: 1.5 requests per check, 90 an hour at the default 60 s interval (the
   * official SDK's wait loop makes 120).
     */
    async pollTraining(args: PollTrainingArgs): Promise<JobSnapshot> {
      const info = activityInfo();
      const prev = (info.heartbeatDetails as { logTotal?: number } | undefined) ?? {};
      const job = await ds.fineTunes.retrieve(args.jobId);
      const changed = job.status !== args.lastStatus || TERMINAL_JOB_STATUSES.has(job.status);
      let tail: string[] = [];
      let logTotal = prev.logTotal ?? args.knownLogLines ?? 0;
      if (changed || (job.status === 'RUNNING' && info.attempt % 2 === 1)) {
        const logs = await logsTail(args.jobId, logTotal);
        tail = logs.lines;
        logTotal = logs.total;
      }
      const snap = { ...snapshotOf(job, tail), logLines: logTotal };
      if (changed || (tail.length > 0 && progressBucket(snap) > args.lastBucket)) return snap;
      heartbeat({ logTotal });
      const where = snap.epoch !== undefined ? ` epoch ${snap.epoch}/${snap.totalEpochs}` : '';
      throw notDoneYet(`${args.jobId} ${job.status}${where}`);
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
