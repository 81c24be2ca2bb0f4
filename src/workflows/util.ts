/** Small pure helpers for workflow code (deterministic, no Node APIs). */
import type { Duration } from '@temporalio/common';
import type { CheckpointInfo, JobSnapshot } from './types';

/** Fine-tune job statuses after which nothing changes any more. */
export const TERMINAL_JOB_STATUSES: ReadonlySet<string> = new Set(['SUCCEEDED', 'FAILED', 'CANCELED']);

/** Tenth of the epochs done (0..10), or -1 when the logs have not told the progress: a training poll returns when it grows. */
export function progressBucket(snap: Pick<JobSnapshot, 'progress'>): number {
  return snap.progress === undefined ? -1 : Math.floor(snap.progress * 10);
}

/** The step number of `checkpoint-<step>`; NaN when the name has another shape. */
export function checkpointStep(name: string): number {
  const m = /^checkpoint-(\d+)$/.exec(name);
  return m ? Number(m[1]) : Number.NaN;
}

/** Orders checkpoints by step number (checkpoint-20 before checkpoint-160), not by name or API order. */
export function compareCheckpoints(a: CheckpointInfo, b: CheckpointInfo): number {
  const sa = checkpointStep(a.checkpoint);
  const sb = checkpointStep(b.checkpoint);
  if (Number.isNaN(sa) || Number.isNaN(sb)) return a.checkpoint.localeCompare(b.checkpoint);
  return sa - sb;
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Milliseconds of a duration given as '30s', '5m', '2h', '1d', '250ms' or a number of ms. */
export function durationToMs(d: Duration): number {
  if (typeof d === 'number') return d;
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/.exec(String(d).trim());
  if (!m) throw new Error(`not a duration: ${String(d)}`);
  return Math.round(Number(m[1]) * UNIT_MS[m[2]]);
}

/** A short, stable hex id of a string (two FNV-1a 32-bit hashes). */
export function shortHash(s: string): string {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193 ^ s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193) >>> 0;
    h2 = Math.imul(h2 ^ c, 0x85ebca6b) >>> 0;
  }
  return (h1.toString(16).padStart(8, '0') + h2.toString(16).padStart(8, '0')).slice(0, 12);
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[u]}`;
}

export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : m > 0 ? `${m}m${String(sec).padStart(2, '0')}s` : `${sec}s`;
}
