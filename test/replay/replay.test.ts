/**
 * Replays every recorded history in test/histories against the current workflow code: a change to fineTunePipeline
 * that would break running workflows (non-determinism) fails here. The histories are finished pipelines of the
 * durability suite (happy path, after worker crashes, under faults, across a server restart), recorded with
 * `RECORD_HISTORIES=1 npm run test:durability`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from '@temporalio/worker';
import { historyFromObjectJSON } from '../helpers/histories';

jest.setTimeout(120_000);

const DIR = join(__dirname, '..', 'histories');
const files = readdirSync(DIR).filter((f) => f.endsWith('.json')).sort();

test('there are recorded histories to replay', () => {
  expect(files.length).toBeGreaterThanOrEqual(3);
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
