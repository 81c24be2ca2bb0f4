/** The client's own (optional, bounded) retry policy for standalone use; Temporal owns retries otherwise. */
import { ConnectionError, DashScopeError, RateLimitError, ServerError } from './errors';

/** First delay of the exponential backoff, in ms. */
export const INITIAL_RETRY_DELAY_MS = 500;
/** Cap of the exponential backoff, in ms. */
export const MAX_RETRY_DELAY_MS = 8_000;
/** A `Retry-After` longer than this is ignored in favour of the backoff. */
export const MAX_RETRY_AFTER_MS = 60_000;

/**
 * Whether a failed attempt may be repeated. Idempotent calls repeat on any retryable error.
 * Non-idempotent calls (POST create/upload) repeat only when the error proves the request was not
 * processed: 429, 503, or no connection at all. A reset or timeout might have lost a response to a
 * request that took effect, so those are left to the caller.
 */
export function shouldRetry(err: unknown, idempotent: boolean): boolean {
  if (!(err instanceof DashScopeError) || !err.retryable) return false;
  if (idempotent) return true;
  return err instanceof RateLimitError || err instanceof ConnectionError || (err instanceof ServerError && err.status === 503);
}

/**
 * Delay before retry number `retriesSoFar` (0-based): the service's Retry-After when it gave a sane one,
 * else 0.5 s × 2^n capped at 8 s, minus up to 25 % jitter.
 */
export function retryDelayMs(retriesSoFar: number, err: unknown, random: () => number = Math.random): number {
  if (err instanceof RateLimitError && err.retryAfterMs !== undefined && err.retryAfterMs <= MAX_RETRY_AFTER_MS) {
    return err.retryAfterMs;
  }
  const base = Math.min(INITIAL_RETRY_DELAY_MS * 2 ** retriesSoFar, MAX_RETRY_DELAY_MS);
  return base * (1 - random() * 0.25);
}

/** Sleeps `ms`, rejecting with the signal's reason if it aborts first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
