/**
 * Helpers for failure-path tests: what a finished pipeline failed with (from its error and history), how many attempts
 * the failing activity took, which remote resources it left behind, and a plain-text table of the results.
 */
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { ActivityFailure, ApplicationFailure, CancelledFailure } from '@temporalio/common';
import type { RequestLogEntry } from '../../src/emulator';
import type { Bench } from './pipeline';

export interface FailureOutcome {
  /** ApplicationFailure type, 'Cancelled', or the error's name. */
  type: string;
  message: string;
  /** Activity that failed ('workflow' when the workflow itself raised it). */
  activity: string;
  /** Attempt number of the failing activity as recorded in history ('-' for a workflow-raised failure). */
  attempts: number | '-';
}

/** Awaits a pipeline that must fail and describes how, reading the attempts from its history. */
export async function failureOf(handle: WorkflowHandle): Promise<FailureOutcome> {
  const err = await handle.result().then(
    (r: unknown) => {
      throw new Error(`expected the pipeline to fail, it returned ${JSON.stringify(r).slice(0, 200)}`);
    },
    (e: unknown) => e,
  );
  if (!(err instanceof WorkflowFailedError)) throw err;
  const history = await handle.fetchHistory();
  const events = history.events ?? [];
  if (err.cause instanceof CancelledFailure) return { type: 'Cancelled', message: err.cause.message, activity: 'workflow', attempts: '-' };
  if (err.cause instanceof ActivityFailure) {
    const inner = err.cause.cause;
    const type = inner instanceof ApplicationFailure ? (inner.type ?? 'ApplicationFailure') : (inner?.name ?? 'unknown');
    const failed = [...events].reverse().find((e) => e.activityTaskFailedEventAttributes);
    const attrs = failed?.activityTaskFailedEventAttributes;
    const started = events.find((e) => String(e.eventId) === String(attrs?.startedEventId));
    return {
      type,
      message: inner?.message ?? '',
      activity: err.cause.activityType ?? '?',
      attempts: started?.activityTaskStartedEventAttributes?.attempt ?? 0,
    };
  }
  const cause = err.cause as ApplicationFailure | undefined;
  return { type: cause?.type ?? cause?.name ?? 'unknown', message: cause?.message ?? err.message, activity: 'workflow', attempts: '-' };
}

const LIVE_JOB = new Set(['PENDING', 'QUEUING', 'RUNNING', 'CANCELING']);

export interface EmulatorState {
  jobs: { jobId: string; status: string; finetunedOutput?: string }[];
  deployments: { deployedModel: string; status: string }[];
  exports: { jobId: string; checkpoint: string; modelName: string; displayName: string; status: string }[];
  files: { id: string; filename: string }[];
  tasks: { taskId: string; status: string }[];
}

export async function emulatorState(bench: Pick<Bench, 'admin'>): Promise<EmulatorState> {
  return (await bench.admin('state')) as EmulatorState;
}

/**
 * Remote resources the pipeline created (per the request log since it was last cleared) that are still live: jobs still
 * training (CANCELING counts once it settles: wait for it first) and deployments it created that are not deleted.
 * `keep` lists deployments that are expected to stay (adopted ones, or 'never' clean-up).
 */
export async function orphansOf(bench: Pick<Bench, 'admin' | 'requests'>, log?: RequestLogEntry[], keep: string[] = []): Promise<string[]> {
  const entries = log ?? (await bench.requests());
  const jobs = new Set(entries.filter((e) => e.effect === 'job.created').map((e) => e.resourceId!));
  const deps = new Set(entries.filter((e) => e.effect === 'deployment.created').map((e) => e.resourceId!));
  const state = await emulatorState(bench);
  const out: string[] = [];
  for (const j of state.jobs) if (jobs.has(j.jobId) && LIVE_JOB.has(j.status) && j.status !== 'CANCELING') out.push(`job ${j.jobId} ${j.status}`);
  for (const d of state.deployments) if (deps.has(d.deployedModel) && d.status !== 'DELETING' && !keep.includes(d.deployedModel)) out.push(`deployment ${d.deployedModel} ${d.status}`);
  return out;
}

/** A Markdown table. */
export function markdownTable(header: string[], rows: (string | number)[][]): string {
  const esc = (v: string | number) => String(v).replace(/\|/g, '\\|').replace(/\n/g, ' ');
  return [
    `| ${header.join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${r.map(esc).join(' | ')} |`),
  ].join('\n');
}
