/** Training progress from documented signals only: the reference's own log example, consumed tokens, milestones. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  describeTraining, estimate, nextPollDelayMs, observe, parseConsumedTokens, REFERENCE_TAIL_MS, serviceTimeMs, type TrainingTrack,
} from '../../../src/workflows/trainingProgress';
import { formatDuration } from '../../../src/workflows/util';

const reference = JSON.parse(readFileSync(join(__dirname, '../../fixtures/reference/fine-tunes-logs.json'), 'utf8')).body.output.logs as string[];
const MIN = 60_000;

test('the consumed-token line of the reference, with its leading space and " !"', () => {
  expect(parseConsumedTokens(' Actual number of consumed tokens is 215040 !')).toBe(215040);
  expect(parseConsumedTokens('2025-11-11 11:23:37,315 - INFO - data process succeeded, start to fine-tune')).toBeUndefined();
  expect(serviceTimeMs('2025-11-11 11:23:37,315 - INFO - x')! - serviceTimeMs('2025-11-11 11:22:22')!).toBe(75_315);
});

test('the reference tail: 16:31:40,760 → 16:49:01,738', () => {
  expect(serviceTimeMs(reference[7])! - serviceTimeMs(reference[4])!).toBe(REFERENCE_TAIL_MS.transfer);
});

test('progress is consumed tokens against the plan, timed by when each value appeared; the tail is stated apart', () => {
  const t0 = 1_000_000;
  let track: TrainingTrack = { logPos: 0, phase: 'waiting' };
  track = observe(track, 'RUNNING', [reference[0]!], t0);
  expect(track.phase).toBe('training');
  // 30 min later a check sees the first token line: a quarter of the plan.
  track = observe(track, 'RUNNING', [' Actual number of consumed tokens is 100000 !'], t0 + 30 * MIN);
  const est = estimate(track, 400_000, t0 + 30 * MIN);
  expect(est.fraction).toBeCloseTo(0.25);
  // The value appeared between the checks (at the middle: 15 min in), so 45 min of training are left.
  expect(est.trainingLeftMs).toBe(45 * MIN - 15 * MIN);
  expect(est.tailLeftMs).toBe(REFERENCE_TAIL_MS.training);
  const text = describeTraining(est, formatDuration);
  expect(text).toMatch(/^training 25 % \(100,000 of ~400,000 tokens\), ~\d+m\d\ds left, then ~17m21s transfer and checkpoint saving$/);
});

test('tokens above the plan never show 100 % before the transfer milestone; milestones move the phase', () => {
  let track: TrainingTrack = { logPos: 0, phase: 'waiting' };
  track = observe(track, 'RUNNING', reference.slice(0, 4), 0); // 624640 tokens, more than usage 432000
  expect(estimate(track, 432_000, 0).fraction).toBe(0.99);
  track = observe(track, 'RUNNING', [reference[4]!], MIN);
  expect(estimate(track, 432_000, MIN)).toMatchObject({ phase: 'transfer', fraction: 1, trainingLeftMs: 0 });
  track = observe(track, 'RUNNING', [reference[6]!], 2 * MIN);
  expect(track.phase).toBe('saving');
  expect(describeTraining(estimate(track, 432_000, 2 * MIN), formatDuration)).toMatch(/^training done; saving checkpoints, ~8m34s left/);
  track = observe(track, 'SUCCEEDED', reference.slice(7), 3 * MIN);
  expect(track.phase).toBe('done');
});

test('a QUEUING job says it waits for the account single training slot', () => {
  const track = observe({ logPos: 0, phase: 'waiting' }, 'QUEUING', [], 0);
  expect(describeTraining(estimate(track, 1000, 0), formatDuration)).toContain("waiting for the account's single training slot");
});

test('an emulator faster than the clock is recognised from its timestamps against the create anchor', () => {
  // Created at service 11:22:22 (local 0); "data process succeeded" (75 s later in service time) seen at local 1 s.
  let track: TrainingTrack = { logPos: 0, phase: 'waiting', anchor: { serviceMs: serviceTimeMs('2025-11-11 11:22:22')!, localMs: 0 } };
  track = observe(track, 'RUNNING', [reference[0]!], 1000);
  expect(track.scale).toBeCloseTo(75.3, 0);
  expect(estimate(track, 100, 1000).tailLeftMs).toBe(Math.round(REFERENCE_TAIL_MS.training! / track.scale!));
});

test('the next check: sparse far from the end, dense near it, bounded both ways', () => {
  const bounds = { minMs: 45_000, maxMs: 10 * MIN };
  expect(nextPollDelayMs({ phase: 'queued' }, bounds)).toBe(10 * MIN);
  // ... and with the job's age known: its age, within the bounds (a young job is checked densely, an old one sparsely).
  expect(nextPollDelayMs({ phase: 'data' }, bounds, 1, 30_000)).toBe(45_000);
  expect(nextPollDelayMs({ phase: 'data' }, bounds, 1, 4 * MIN)).toBe(4 * MIN);
  expect(nextPollDelayMs({ phase: 'queued' }, bounds, 1, 3 * 60 * MIN)).toBe(10 * MIN);
  expect(nextPollDelayMs({ phase: 'training', etaMs: 90 * MIN }, bounds)).toBe(10 * MIN);
  expect(nextPollDelayMs({ phase: 'saving', etaMs: 8 * MIN }, bounds)).toBe(Math.round(8 * MIN * 0.85 - MIN));
  expect(nextPollDelayMs({ phase: 'saving', etaMs: 30_000 }, bounds)).toBe(45_000);
  expect(nextPollDelayMs({ phase: 'done', etaMs: 0 }, bounds)).toBe(45_000);
});
