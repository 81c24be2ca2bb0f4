/** Training progress over time, bounded: what the review page charts. Pure and deterministic (workflow code). */
import type { ProgressPoint } from './types';

/** The status never holds more points than this, however long the training. */
export const PROGRESS_SERIES_MAX = 100;

/**
 * Appends the poll's point. A point that tells nothing new (same status, progress, tokens and epoch as the last) only
 * moves the last point's time. Past PROGRESS_SERIES_MAX points, every second point is dropped (the first and the
 * latest are kept), so the series stays evenly thinned whatever the length of the training.
 */
/** What a poll tells; `consumedTokens` (from the log's "consumed tokens" lines) is used when the snapshot carries it. */
export interface ProgressSample {
  status: string;
  progress?: number;
  usage?: number;
  consumedTokens?: number;
  epoch?: number;
}

export function addProgressPoint(series: ProgressPoint[], snap: ProgressSample, t: number): void {
  const point: ProgressPoint = { t, status: snap.status };
  if (snap.progress !== undefined) point.progress = snap.progress;
  const tokens = snap.consumedTokens ?? snap.usage;
  if (tokens !== undefined) point.tokens = tokens;
  if (snap.epoch !== undefined) point.epoch = snap.epoch;
  const last = series[series.length - 1];
  if (last && series.length > 1 && last.status === point.status && last.progress === point.progress && last.tokens === point.tokens && last.epoch === point.epoch) {
    last.t = t;
    return;
  }
  series.push(point);
  if (series.length > PROGRESS_SERIES_MAX) {
    const lastIndex = series.length - 1;
    const kept = series.filter((_, i) => i % 2 === 0 || i === lastIndex);
    series.splice(0, series.length, ...kept);
  }
}
