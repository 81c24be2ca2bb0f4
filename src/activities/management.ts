/**
 * Activities of the management operations (`wanflow jobs …`, `checkpoints`, `previews`, `export`, `deployments …`):
 * one Model Studio call each (or a few reads), so the API key stays in the worker and every call is in a history.
 * Client errors keep their class (withFailureMapping in index.ts), so the CLI shows the API's own reason.
 *
 * Destructive calls are exactly-once across retries: a retry (attempt > 1) whose call is refused because the earlier
 * attempt's call did act (its response was lost) adopts that outcome instead of reporting a failure that did not happen.
 */
import { activityInfo, cancellationSignal, log } from '@temporalio/activity';
import { ConflictError, InvalidParameterError, NotFoundError, type DashScope, type Deployment, type FineTuneJob } from '../dashscope';
import type { CheckpointList, CheckpointRow, DeploymentList, ExportResult, JobDeleted, JobList, LogChunk, PreviewList } from '../workflows/management-types';
import { PIPELINE_FAILURE_TYPES } from '../workflows/options';
import { checkpointStep, TERMINAL_JOB_STATUSES } from '../workflows/util';
import { createCallOptions, finalFailure, notDoneYet } from './errors';

/** The service's largest page (dashscope-api-notes §9.2: page_size 1–100). */
const PAGE_SIZE = 100;
/** The service's largest `line` per logs call (§9.1). */
const LOG_PAGE = 1000;
const EXPORT_FINAL = new Set(['FAILED', 'UNSUPPORTED']);

export interface ReadLogsArgs {
  jobId: string;
  offset: number;
  maxLines: number;
  /** Wait (by throwing the benign NotDoneYet, retried by the server at the poll interval) until this time (ms since epoch) for new lines. */
  waitUntilMs?: number;
}

const first = <T>(v: T | null | undefined): T | undefined => (v === null ? undefined : v);

export function createManagementActivities(ds: DashScope) {
  /**
   * Reads up to `maxLines` lines after the first `offset`. The service's `offset` is 1-based, as the Python SDK reads
   * (it starts with offset=1); `total` says how many lines exist, so a reader never starts from the top again.
   */
  async function readLines(jobId: string, offset: number, maxLines: number): Promise<{ lines: string[]; total: number }> {
    const lines: string[] = [];
    let total = offset;
    for (;;) {
      const want = Math.min(LOG_PAGE, maxLines - lines.length);
      const page = await ds.fineTunes.logs(jobId, { offset: offset + lines.length + 1, line: want }, { signal: cancellationSignal() });
      total = page.total;
      lines.push(...page.logs.slice(0, want));
      if (page.logs.length === 0 || lines.length >= maxLines || offset + lines.length >= total) break;
    }
    return { lines, total };
  }

  const chunk = (jobId: string, offset: number, read: { lines: string[]; total: number }, job: FineTuneJob): LogChunk => {
    const nextOffset = offset + read.lines.length;
    return { jobId, lines: read.lines, offset, nextOffset, total: Math.max(read.total, nextOffset), status: job.status, ended: TERMINAL_JOB_STATUSES.has(job.status) };
  };

  return {
    /** Jobs newest first (the service's order), filtered by status and base model, at most `limit`. */
    async opListJobs(args: { status?: string; model?: string; limit: number }): Promise<JobList> {
      const jobs: FineTuneJob[] = [];
      const status = args.status?.toUpperCase();
      for await (const job of ds.fineTunes.list({ page_size: PAGE_SIZE, model: args.model }, { signal: cancellationSignal() })) {
        if (status && job.status !== status) continue;
        if (args.model && job.model !== args.model && job.base_model !== args.model) continue;
        if (jobs.length === args.limit) return { jobs, more: true };
        jobs.push(job);
      }
      return { jobs, more: false };
    },

    async opGetJob(jobId: string): Promise<FineTuneJob> {
      return ds.fineTunes.retrieve(jobId);
    },

    /**
     * Log lines after `offset`. Without `waitUntilMs`, returns at once. With it (`jobs logs --follow`), returns as soon as
     * there are new lines or the job has ended, or empty at the deadline; until then it throws the benign NotDoneYet and
     * the server retries it at the poll interval (no worker slot held, no history written between checks).
     */
    async opReadLogs(args: ReadLogsArgs): Promise<LogChunk> {
      const read = await readLines(args.jobId, args.offset, args.maxLines);
      const job = await ds.fineTunes.retrieve(args.jobId);
      if (read.lines.length > 0 || args.waitUntilMs === undefined) return chunk(args.jobId, args.offset, read, job);
      if (TERMINAL_JOB_STATUSES.has(job.status)) {
        // Lines written between the read and the status check come with the end.
        return chunk(args.jobId, args.offset, await readLines(args.jobId, args.offset, args.maxLines), job);
      }
      if (Date.now() >= args.waitUntilMs) return chunk(args.jobId, args.offset, read, job);
      throw notDoneYet(`${args.jobId} ${job.status}: no log line after ${args.offset}`);
    },

    /** Cancels a job; the API refuses (400 UnsupportedOperation) one that is not PENDING, QUEUING or RUNNING. */
    async opCancelJob(jobId: string): Promise<FineTuneJob> {
      try {
        await ds.fineTunes.cancel(jobId, createCallOptions());
      } catch (err) {
        const job = activityInfo().attempt > 1 && err instanceof InvalidParameterError ? await ds.fineTunes.retrieve(jobId) : undefined;
        if (!job || (job.status !== 'CANCELING' && job.status !== 'CANCELED')) throw err;
        log.info('cancel already requested by an earlier attempt', { jobId, status: job.status });
      }
      log.info('fine-tune job cancel requested', { jobId });
      return ds.fineTunes.retrieve(jobId);
    },

    /** Deletes a job; the API refuses (400 UnsupportedOperation) one that has not ended. */
    async opDeleteJob(jobId: string): Promise<JobDeleted> {
      try {
        await ds.fineTunes.delete(jobId, createCallOptions());
      } catch (err) {
        if (!(activityInfo().attempt > 1 && err instanceof NotFoundError)) throw err;
        log.info('job already deleted by an earlier attempt', { jobId });
      }
      log.info('fine-tune job deleted', { jobId });
      return { jobId, deleted: true };
    },

    /**
     * A job's checkpoints: validation results (only after the job SUCCEEDED, so not asked for before) merged with the
     * exports listed by /checkpoints, ordered by step.
     */
    async opCheckpoints(jobId: string): Promise<CheckpointList> {
      const job = await ds.fineTunes.retrieve(jobId);
      const [validated, exported] = await Promise.all([
        job.status === 'SUCCEEDED' ? ds.fineTunes.validationResults(jobId) : Promise.resolve([]),
        ds.fineTunes.checkpoints(jobId),
      ]);
      const rows = new Map<string, CheckpointRow>();
      const row = (name: string): CheckpointRow => {
        let r = rows.get(name);
        if (!r) {
          const step = checkpointStep(name);
          rows.set(name, (r = { checkpoint: name, step: Number.isNaN(step) ? null : step, validated: false }));
        }
        return r;
      };
      for (const v of validated) row(v.checkpoint).validated = true;
      for (const c of exported) {
        Object.assign(row(c.checkpoint), {
          exportStatus: c.status,
          modelName: first(c.model_name),
          modelDisplayName: first(c.model_display_name),
          fullName: first(c.full_name),
          exportCreateTime: first(c.create_time),
        });
      }
      const checkpoints = [...rows.values()].sort((a, b) => (a.step ?? Infinity) - (b.step ?? Infinity) || a.checkpoint.localeCompare(b.checkpoint));
      return { jobId, jobStatus: job.status, finetunedOutput: first(job.finetuned_output), checkpoints };
    },

    /** Every validation preview of a checkpoint (all pages), with its signed links. */
    async opPreviews(args: { jobId: string; checkpoint: string }): Promise<PreviewList> {
      const previews: PreviewList['previews'] = [];
      for await (const d of ds.fineTunes.validationDetails(args.jobId, args.checkpoint, { page_size: PAGE_SIZE }, { signal: cancellationSignal() })) previews.push(d);
      return { ...args, previews };
    },

    /**
     * Asks for the export of a checkpoint under `modelName`. A 409 (the name is taken, or the checkpoint was exported
     * already) is the API's answer to give the user; only on a retry, when the checkpoint now shows an export, is it the
     * earlier attempt's own export, adopted.
     */
    async opExport(args: { jobId: string; checkpoint: string; modelName: string }): Promise<ExportResult> {
      try {
        const ok = await ds.fineTunes.export(args.jobId, args.checkpoint, args.modelName, createCallOptions());
        // `false`: "request failed, retry" (the reference); a plain Error is retried by the preset.
        if (!ok) throw new Error(`export of ${args.checkpoint} was not accepted (output=false); retrying`);
        log.info('export requested', args);
        return { ...args, adopted: false };
      } catch (err) {
        if (err instanceof ConflictError && activityInfo().attempt > 1) {
          const mine = (await ds.fineTunes.checkpoints(args.jobId)).find((c) => c.checkpoint === args.checkpoint);
          if (mine && !EXPORT_FINAL.has(mine.status)) return { ...args, adopted: true };
        }
        throw err;
      }
    },

    /** One check of an export (for `export --wait`): returns its row once SUCCEEDED, fails with the API's state on FAILED/UNSUPPORTED. */
    async opAwaitExport(args: { jobId: string; checkpoint: string }): Promise<NonNullable<ExportResult['export']>> {
      const c = (await ds.fineTunes.checkpoints(args.jobId)).find((x) => x.checkpoint === args.checkpoint);
      if (!c) throw notDoneYet(`export of ${args.checkpoint} not listed yet`);
      if (c.status === 'SUCCEEDED' && c.model_name) return c;
      if (EXPORT_FINAL.has(c.status)) {
        const message = (c as { message?: string | null }).message;
        throw finalFailure(PIPELINE_FAILURE_TYPES.exportFailed, `export of ${args.checkpoint} of ${args.jobId} ended ${c.status}${message ? `: ${message}` : ''}`, { status: c.status });
      }
      throw notDoneYet(`export of ${args.checkpoint} ${c.status}`);
    },

    async opListDeployments(args: { limit: number }): Promise<DeploymentList> {
      const deployments: Deployment[] = [];
      for await (const d of ds.deployments.list({ page_size: PAGE_SIZE }, { signal: cancellationSignal() })) {
        if (deployments.length === args.limit) return { deployments, more: true };
        deployments.push(d);
      }
      return { deployments, more: false };
    },

    async opGetDeployment(deployedModel: string): Promise<Deployment> {
      return ds.deployments.retrieve(deployedModel);
    },

    /** Takes a deployment offline (DELETING, then NotFound once gone). */
    async opDeleteDeployment(deployedModel: string): Promise<Deployment> {
      try {
        const d = await ds.deployments.delete(deployedModel, createCallOptions());
        log.info('deployment delete requested', { deployedModel, status: d.status });
        return d;
      } catch (err) {
        if (activityInfo().attempt > 1 && (err instanceof NotFoundError || err instanceof InvalidParameterError)) {
          // The earlier attempt's delete went through: the deployment is DELETING ("already being deleted") or gone.
          const d = await ds.deployments.retrieve(deployedModel).catch((e: unknown): Deployment => {
            if (e instanceof NotFoundError) return { deployed_model: deployedModel, status: 'DELETING' };
            throw e;
          });
          if (d.status === 'DELETING') return d;
        }
        throw err;
      }
    },
  };
}
