/**
 * Helpers of the durability suite (test/durability): pipeline inputs tuned for fast crash recovery, the per-pipeline
 * exactly-once and orphan checks over the emulator's request log and state, activity retries read from histories,
 * the results table (test/durability/results.md); history recording is in ./histories.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { planTraining } from '../../src/catalog';
import { inspectDataset } from '../../src/dataset';
import type { RequestLogEntry } from '../../src/emulator';
import type { ModelId, PipelineInput } from '../../src/workflows/input';
import type { PipelineResult } from '../../src/workflows/types';
import { NOT_DONE_TYPE } from '../../src/workflows/options';
import { effectCounts, type Bench } from './pipeline';
import { emulatorState, markdownTable } from './outcomes';

export const MODEL: ModelId = 'wan2.2-i2v-flash';

/**
 * Timeouts for pipelines whose workers get killed: an activity of a dead worker is retried after 10 s (API calls and
 * polls) or 5 s without a heartbeat (uploads, downloads), instead of the production 2 min / 1 min.
 */
export const FAST_RECOVERY = { apiCall: '10s', heartbeat: '5s' } as const;

/**
 * A full-chain input: named checkpoint (so there is an export), one generated video, 200 ms polls, fast recovery.
 * The checkpoint is the one at `evalEpochs` epochs, named by its step as the service names it.
 */
export async function durabilityInput(
  bench: Bench,
  dataset: { path: string; sha256: string },
  opts: { nEpochs?: number; evalEpochs?: number; extra?: Partial<PipelineInput> } = {},
): Promise<PipelineInput> {
  const nEpochs = opts.nEpochs ?? 400;
  const evalEpochs = opts.evalEpochs ?? 100;
  const report = await inspectDataset(dataset.path, { model: MODEL, kind: 'training' });
  const plan = planTraining(MODEL, report.stats, { n_epochs: nEpochs, eval_epochs: evalEpochs });
  return bench.input(MODEL, dataset, {
    hyperParameters: { n_epochs: String(nEpochs), eval_epochs: String(evalEpochs) },
    checkpoint: { policy: 'named', name: `checkpoint-${plan.stepsPerEpoch * evalEpochs}` },
    generate: { count: 1 },
    timeouts: FAST_RECOVERY,
    ...opts.extra,
  });
}

const POLLS = new Set(['pollTraining', 'pollExport', 'pollDeployment', 'pollVideo']);

/**
 * Activity retries in a finished workflow's history. ActivityTaskStarted carries the final attempt number; for the
 * one-shot activities every attempt above 1 is a retry. Poll activities retry by design (NotDoneYet), so for them only
 * an attempt that followed a real failure (timeout of a dead worker, a 5xx, a reset) counts, once.
 */
export async function activityRetries(handle: WorkflowHandle): Promise<{ retries: number; byActivity: Record<string, number> }> {
  const history = await handle.fetchHistory();
  const events = history.events ?? [];
  const typeOf = new Map<string, string>();
  for (const e of events) {
    const s = e.activityTaskScheduledEventAttributes;
    if (s) typeOf.set(String(e.eventId), s.activityType?.name ?? '?');
  }
  const byActivity: Record<string, number> = {};
  for (const e of events) {
    const st = e.activityTaskStartedEventAttributes;
    if (!st) continue;
    const type = typeOf.get(String(st.scheduledEventId)) ?? '?';
    const attempt = st.attempt ?? 1;
    let n = 0;
    if (!POLLS.has(type)) n = attempt - 1;
    else if (attempt > 1 && st.lastFailure && st.lastFailure.applicationFailureInfo?.type !== NOT_DONE_TYPE) n = 1;
    if (n > 0) byActivity[type] = (byActivity[type] ?? 0) + n;
  }
  return { retries: Object.values(byActivity).reduce((a, b) => a + b, 0), byActivity };
}

export interface EffectCheck {
  counts: Record<string, number>;
  /** Remote creations beyond one file, job, export and deployment per pipeline. */
  duplicates: number;
  /** Extra video tasks (submitVideo has no way to find a task an earlier attempt created: see the report). */
  extraTasks: number;
  /** Live resources on the service that no pipeline result names. */
  orphans: string[];
}

/** Exactly-once and orphan check for pipelines that all SUCCEEDED, over the emulator's whole log and state. */
export async function checkEffects(bench: Bench, results: PipelineResult[], log?: RequestLogEntry[]): Promise<EffectCheck> {
  const entries = log ?? (await bench.requests());
  const counts = effectCounts(entries);
  const n = results.length;
  const duplicates = ['file.created', 'job.created', 'export.created', 'deployment.created']
    .map((k) => Math.max(0, (counts[k] ?? 0) - n))
    .reduce((a, b) => a + b, 0);
  const extraTasks = Math.max(0, (counts['task.created'] ?? 0) - results.reduce((a, r) => a + r.artifacts.videos.length, 0));
  const state = await emulatorState(bench);
  const orphans: string[] = [];
  const jobIds = new Set(results.map((r) => r.jobId));
  const fileIds = new Set(results.map((r) => r.fileId));
  const models = new Set(results.map((r) => r.modelName));
  const deployed = new Set(results.map((r) => r.deployedModel));
  for (const f of state.files) if (!fileIds.has(f.id)) orphans.push(`file ${f.id}`);
  for (const j of state.jobs) if (!jobIds.has(j.jobId)) orphans.push(`job ${j.jobId} ${j.status}`);
  for (const e of state.exports) if (!models.has(e.modelName)) orphans.push(`export ${e.jobId}/${e.checkpoint} ${e.status}`);
  for (const d of state.deployments) if (!deployed.has(d.deployedModel)) orphans.push(`deployment ${d.deployedModel} ${d.status}`);
  return { counts, duplicates, extraTasks, orphans };
}

export interface ScenarioRow {
  scenario: string;
  pipelines: number;
  crashes: number;
  faults: number;
  retries: number;
  duplicates: number;
  extraTasks: number;
  orphans: number;
  wallMs: number;
}

const HEADER = ['scenario', 'pipelines', 'crashes injected', 'faults injected', 'activity retries', 'duplicates', 'extra video tasks', 'orphans', 'wall time'];

export function formatRows(rows: ScenarioRow[]): string {
  return markdownTable(
    HEADER,
    rows.map((r) => [r.scenario, r.pipelines, r.crashes, r.faults, r.retries, r.duplicates, r.extraTasks, r.orphans, `${(r.wallMs / 1000).toFixed(1)} s`]),
  );
}

const RESULTS = join(__dirname, '..', 'durability', 'results.md');

/** Prints a file's table and stores it as its own section of test/durability/results.md (other files' sections kept). */
export function publishResults(section: string, rows: ScenarioRow[], notes: string[] = []): string {
  const body = [`## ${section}`, '', formatRows(rows), ...(notes.length ? ['', ...notes.map((n) => `- ${n}`)] : []), ''].join('\n');
  process.stderr.write(`\n${body}\n`);
  const start = `<!-- ${section}:start -->`;
  const end = `<!-- ${section}:end -->`;
  const title = '# Durability suite results\n\nWritten by `npm run test:durability` (test/durability). One section per test file; the last run of each file.\n';
  let text = existsSync(RESULTS) ? readFileSync(RESULTS, 'utf8') : title;
  const block = `${start}\n${body}${end}`;
  const re = new RegExp(`${start.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}[\\s\\S]*?${end.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`);
  text = re.test(text) ? text.replace(re, block) : `${text.trimEnd()}\n\n${block}\n`;
  writeFileSync(RESULTS, text);
  return body;
}

export { maybeRecordHistory } from './histories';
