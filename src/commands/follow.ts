import { setTimeout as sleep } from 'node:timers/promises';
import { Client, WorkflowFailedError } from '@temporalio/client';
import { statusQuery } from '../workflows/messages';
import type { PipelineResult, PipelineStatus } from '../workflows/types';
import { ProgressView } from './progress';

export interface FollowOptions {
  /** Called with every status seen (default: render progress to stderr). */
  onStatus?: (s: PipelineStatus) => void;
  intervalMs?: number;
  signal?: AbortSignal;
}

export type FollowOutcome =
  | { outcome: 'succeeded'; result: PipelineResult; status?: PipelineStatus }
  | { outcome: 'failed' | 'cancelled' | 'terminated' | 'timed-out'; reason: string; status?: PipelineStatus }
  | { outcome: 'detached'; status?: PipelineStatus };

/**
 * Follows a pipeline until it closes: queries its status every interval, survives server restarts and network errors
 * (it keeps retrying, saying so once), and returns how it ended. Aborting the signal detaches; the pipeline goes on.
 */
export async function followPipeline(client: Client, workflowId: string, opts: FollowOptions = {}): Promise<FollowOutcome> {
  const view = opts.onStatus ? undefined : new ProgressView();
  const onStatus = opts.onStatus ?? ((s: PipelineStatus) => view!.update(s));
  const handle = client.workflow.getHandle(workflowId);
  let last: PipelineStatus | undefined;
  let disconnectedSince: number | undefined;
  try {
    for (;;) {
      if (opts.signal?.aborted) return { outcome: 'detached', status: last };
      try {
        const d = await handle.describe();
        if (disconnectedSince !== undefined) {
          view?.line(`reconnected after ${Math.round((Date.now() - disconnectedSince) / 1000)} s`);
          disconnectedSince = undefined;
        }
        // A query needs a worker to answer; give it a few seconds, and do not mistake a missing worker for lost contact.
        const status = await queryStatus(client, handle).catch(() => undefined);
        if (status) {
          last = status;
          onStatus(status);
        }
        if (d.status.name !== 'RUNNING') return await outcomeOf(handle, d.status.name, last);
      } catch (err) {
        if (isNotFound(err)) throw new Error(`no pipeline with workflow id "${workflowId}"`);
        if (disconnectedSince === undefined) {
          disconnectedSince = Date.now();
          view?.line(`lost contact with Temporal (${(err as Error).message.split('\n')[0]}); retrying…`);
        }
      }
      await sleep(opts.intervalMs ?? 1000, undefined, { signal: opts.signal }).catch(() => undefined);
    }
  } finally {
    view?.stopBar();
  }
}

const QUERY_DEADLINE_MS = 5000;

/** The status query with a deadline (a closed pipeline is answered by replaying it on a worker). */
export function queryStatus(client: Client, handle: ReturnType<Client['workflow']['getHandle']>): Promise<PipelineStatus> {
  return client.connection.withDeadline(Date.now() + QUERY_DEADLINE_MS, () => handle.query(statusQuery));
}

async function outcomeOf(handle: ReturnType<Client['workflow']['getHandle']>, status: string, last?: PipelineStatus): Promise<FollowOutcome> {
  try {
    const result = (await handle.result()) as PipelineResult;
    return { outcome: 'succeeded', result, status: last };
  } catch (err) {
    const reason = err instanceof WorkflowFailedError ? rootMessage(err) : (err as Error).message;
    const outcome = status === 'CANCELLED' ? 'cancelled' : status === 'TERMINATED' ? 'terminated' : status === 'TIMED_OUT' ? 'timed-out' : 'failed';
    return { outcome, reason, status: last };
  }
}

/** The innermost message of a failure chain (WorkflowFailedError → ActivityFailure → ApplicationFailure). */
export function rootMessage(err: unknown): string {
  let e = err as { message?: string; cause?: unknown } | undefined;
  while (e?.cause) e = e.cause as typeof e;
  return e?.message ?? String(err);
}

function isNotFound(err: unknown): boolean {
  const name = (err as { name?: string })?.name;
  return name === 'WorkflowNotFoundError';
}
