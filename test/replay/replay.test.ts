/**
 * Replays every recorded history in test/histories against the current workflow code: a change to fineTunePipeline
 * that would break running workflows (non-determinism) fails here. The histories are finished pipelines of the
 * durability and workflow suites (happy path, after worker crashes, under faults, across a server restart, manual
 * approval through the Update, cancellation during training with its clean-up, a failed deployment with its clean-up,
 * a wait for account capacity), recorded with `RECORD_HISTORIES=1` on the test that runs that path (see
 * test/helpers/histories.ts; quota-wait: `RECORD_HISTORIES=1 npx jest test/workflow/quota.test.ts`); the `operation-*`
 * ones are modelStudioOperation runs (an export with --wait, a `jobs logs --follow` poll) from test/workflow/management.test.ts.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from '@temporalio/worker';
import { historyFromObjectJSON } from '../helpers/histories';

jest.setTimeout(120_000);

const DIR = join(__dirname, '..', 'histories');
const files = readdirSync(DIR).filter((f) => f.endsWith('.json')).sort();

/** Histories that must be there: each path a running pipeline can be on when new code is deployed. */
const REQUIRED = [
  'happy-path',
  'crash-before',
  'crash-after',
  'crash-lost',
  'faults-rate20',
  'server-restart',
  'manual-approval',
  'cancel-training',
  'deployment-failed',
  'operation-export-wait',
  'operation-logs-follow',
  'quota-wait',
];

test('every required history is recorded, and together they cover an Update, a cancel with clean-up and a failure with clean-up', () => {
  const names = files.map((f) => f.replace(/\.json$/, ''));
  expect(names).toEqual(expect.arrayContaining(REQUIRED));
  const read = (n: string) => historyFromObjectJSON(readFileSync(join(DIR, `${n}.json`), 'utf8')).events;
  const activities = (n: string) => read(n).map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name).filter(Boolean);
  const last = (n: string) => read(n).at(-1)!;
  expect(read('manual-approval').some((e) => e.workflowExecutionUpdateAcceptedEventAttributes)).toBe(true);
  expect(last('manual-approval').workflowExecutionCompletedEventAttributes).toBeTruthy();
  expect(read('cancel-training').some((e) => e.workflowExecutionCancelRequestedEventAttributes)).toBe(true);
  expect(activities('cancel-training')).toContain('cancelJob');
  expect(last('cancel-training').workflowExecutionCanceledEventAttributes).toBeTruthy();
  expect(activities('deployment-failed')).toContain('deleteDeployment');
  expect(last('deployment-failed').workflowExecutionFailedEventAttributes).toBeTruthy();
  // A pipeline that waited for account capacity (429 "Only N fine-tune job …"), then created its job.
  expect(read('quota-wait').filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'createFineTuneJob')).toHaveLength(2);
  expect(last('quota-wait').workflowExecutionCompletedEventAttributes).toBeTruthy();
});

test('every recorded history replays against the current workflow code', async () => {
  const histories = files.map((f) => ({ workflowId: f.replace(/\.json$/, ''), history: historyFromObjectJSON(readFileSync(join(DIR, f), 'utf8')) }));
  const replayed: string[] = [];
  const errors: string[] = [];
  for await (const r of Worker.runReplayHistories({ workflowsPath: require.resolve('../../src/workflows') }, histories)) {
    replayed.push(r.workflowId);
    if (r.error) errors.push(`${r.workflowId}: ${r.error.name}: ${r.error.message}`);
  }
  expect(errors).toEqual([]);
  expect(replayed.sort()).toEqual(histories.map((h) => h.workflowId).sort());
});

test('the replay check fails on a history the code does not match (an activity renamed in history)', async () => {
  const history = historyFromObjectJSON(readFileSync(join(DIR, files[0]), 'utf8'));
  const scheduled = history.events.find((e) => e.activityTaskScheduledEventAttributes)!;
  scheduled.activityTaskScheduledEventAttributes!.activityType!.name = 'someOtherActivity';
  const results = [];
  for await (const r of Worker.runReplayHistories({ workflowsPath: require.resolve('../../src/workflows') }, [{ workflowId: 'mutated', history }])) results.push(r);
  expect(results).toHaveLength(1);
  expect(results[0].error).toBeDefined();
});
