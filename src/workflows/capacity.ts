/**
 * Creating the fine-tune job when the account has no capacity left. 429 "Only 20 fine-tune job in running or succeeded
 * allowed per user" (AccountQuotaError, classified in src/dashscope) does not clear by waiting: old jobs must be
 * deleted. The pipeline says so ("waiting for account capacity: …" in its status and the Web UI), retries slowly
 * (`capacityWait.retryEvery`) for `capacityWait.timeout`, then fails with the service's message and what to do.
 * Other 429s ("Too many fine-tune job in running", Throttling.*) are ordinary retryable RateLimitErrors.
 */
import { ApplicationFailure, isCancellation, patched, type ActivityOptions } from '@temporalio/workflow';
import type { Duration } from '@temporalio/common';
import { CAPACITY_WAIT_TYPE, PIPELINE_FAILURE_TYPES } from './options';
import type { JobSnapshot, PipelineStatus } from './types';
import { durationToMs } from './util';

const QUOTA_TYPE = 'AccountQuotaError';

/** The innermost failure's type and message (ActivityFailure → ApplicationFailure / TimeoutFailure). */
function rootOf(err: unknown): { type?: string; message?: string; name?: string } {
  let e = err as { cause?: unknown; type?: string; message?: string; name?: string } | undefined;
  while (e?.cause) e = e.cause as typeof e;
  return e ?? {};
}

export function quotaHint(message: string, waited: string): string {
  return (
    `${message} Still refused after waiting ${waited} for account capacity: Model Studio counts this account's running ` +
    'and succeeded fine-tune jobs against the limit, and waiting does not free it. Delete old jobs ' +
    '(`wanflow jobs delete <job-id>`, or in the Model Studio console), then start the pipeline again.'
  );
}

export async function createJobWithinCapacity(
  create: (options: ActivityOptions, waitForCapacity?: { retryMs: number }) => Promise<JobSnapshot>,
  apiCall: ActivityOptions,
  wait: { timeout: string | number; retryEvery: string | number },
  status: PipelineStatus,
  publish: () => void,
): Promise<JobSnapshot> {
  try {
    return await create(apiCall);
  } catch (err) {
    const root = rootOf(err);
    if (isCancellation(err) || root.type !== QUOTA_TYPE || !patched('account-capacity-wait')) throw err;
    const timeoutMs = durationToMs(wait.timeout as Duration);
    const now = Date.now();
    const message = root.message ?? 'account quota reached';
    status.waitingFor = { reason: 'account-capacity', message, sinceMs: now, untilMs: now + timeoutMs };
    publish();
    try {
      const job = await create({ ...apiCall, scheduleToCloseTimeout: timeoutMs }, { retryMs: durationToMs(wait.retryEvery as Duration) });
      status.waitingFor = undefined;
      publish();
      return job;
    } catch (err2) {
      if (isCancellation(err2)) throw err2;
      const r = rootOf(err2);
      if (r.type !== CAPACITY_WAIT_TYPE && r.type !== QUOTA_TYPE && r.name !== 'TimeoutFailure') throw err2;
      throw ApplicationFailure.create({
        type: PIPELINE_FAILURE_TYPES.accountQuotaExceeded,
        message: quotaHint(r.type === CAPACITY_WAIT_TYPE || r.type === QUOTA_TYPE ? (r.message ?? message) : message, String(wait.timeout)),
        nonRetryable: true,
      });
    }
  }
}
