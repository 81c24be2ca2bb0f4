/**
 * The training poll reads the log with the documented pagination (`offset`, `line`) from where it stopped, never from
 * the start again, whether the service's `offset` is 1-based (the Python SDK's reading) or 0-based (undocumented).
 */
import { MockActivityEnvironment } from '@temporalio/testing';
import { DashScope } from '../../../src/dashscope';
import { createTrainingActivities } from '../../../src/activities/training';
import type { TrainingTrack } from '../../../src/workflows/trainingProgress';
import { sendJson, startLocalServer } from '../dashscope/localServer';

const LOG = [
  '2025-11-11 11:23:37,315 - INFO - data process succeeded, start to fine-tune',
  ' Actual number of consumed tokens is 1000 !',
  ' Actual number of consumed tokens is 2000 !',
  ' Actual number of consumed tokens is 3000 !',
];

test.each([1, 0])('offset base %i: each check asks for the new lines only and sees each line once', async (base) => {
  let visible = 2;
  const offsets: number[] = [];
  const server = await startLocalServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    if (url.pathname.endsWith('/logs')) {
      const offset = Number(url.searchParams.get('offset') ?? base);
      offsets.push(offset);
      const start = Math.max(0, offset - base);
      return sendJson(res, 200, { request_id: 'r', output: { total: visible, logs: LOG.slice(0, visible).slice(start, start + Number(url.searchParams.get('line'))) } });
    }
    sendJson(res, 200, { request_id: 'r', output: { job_id: 'ft-1', status: 'RUNNING', model: 'wan2.5-i2v-preview', create_time: '2025-11-11 11:22:22' } });
  });
  const ds = new DashScope({ apiKey: 'k', baseUrl: server.url });
  try {
    const acts = createTrainingActivities(ds);
    let details: unknown;
    const args = { jobId: 'ft-1', lastStatus: 'RUNNING', lastBucket: 9, lastPhase: 'training', plannedTokens: 10_000, minIntervalMs: 1000, maxIntervalMs: 60_000 };
    const run = async (attempt: number) => {
      const env = new MockActivityEnvironment({ attempt, heartbeatDetails: details });
      env.on('heartbeat', (d: unknown) => (details = d));
      return env.run(acts.pollTraining, { ...args, lastBucket: -1 }).catch((e: unknown) => e);
    };
    // First check: news (first tenth), returns its track.
    const first = (await run(1)) as { track: TrainingTrack; consumedTokens: number };
    expect(first.consumedTokens).toBe(1000);
    expect(first.track.logPos).toBe(2);
    details = { track: first.track, tail: [] };
    visible = 4;
    const env = new MockActivityEnvironment({ attempt: 2, heartbeatDetails: details });
    const snap: unknown = await env.run(acts.pollTraining, { ...args, lastBucket: 1 });
    const second = snap as { track: TrainingTrack; consumedTokens: number };
    expect(second.consumedTokens).toBe(3000);
    expect(second.track.logPos).toBe(4);
    // The first read started at the log's start, the second at the last line already seen, not at the start.
    expect(offsets[0]).toBe(1);
    expect(offsets.slice(base === 1 ? 1 : 2)).toEqual([2]);
  } finally {
    await ds.close?.();
    await server.close();
  }
});
