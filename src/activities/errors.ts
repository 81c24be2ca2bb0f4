import { activityInfo, cancellationSignal } from '@temporalio/activity';
import { ApplicationFailure, ApplicationFailureCategory } from '@temporalio/common';
import { DashScopeError, RateLimitError } from '../dashscope/errors';
import { NOT_DONE_TYPE } from '../workflows/options';

/**
 * Turns a client error into the ApplicationFailure Temporal records: its type is the client's error class (which the
 * retry policies name), final errors are non-retryable, and a 429's Retry-After becomes the next retry delay.
 * The client classified the error once; this only carries that decision across.
 */
export function toFailure(err: unknown): unknown {
  if (err instanceof DashScopeError) {
    return ApplicationFailure.create({
      type: err.name,
      message: err.message,
      nonRetryable: !err.retryable,
      nextRetryDelay: err instanceof RateLimitError && err.retryAfterMs !== undefined ? err.retryAfterMs : undefined,
      details: [{ status: err.status, code: err.code, requestId: err.requestId }],
    });
  }
  return err;
}

/** Wraps every activity of an object with toFailure. */
export function withFailureMapping<T extends Record<string, (...args: never[]) => Promise<unknown>>>(activities: T): T {
  const wrapped: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(activities)) {
    const f = async (...args: never[]) => {
      try {
        return await fn(...args);
      } catch (err) {
        throw toFailure(err);
      }
    };
    Object.defineProperty(f, 'name', { value: name });
    wrapped[name] = f;
  }
  return wrapped as T;
}

/** The benign "not done yet" failure polling activities throw; the retry policy's interval is the poll interval. */
export function notDoneYet(message: string, nextRetryDelayMs?: number): ApplicationFailure {
  return ApplicationFailure.create({ type: NOT_DONE_TYPE, message, category: ApplicationFailureCategory.BENIGN, nextRetryDelay: nextRetryDelayMs });
}

/** A failure no retry can fix, with the API's own message. */
export function finalFailure(type: string, message: string, details?: unknown): ApplicationFailure {
  return ApplicationFailure.create({ type, message, nonRetryable: true, details: details === undefined ? undefined : [details] });
}

/**
 * Options for a call that creates something remotely: the HTTP call ends (and the attempt fails) well before the
 * activity's start-to-close timeout, so Temporal never starts a retry while this attempt's request is still in flight
 * (two creates racing is how a duplicate job would be born). Also follows the activity's cancellation.
 */
export function createCallOptions(): { timeoutMs: number; signal: AbortSignal } {
  const info = activityInfo();
  const budget = info.startToCloseTimeoutMs > 0 ? Math.floor(info.startToCloseTimeoutMs * 0.6) : 60_000;
  return { timeoutMs: Math.max(1_000, Math.min(60_000, budget)), signal: cancellationSignal() };
}
