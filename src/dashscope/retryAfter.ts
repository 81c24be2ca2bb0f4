/** Reading the service's "wait this long" hints. */
import type { HeaderRecord } from './classify';

const first = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);

/**
 * Milliseconds to wait according to `retry-after-ms` (milliseconds), else `Retry-After`
 * (delay-seconds or an HTTP date). Undefined when absent or unparseable; never negative.
 */
export function parseRetryAfterMs(headers: HeaderRecord, now: number = Date.now()): number | undefined {
  const ms = first(headers['retry-after-ms']);
  if (ms !== undefined && ms.trim() !== '') {
    const n = Number(ms);
    if (Number.isFinite(n) && n >= 0) return n;
  }
  const ra = first(headers['retry-after'])?.trim();
  if (!ra) return undefined;
  if (/^\d+(\.\d+)?$/.test(ra)) return Number(ra) * 1000;
  const date = Date.parse(ra);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}
