/**
 * modelStudioOperation: one Model Studio management operation (`wanflow jobs …`, `checkpoints`, `previews`, `export`,
 * `deployments …`) run as a short workflow, so the operator's machine needs only Temporal access (the API key stays
 * in the worker) and every call leaves an audit trail: the workflow id names the verb and target
 * (`wanflow-op-jobs-cancel-ft-…-<random>`), the start carries who asked (memo, summary), the history has the call and
 * its answer. Deterministic: the calls are activities (src/activities/management.ts).
 */
import { ApplicationFailure, proxyActivities, setCurrentDetails, type ActivityOptions } from '@temporalio/workflow';
import type { createActivities } from '../activities';
import type { OperationRequest, OperationResult, OperationResults } from './management-types';
import * as presets from './options';
import type { Duration } from '@temporalio/common';
import { durationToMs } from './util';

type Activities = ReturnType<typeof createActivities>;

/** Log lines in one result at most (a longer log is read by asking again from the new offset). */
const MAX_LOG_LINES = 2000;
/** The longest one `jobs logs --follow` poll waits for a new line (the CLI then starts the next one). */
const MAX_LOG_WAIT_MS = 15 * 60_000;

/**
 * Runs one activity with exactly `options` (a preset of ./options). Not `executeWithOptions` on a proxy made with
 * another preset: that deep-merges the proxy's options under these, so a poll inherited operationCall's
 * `maximumAttempts: 5` and a `jobs logs --follow` poll failed after five checks without news.
 */
function call<K extends keyof Activities>(name: K, options: ActivityOptions, summary: string, ...args: Parameters<Activities[K]>): Promise<Awaited<ReturnType<Activities[K]>>> {
  const fn = proxyActivities<Activities>({ ...options, summary })[name] as unknown as (...a: unknown[]) => Promise<unknown>;
  return fn(...args) as Promise<Awaited<ReturnType<Activities[K]>>>;
}

function invalid(message: string): never {
  throw ApplicationFailure.create({ type: 'InvalidOperation', message, nonRetryable: true });
}

function requireText(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.trim() === '') invalid(`${field} is required (a non-empty string)`);
  return value;
}

function requireInt(value: unknown, field: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) invalid(`${field} must be an integer from ${min} to ${max}`);
  return value;
}

function interval(value: string | undefined, fallback: string, field: string): Duration {
  const v = (value ?? fallback) as Duration;
  try {
    const ms = durationToMs(v);
    if (ms < 100 || ms > 10 * 60_000) invalid(`${field} must be between 100ms and 10m, got ${String(v)}`);
  } catch (err) {
    if (err instanceof ApplicationFailure) throw err;
    invalid(`${field} must be a duration such as 10s or 1m, got ${String(v)}`);
  }
  return v;
}

export async function modelStudioOperation(req: OperationRequest): Promise<OperationResult> {
  switch (req?.op) {
    case 'jobs.list': {
      const limit = requireInt(req.limit, 'limit', 1, 1000);
      const filters = [req.status && `status ${req.status}`, req.model && `model ${req.model}`].filter(Boolean).join(', ');
      const r = await call('opListJobs', presets.operationCall, `list fine-tune jobs${filters ? ` (${filters})` : ''}`, { status: req.status, model: req.model, limit });
      setCurrentDetails(`listed ${r.jobs.length} fine-tune job(s)${r.more ? ' (more match)' : ''}`);
      return r;
    }
    case 'jobs.get': {
      const jobId = requireText(req.jobId, 'jobId');
      return call('opGetJob', presets.operationCall, `get ${jobId}`, jobId);
    }
    case 'jobs.logs': {
      const jobId = requireText(req.jobId, 'jobId');
      const offset = requireInt(req.offset, 'offset', 0, Number.MAX_SAFE_INTEGER);
      const maxLines = requireInt(req.maxLines ?? MAX_LOG_LINES, 'maxLines', 1, MAX_LOG_LINES);
      const waitMs = requireInt(req.waitMs ?? 0, 'waitMs', 0, MAX_LOG_WAIT_MS);
      if (waitMs === 0) return call('opReadLogs', presets.operationCall, `read log of ${jobId} after line ${offset}`, { jobId, offset, maxLines });
      // Waiting for news: the activity checks once per interval (server-side retries of a benign NotDoneYet).
      const every = interval(req.pollInterval, '10s', 'pollInterval');
      const r = await call('opReadLogs', presets.poll(every, waitMs + 120_000), `follow log of ${jobId} after line ${offset}`, {
        jobId,
        offset,
        maxLines,
        waitUntilMs: Date.now() + waitMs,
      });
      setCurrentDetails(`${r.lines.length} new line(s) of ${jobId} (${r.status})`);
      return r;
    }
    case 'jobs.cancel': {
      const jobId = requireText(req.jobId, 'jobId');
      const job = await call('opCancelJob', presets.operationCall, `cancel ${jobId}`, jobId);
      setCurrentDetails(`cancel of ${jobId} requested: ${job.status}`);
      return job;
    }
    case 'jobs.delete': {
      const jobId = requireText(req.jobId, 'jobId');
      const r = await call('opDeleteJob', presets.operationCall, `delete ${jobId}`, jobId);
      setCurrentDetails(`deleted ${jobId}`);
      return r;
    }
    case 'checkpoints': {
      const jobId = requireText(req.jobId, 'jobId');
      return call('opCheckpoints', presets.operationCall, `checkpoints of ${jobId}`, jobId);
    }
    case 'previews': {
      const jobId = requireText(req.jobId, 'jobId');
      const checkpoint = requireText(req.checkpoint, 'checkpoint');
      return call('opPreviews', presets.operationCall, `previews of ${checkpoint} of ${jobId}`, { jobId, checkpoint });
    }
    case 'export': {
      const jobId = requireText(req.jobId, 'jobId');
      const checkpoint = requireText(req.checkpoint, 'checkpoint');
      const modelName = requireText(req.modelName, 'modelName');
      const started = await call('opExport', presets.operationCall, `export ${checkpoint} of ${jobId} as ${modelName}`, { jobId, checkpoint, modelName });
      if (!req.wait) {
        setCurrentDetails(`export of ${checkpoint} as ${modelName} requested`);
        return started;
      }
      const every = interval(req.pollInterval, '15s', 'pollInterval');
      const done = await call('opAwaitExport', presets.poll(every, '2h'), `wait for the export of ${checkpoint}`, { jobId, checkpoint });
      setCurrentDetails(`exported ${checkpoint} of ${jobId}: deployable as ${done.model_name}`);
      const r: OperationResults['export'] = { ...started, export: done };
      return r;
    }
    case 'deployments.list': {
      const limit = requireInt(req.limit, 'limit', 1, 1000);
      const r = await call('opListDeployments', presets.operationCall, 'list deployments', { limit });
      setCurrentDetails(`listed ${r.deployments.length} deployment(s)${r.more ? ' (more exist)' : ''}`);
      return r;
    }
    case 'deployments.get': {
      const name = requireText(req.deployedModel, 'deployedModel');
      return call('opGetDeployment', presets.operationCall, `get deployment ${name}`, name);
    }
    case 'deployments.delete': {
      const name = requireText(req.deployedModel, 'deployedModel');
      const d = await call('opDeleteDeployment', presets.operationCall, `delete deployment ${name}`, name);
      setCurrentDetails(`delete of ${name} requested: ${d.status}`);
      return d;
    }
    default:
      return invalid(`unknown operation ${JSON.stringify((req as { op?: unknown } | undefined)?.op ?? null)}`);
  }
}
