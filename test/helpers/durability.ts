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
import { RESULTS_JSON, writeReadmeDurabilityTable } from './durabilityReport';

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

/**
 * Exactly-once and orphan check over the emulator's whole log and state: creations beyond one of each per pipeline
 * (`pipelines`, default the results) are duplicates; live resources no result names are orphans.
 */
export async function checkEffects(bench: Bench, results: PipelineResult[], log?: RequestLogEntry[], pipelines = results.length): Promise<EffectCheck> {
  const entries = log ?? (await bench.requests());
  const counts = effectCounts(entries);
  const n = pipelines;
  const duplicates = ['file.created', 'job.created', 'export.created', 'deployment.created']
    .map((k) => Math.max(0, (counts[k] ?? 0) - n))
    .reduce((a, b) => a + b, 0);
  // One task per video a result names; a pipeline that did not finish may have made at most its one.
  const extraTasks = Math.max(0, (counts['task.created'] ?? 0) - results.reduce((a, r) => a + r.artifacts.videos.length, 0) - (pipelines - results.length));
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
  /** Workflows the scenario started (counted, not declared). */
  pipelines: number;
  crashes: number;
  faults: number;
  retries: number;
  duplicates: number;
  extraTasks: number;
  orphans: number;
  wallMs: number;
  /** 'passed', or 'FAILED: <first problem>' (the test then fails). */
  outcome: string;
}

/**
 * One row of a durability table, measured whatever happens: the body starts pipelines (`track`), injects crashes and
 * faults and may assert as it goes; `finish` then reads the emulator's log and state and the histories, adds the
 * standard checks (all COMPLETED, 0 duplicates, 0 extra tasks, 0 orphans, at least one pipeline) and returns the row,
 * with the problems found (a thrown error of the body included). A failed scenario is a row too.
 */
export class Scenario {
  readonly started = Date.now();
  readonly handles: WorkflowHandle[] = [];
  readonly problems: string[] = [];
  readonly results: PipelineResult[] = [];
  crashes = 0;
  check: EffectCheck | undefined;

  constructor(readonly name: string) {}

  track(handle: WorkflowHandle): WorkflowHandle {
    this.handles.push(handle);
    return handle;
  }

  /** Records a problem unless `ok`; returns ok. */
  expect(ok: boolean, problem: string): boolean {
    if (!ok) this.problems.push(problem);
    return ok;
  }

  async run(bench: () => Bench | undefined, body: (sc: Scenario) => Promise<void>): Promise<{ row: ScenarioRow; problems: string[] }> {
    try {
      await body(this);
    } catch (err) {
      this.problems.push(`threw: ${(err as Error).stack ?? String(err)}`);
    }
    return this.finish(bench());
  }

  async finish(bench: Bench | undefined): Promise<{ row: ScenarioRow; problems: string[] }> {
    const row: ScenarioRow = { scenario: this.name, pipelines: this.handles.length, crashes: this.crashes, faults: 0, retries: 0, duplicates: 0, extraTasks: 0, orphans: 0, wallMs: 0, outcome: '' };
    try {
      this.expect(this.handles.length > 0, 'no pipeline was started');
      for (const h of this.handles) {
        const status = (await h.describe()).status.name;
        if (status === 'RUNNING') {
          this.problems.push(`${h.workflowId} still RUNNING when measured (terminated)`);
          await h.terminate('durability scenario ended').catch(() => undefined);
          continue;
        }
        if (!this.expect(status === 'COMPLETED', `${h.workflowId} ended ${status}`)) continue;
        this.results.push((await h.result()) as PipelineResult);
        row.retries += (await activityRetries(h)).retries;
      }
      if (bench) {
        const log = await bench.requests();
        row.faults = log.filter((r) => r.fault).length;
        this.check = await checkEffects(bench, this.results, log, this.handles.length);
        row.duplicates = this.check.duplicates;
        row.extraTasks = this.check.extraTasks;
        row.orphans = this.check.orphans.length;
        this.expect(row.duplicates === 0, `duplicates: ${row.duplicates} (effects ${JSON.stringify(this.check.counts)})`);
        this.expect(row.extraTasks === 0, `extra video tasks: ${row.extraTasks}`);
        this.expect(row.orphans === 0, `orphans: ${this.check.orphans.join(', ')}`);
        for (const k of ['file.created', 'job.created', 'export.created', 'deployment.created'])
          this.expect((this.check.counts[k] ?? 0) === this.handles.length, `${k}: ${this.check.counts[k] ?? 0} for ${this.handles.length} pipeline(s)`);
      } else this.problems.push('no emulator to measure');
    } catch (err) {
      this.problems.push(`measuring failed: ${(err as Error).message}`);
    }
    row.wallMs = Date.now() - this.started;
    row.outcome = this.problems.length ? `FAILED: ${this.problems[0].split('\n')[0].slice(0, 160)}` : 'passed';
    return { row, problems: this.problems };
  }
}

/** Throws with every problem of every failed scenario (call after publishing the rows). */
export function failOnProblems(outcomes: { row: ScenarioRow; problems: string[] }[]): void {
  const failed = outcomes.filter((o) => o.problems.length > 0);
  if (failed.length) throw new Error(failed.map((o) => `${o.row.scenario}:\n  ${o.problems.join('\n  ')}`).join('\n\n'));
}

const HEADER = ['scenario', 'pipelines', 'crashes injected', 'faults injected', 'activity retries', 'duplicates', 'extra video tasks', 'orphans', 'wall time', 'outcome'];

export function formatRows(rows: ScenarioRow[]): string {
  return markdownTable(
    HEADER,
    rows.map((r) => [r.scenario, r.pipelines, r.crashes, r.faults, r.retries, r.duplicates, r.extraTasks, r.orphans, `${(r.wallMs / 1000).toFixed(1)} s`, r.outcome]),
  );
}

const DURABILITY_DIR = join(__dirname, '..', 'durability');
const RESULTS = join(DURABILITY_DIR, 'results.md');

export interface ResultsFile {
  [section: string]: { writtenAt: string; rows: ScenarioRow[]; notes: string[] };
}

export function readResultsJson(): ResultsFile {
  return existsSync(RESULTS_JSON) ? (JSON.parse(readFileSync(RESULTS_JSON, 'utf8')) as ResultsFile) : {};
}

/**
 * Prints a file's table and stores it as its own section of test/durability/results.md and results.json (other files'
 * sections kept), then re-renders the README's durability table from results.json (./durabilityReport).
 */
export function publishResults(section: string, rows: ScenarioRow[], notes: string[] = []): string {
  const writtenAt = new Date().toISOString();
  const body = [`## ${section}`, '', `Run of ${writtenAt}.`, '', formatRows(rows), ...(notes.length ? ['', ...notes.map((n) => `- ${n}`)] : []), ''].join('\n');
  process.stderr.write(`\n${body}\n`);
  const start = `<!-- ${section}:start -->`;
  const end = `<!-- ${section}:end -->`;
  const title = '# Durability suite results\n\nWritten by `npm run test:durability` (test/durability). One section per test file; the last run of each file. Every number is measured by that run; a failed scenario is a row with outcome FAILED.\n';
  let text = existsSync(RESULTS) ? readFileSync(RESULTS, 'utf8') : title;
  const block = `${start}\n${body}${end}`;
  const re = new RegExp(`${start.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}[\\s\\S]*?${end.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`);
  text = re.test(text) ? text.replace(re, block) : `${text.trimEnd()}\n\n${block}\n`;
  writeFileSync(RESULTS, text);
  const json = readResultsJson();
  json[section] = { writtenAt, rows, notes };
  writeFileSync(RESULTS_JSON, `${JSON.stringify(json, null, 1)}\n`);
  writeReadmeDurabilityTable();
  return body;
}

export { maybeRecordHistory } from './histories';
