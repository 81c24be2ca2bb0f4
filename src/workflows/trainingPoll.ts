/** How the workflow calls the training poll: adaptive interval bounds and what the previous snapshot knew. */
import type { ActivityOptions } from '@temporalio/workflow';
import type { Duration } from '@temporalio/common';
import type { presetsFor } from './options';
import type { JobSnapshot, PlanSummary } from './types';
import { durationToMs, formatDuration } from './util';
import { ageEstimate, describeTraining, estimateOf, type TrainingEstimate } from './trainingProgress';

/** The training part of the status query: the estimate the last poll made, and a sentence for people. */
export interface TrainingStatus extends TrainingEstimate {
  /** "training 75 % (… tokens), ~25m00s left, then ~17m21s transfer and checkpoint saving". */
  text: string;
  /** Local time the estimate was made (the poll's time). */
  asOfMs: number;
}

export function trainingStatus(snap: JobSnapshot): TrainingStatus {
  const est = estimateOf(snap);
  return { ...est, text: describeTraining(est, formatDuration), asOfMs: snap.polledAtMs };
}

/** The same training status as seen `nowMs` (the CLI ages the last estimate by the time since the poll). */
export function trainingStatusAt(t: TrainingStatus, nowMs: number): TrainingStatus {
  const est = ageEstimate(t, nowMs - t.asOfMs);
  return { ...t, ...est, text: describeTraining(est, formatDuration) };
}

interface TrainingPolling {
  training: string | number;
  trainingMax?: string | number;
}

/** The interval bounds in ms: `polling.training` is the densest check (near the end), `trainingMax` the sparsest. */
export function trainingBounds(polling: TrainingPolling): { minIntervalMs: number; maxIntervalMs: number } {
  const min = durationToMs(polling.training as Duration);
  const max = polling.trainingMax !== undefined ? durationToMs(polling.trainingMax as Duration) : Math.round((min * 40) / 3);
  return { minIntervalMs: min, maxIntervalMs: Math.max(min, max) };
}

/**
 * Retry options of the training poll: each not-done attempt names its own next delay (nextRetryDelay, from the ETA);
 * the policy's interval is the fallback, its maximum the sparsest check.
 */
export function trainingPollOptions(p: ReturnType<typeof presetsFor>, polling: TrainingPolling): ActivityOptions {
  const { minIntervalMs, maxIntervalMs } = trainingBounds(polling);
  const o = p.poll(minIntervalMs, '14d');
  return { ...o, retry: { ...o.retry, maximumInterval: maxIntervalMs } };
}

/** The poll's arguments beyond the job id: the previous snapshot's track and tail, the plan, the bounds. */
export function trainingPollArgs(snap: JobSnapshot, plan: PlanSummary | undefined, polling: TrainingPolling) {
  return {
    lastPhase: snap.phase,
    track: snap.track,
    logsTail: snap.logsTail,
    plannedTokens: plan?.estimatedTokens,
    ...trainingBounds(polling),
  };
}
