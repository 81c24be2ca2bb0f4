/**
 * Running Model Studio management operations through Temporal, from the CLI (or any service with a Temporal client):
 * each is one short `modelStudioOperation` workflow whose activities hold the API key, so the caller needs none.
 * Also: which running pipeline owns a job or deployment, and the failure of an operation as one typed error.
 */
import { randomBytes } from 'node:crypto';
import { hostname, userInfo } from 'node:os';
import { Client, WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure, CancelledFailure, TemporalFailure, TimeoutFailure } from '@temporalio/common';
import { WORKFLOW_TYPE as PIPELINE_WORKFLOW_TYPE } from './pipelines';
import { OPERATION_WORKFLOW_TYPE, type OperationRequest, type OperationResults } from './workflows/management-types';
import type { modelStudioOperation } from './workflows/management';

/** The target an operation acts on, for its workflow id and summary. */
export function operationTarget(req: OperationRequest): string {
  switch (req.op) {
    case 'jobs.list':
      return [req.status, req.model].filter(Boolean).join('-') || 'all';
    case 'deployments.list':
      return 'all';
    case 'deployments.get':
    case 'deployments.delete':
      return req.deployedModel;
    case 'previews':
    case 'export':
      return `${req.jobId}-${req.checkpoint}`;
    default:
      return req.jobId;
  }
}

/** `wanflow-op-<verb>-<target>-<random>`, e.g. `wanflow-op-jobs-cancel-ft-202511111122-ab12-3f9a1c`. */
export function operationWorkflowId(req: OperationRequest): string {
  const verb = req.op.replace(/\./g, '-');
  const target = operationTarget(req).replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 120);
  return `wanflow-op-${verb}-${target}-${randomBytes(3).toString('hex')}`;
}

/** A one-line description for the Web UI's summary (`wanflow jobs cancel ft-…`). */
export function operationSummary(req: OperationRequest): string {
  const args = Object.entries(req)
    .filter(([k, v]) => k !== 'op' && v !== undefined && v !== false)
    .map(([k, v]) => (v === true ? `--${k}` : `${k}=${String(v)}`));
  return `wanflow ${req.op.replace('.', ' ')} ${args.join(' ')}`.trim();
}

/** How long an operation may run before the server times it out (it then cannot act later, e.g. once a worker appears). */
export function operationTimeoutMs(req: OperationRequest): number {
  if (req.op === 'export' && req.wait) return 3 * 3_600_000;
  if (req.op === 'jobs.logs' && req.waitMs) return req.waitMs + 5 * 60_000;
  return 3 * 60_000;
}

export interface RunOperationOptions {
  taskQueue: string;
  /** Who asked (memo and details); default `user@host`. */
  requestedBy?: string;
  workflowId?: string;
  /** Called once when no worker has picked the operation up after `noWorkerHintMs` (default 10 s). */
  onNoWorker?: (info: { workflowId: string; taskQueue: string }) => void;
  noWorkerHintMs?: number;
  /** Aborting cancels the operation's workflow (e.g. Ctrl-C during `jobs logs --follow`). */
  signal?: AbortSignal;
}

/** A failed operation: the API's reason (class name, HTTP status, service code) when a call was refused. */
export class OperationError extends Error {
  override readonly name = 'OperationError';
  constructor(
    message: string,
    readonly workflowId: string,
    /** The failure type: the client's error class (NotFoundError, InvalidParameterError, ConflictError, …), a wanflow type (ExportFailed, InvalidOperation) or Timeout. */
    readonly type: string,
    readonly status?: number,
    readonly code?: string,
    readonly requestId?: string,
  ) {
    super(message);
  }

  toJSON(): Record<string, unknown> {
    return { type: this.type, status: this.status, code: this.code, message: this.message, requestId: this.requestId, workflowId: this.workflowId };
  }
}

/** The innermost ApplicationFailure (or timeout) of a failure chain, as an OperationError. */
export function toOperationError(err: unknown, workflowId: string): OperationError {
  let app: ApplicationFailure | undefined;
  let timeout: TimeoutFailure | undefined;
  let last: unknown = err;
  for (let e: unknown = err, depth = 0; e && depth < 10; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof ApplicationFailure) app = e;
    if (e instanceof TimeoutFailure && !timeout) timeout = e;
    last = e;
  }
  if (app) {
    const d = (app.details?.[0] ?? {}) as { status?: number; code?: string; requestId?: string };
    return new OperationError(app.message, workflowId, app.type ?? 'Error', d.status, d.code, d.requestId);
  }
  if (timeout) return new OperationError(`timed out: ${timeout.timeoutType ?? 'timeout'}`, workflowId, 'Timeout');
  if (err instanceof WorkflowFailedError && err.cause instanceof CancelledFailure) return new OperationError('cancelled', workflowId, 'Cancelled');
  const message = last instanceof Error ? last.message : String(last);
  return new OperationError(message, workflowId, last instanceof TemporalFailure ? last.name : 'Error');
}

/**
 * Starts the operation's workflow and waits for its result. A failure (the API refused, retries ran out, the server
 * timed it out) rejects with an OperationError carrying the API's reason.
 */
export async function runOperation<R extends OperationRequest>(client: Client, req: R, opts: RunOperationOptions): Promise<OperationResults[R['op']]> {
  const workflowId = opts.workflowId ?? operationWorkflowId(req);
  const requestedBy = opts.requestedBy ?? requester();
  const summary = operationSummary(req);
  const handle = await client.workflow.start<typeof modelStudioOperation>(OPERATION_WORKFLOW_TYPE, {
    taskQueue: opts.taskQueue,
    workflowId,
    args: [req],
    workflowExecutionTimeout: operationTimeoutMs(req),
    memo: { wanflowOperation: req.op, target: operationTarget(req), requestedBy },
    staticSummary: summary,
    staticDetails: `**${summary}**\n\nrequested by ${requestedBy} at ${new Date().toISOString()}`,
  });
  const hint = setTimeout(() => {
    void handle
      .describe()
      .then((d) => {
        // Started + task scheduled, nothing more: no worker has taken its first task.
        if (d.status.name === 'RUNNING' && (d.historyLength ?? 0) <= 2) opts.onNoWorker?.({ workflowId, taskQueue: opts.taskQueue });
      })
      .catch(() => undefined);
  }, opts.noWorkerHintMs ?? 10_000);
  const onAbort = () => void handle.cancel().catch(() => undefined);
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    return (await handle.result()) as OperationResults[R['op']];
  } catch (err) {
    if (err instanceof WorkflowFailedError || err instanceof TemporalFailure) throw toOperationError(err, workflowId);
    throw err;
  } finally {
    clearTimeout(hint);
    opts.signal?.removeEventListener('abort', onAbort);
  }
}

function requester(): string {
  try {
    return `${userInfo().username}@${hostname()}`;
  } catch {
    return hostname();
  }
}

/** A running pipeline that refers to a job or deployment. */
export interface Owner {
  workflowId: string;
  stage?: string;
}

/**
 * Running fineTunePipeline workflows whose search attribute WanflowJobId (kind 'job') or WanflowDeployedModel
 * (kind 'deployment') equals `id`: deleting or cancelling what they own would break them.
 */
export async function runningOwners(client: Client, kind: 'job' | 'deployment', id: string): Promise<Owner[]> {
  const key = kind === 'job' ? 'WanflowJobId' : 'WanflowDeployedModel';
  const value = id.replace(/\\/g, '\\\\').replace(/'/g, "\\'");
  const query = `WorkflowType = '${PIPELINE_WORKFLOW_TYPE}' AND ExecutionStatus = 'Running' AND ${key} = '${value}'`;
  const owners: Owner[] = [];
  try {
    for await (const w of client.workflow.list({ query })) {
      const sa = w.searchAttributes as Record<string, unknown[] | undefined>;
      owners.push({ workflowId: w.workflowId, stage: sa.WanflowStage?.[0] as string | undefined });
      if (owners.length >= 10) break;
    }
  } catch (err) {
    // A namespace without wanflow's search attributes ("invalid search attribute: WanflowJobId") runs no pipeline
    // that could own anything: setting the attribute is among a pipeline's first steps, and it fails there.
    const text = `${(err as Error).message} ${String((err as { cause?: Error }).cause?.message ?? '')}`;
    if (/invalid search attribute|no mapping defined for search attribute/i.test(text) && text.includes(key)) return [];
    throw err;
  }
  return owners;
}
