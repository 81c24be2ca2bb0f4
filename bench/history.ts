/**
 * History benchmark: events per pipeline history at 1, 10 and 48 emulated hours of training, same poll interval in
 * emulated terms for all three. The three pipelines run at once on one worker.
 *
 *   npm run bench history [-- --hours 1,10,48] [--time-scale 120] [--poll-seconds 120]
 *
 * The dev server keeps no retry interval under ~1 s real, so the default training poll is 120 emulated s (1 s real at
 * time scale 120) rather than production's 60 s; 48 h then take 24 real minutes.
 *
 * Training length: the emulator spends totalSteps × 3 s on steps (plus 2 min data process and 6 min delivery), and
 * totalSteps = n_epochs × 6 here (12 samples, batch_size 2), so n_epochs = hours × 200; eval_epochs = n_epochs / 10.
 * Writes bench/results/history.json and history.md. Goal: events constant within 10 %.
 */
import { join } from 'node:path';
import { startPipeline, defaultWorkflowId } from '../src/pipelines';
import {
  BENCH_MODEL, MIN_REAL_RETRY_MS, STEPS_PER_EPOCH, STEP_SECONDS, benchInput, fmt, flag, jobTimeMs, log, machine, machineLine, met, numFlag, percentile,
  startEnv, table, writeResults, writeVariantDataset,
} from './_common';

export default async function historyBench(args: string[]): Promise<void> {
  const hours = (flag(args, 'hours') ?? '1,10,48').split(',').map(Number);
  if (hours.some((h) => !(h > 0))) throw new Error('--hours: comma-separated positive numbers');
  const timeScale = numFlag(args, 'time-scale', 120);
  // The same emulated interval for every length; default: the shortest real interval the dev server keeps (1 s).
  const pollSeconds = numFlag(args, 'poll-seconds', Math.max(60, (MIN_REAL_RETRY_MS / 1000) * timeScale));
  const env = await startEnv('history', { timeScale, maxConcurrentJobs: hours.length });
  try {
    const runs = await Promise.all(
      hours.map(async (h, i) => {
        const nEpochs = Math.round((h * 3600) / STEP_SECONDS / STEPS_PER_EPOCH);
        const evalEpochs = Math.ceil(nEpochs / 10);
        const ds = await writeVariantDataset(join(env.dir, 'datasets'), 1000 + i);
        const started = await startPipeline(env.client, benchInput(ds, { timeScale, nEpochs, evalEpochs, artifactsDir: join(env.dir, 'artifacts'), trainingPollSeconds: pollSeconds }), {
          taskQueue: env.taskQueue,
          workflowId: defaultWorkflowId(BENCH_MODEL, ds.sha256),
        });
        return { hours: h, nEpochs, evalEpochs, ...started };
      }),
    );
    log(`started ${runs.length} pipelines (${hours.join(', ')} h of training); the longest takes ~${fmt((Math.max(...hours) * 3600) / timeScale, 0)} s`);
    const outcomes = await Promise.allSettled(runs.map((r) => r.handle.result()));
    const requests = await env.collector.stop();

    const rows = [];
    for (const [i, r] of runs.entries()) {
      const outcome = outcomes[i]!;
      const events = (await r.handle.fetchHistory()).events ?? [];
      const jobId = outcome.status === 'fulfilled' ? outcome.value.jobId : undefined;
      const job = jobId ? await env.dashscope.fineTunes.retrieve(jobId) : undefined;
      const jobGets = requests.filter((q) => q.method === 'GET' && q.path === `/api/v1/fine-tunes/${jobId}`).map((q) => Date.parse(q.time));
      const gaps = jobGets.slice(1).map((t, k) => ((t - jobGets[k]!) * timeScale) / 1000);
      const jobHours = job?.create_time && job.end_time ? (jobTimeMs(job.end_time) - jobTimeMs(job.create_time)) / 3_600_000 : NaN;
      rows.push({
        trainingHours: r.hours,
        nEpochs: r.nEpochs,
        evalEpochs: r.evalEpochs,
        totalSteps: r.nEpochs * STEPS_PER_EPOCH,
        status: outcome.status === 'fulfilled' ? 'SUCCEEDED' : `FAILED: ${String((outcome as PromiseRejectedResult).reason?.cause?.message ?? (outcome as PromiseRejectedResult).reason)}`,
        jobHours,
        events: events.length,
        jobPolls: jobGets.length,
        pollGapP50: percentile(gaps, 50),
      });
    }
    const ev = rows.map((r) => r.events);
    const spread = (Math.max(...ev) - Math.min(...ev)) / Math.min(...ev);
    const allOk = rows.every((r) => r.status === 'SUCCEEDED');
    const tbl = table(
      ['training (emulated h)', 'n_epochs / eval_epochs', 'job create→end (h)', 'outcome', 'GET job polls', 'poll gap p50 (emulated s)', 'history events'],
      rows.map((r) => [r.trainingHours, `${r.nEpochs} / ${r.evalEpochs}`, fmt(r.jobHours, 2), r.status, r.jobPolls, fmt(r.pollGapP50), r.events]),
    );
    const verdict = `- Spread of events (max − min) / min: **${fmt(spread * 100)} %** (goal ≤ 10 %: ${met(spread <= 0.1 && allOk)})`;
    process.stdout.write(`\n${tbl}\n\n${verdict}\n\n`);
    const m = machine();
    const md = [
      `# History benchmark (time scale ${timeScale}, adaptive training poll interval ${pollSeconds}–600 s emulated)`,
      '',
      tbl,
      '',
      verdict,
      '- Each pipeline: dataset → upload → job → training → final checkpoint → deploy → RUNNING (no generation); events counted over the whole closed history.',
      `- The polls column shows the polling ran (adaptive: ${pollSeconds} s near the end, up to 600 s while it is far) while the history stayed flat: retries of`,
      '  the pollTraining activity are not written to history; only news (a status change, a milestone, another tenth of training) completes it.',
      `- ${machineLine(m)}`,
    ].join('\n');
    writeResults('history', { machine: m, timeScale, pollIntervalEmulatedSeconds: pollSeconds, rows, spread, goal: 0.1, met: spread <= 0.1 && allOk }, md);
  } finally {
    await env.close();
  }
}
