import { checkpointStep, compareCheckpoints, durationToMs, formatBytes, shortHash } from '../../../src/workflows/util';
import { parseEpoch } from '../../../src/activities/training';
import { renderDetails } from '../../../src/workflows/details';

test('checkpoints sort by step number, not by name or API order', () => {
  const names = ['checkpoint-160', 'checkpoint-20', 'checkpoint-40', 'checkpoint-1000', 'checkpoint-60'];
  const sorted = names.map((checkpoint) => ({ checkpoint, step: checkpointStep(checkpoint) })).sort(compareCheckpoints);
  expect(sorted.map((c) => c.checkpoint)).toEqual(['checkpoint-20', 'checkpoint-40', 'checkpoint-60', 'checkpoint-160', 'checkpoint-1000']);
  expect(checkpointStep('final')).toBeNaN();
});

test('durations', () => {
  expect(durationToMs('250ms')).toBe(250);
  expect(durationToMs('30s')).toBe(30_000);
  expect(durationToMs('5m')).toBe(300_000);
  expect(durationToMs('2h')).toBe(7_200_000);
  expect(durationToMs('1d')).toBe(86_400_000);
  expect(durationToMs(1500)).toBe(1500);
  expect(() => durationToMs('soon' as never)).toThrow(/not a duration/);
});

test('shortHash is stable and spreads', () => {
  expect(shortHash('wanflow-a/run-1')).toBe(shortHash('wanflow-a/run-1'));
  expect(shortHash('wanflow-a/run-1')).not.toBe(shortHash('wanflow-a/run-2'));
  expect(shortHash('x')).toMatch(/^[0-9a-f]{12}$/);
});

test('formatBytes', () => {
  expect(formatBytes(512)).toBe('512 B');
  expect(formatBytes(73_310_369)).toBe('70 MB');
  expect(formatBytes(1536)).toBe('1.5 KB');
});

test('epoch progress is read from the newest log line that has it', () => {
  expect(parseEpoch(['data process succeeded', 'epoch 120/400 step 360/1200 loss 0.04', 'saving'])).toEqual({ epoch: 120, totalEpochs: 400 });
  expect(parseEpoch(['epoch 1/400', 'epoch 2/400'])).toEqual({ epoch: 2, totalEpochs: 400 });
  expect(parseEpoch(['##FT_COMPLETE##'])).toBeUndefined();
});

test('current details name the stage, job progress and the approve command', () => {
  const text = renderDetails({
    workflowId: 'wf-1',
    model: 'wan2.5-i2v-preview',
    stage: 'awaiting-approval',
    startedAtMs: 0,
    stageStartedAtMs: 0,
    stageTimings: {},
    jobId: 'ft-1',
    job: { jobId: 'ft-1', status: 'SUCCEEDED', epoch: 400, totalEpochs: 400, logsTail: ['done'], polledAtMs: 0 },
    checkpoints: [{ checkpoint: 'checkpoint-20', step: 20 }],
    awaitingApproval: { candidates: ['checkpoint-20'], deadlineMs: 0, fallback: 'final' },
    artifacts: { previews: [], videos: [] },
  });
  expect(text).toContain('stage **awaiting-approval**');
  expect(text).toContain('epoch 400/400');
  expect(text).toContain('wanflow approve wf-1 <checkpoint>');
});
