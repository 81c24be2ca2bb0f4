/**
 * API benchmark: Model Studio requests (GET job + GET logs) per hour of wanflow's adaptive training poll beside the
 * official Python SDK's wait loop (`FineTunes.wait`: GET the job, sleep 30 s, until SUCCEEDED/FAILED/CANCELED), on twin
 * jobs (same file, same hyper-parameters) created at the same time, on the emulator's default (documented) logs, in
 * emulated time. Both pollers are counted over the same window: from their job's creation to the moment they noticed
 * its end. Also how late each noticed the end.
 *
 *   npm run bench api [-- --hours 2] [--time-scale 40]
 *
 * wanflow uses the production bounds (45 s near the end, 10 min far from it) divided by the time scale; the SDK loop
 * sleeps 30 s / timeScale. The dev server keeps no activity retry interval under ~1 s real, so 45 s / timeScale must
 * stay ≥ 1 s: time scale ≤ 45. Writes bench/results/api.json and api.md. Goal: ≤ 20 requests per hour and the end
 * noticed ≤ 60 emulated s after it happened.
 */
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startPipeline, defaultWorkflowId, pipelineStatus } from '../src/pipelines';
import {
  BENCH_MODEL, MIN_REAL_RETRY_MS, STEPS_PER_EPOCH, STEP_SECONDS, benchInput, eventMs, fmt, jobTimeMs, log, machine, machineLine, met, numFlag, percentile,
  startEnv, table, toEmulatedMs, writeResults, writeVariantDataset,
} from './_common';

const SDK_SLEEP_S = 30;
const WANFLOW_MIN_POLL_S = 45;
const WANFLOW_MAX_POLL_S = 600;
const GOAL_PER_HOUR = 20;
const GOAL_NOTICED_S = 60;
const TERMINAL = new Set(['SUCCEEDED', 'FAILED', 'CANCELED']);

export default async function apiBench(args: string[]): Promise<void> {
  const hours = numFlag(args, 'hours', 2);
  const timeScale = numFlag(args, 'time-scale', 40);
  if ((WANFLOW_MIN_POLL_S * 1000) / timeScale < MIN_REAL_RETRY_MS) {
    process.stderr.write(`warning: ${WANFLOW_MIN_POLL_S} s / ${timeScale} is under the dev server's ~1 s retry floor; wanflow will poll less often than production\n`);
  }
  const nEpochs = Math.round((hours * 3600) / STEP_SECONDS / STEPS_PER_EPOCH);
  const evalEpochs = Math.ceil(nEpochs / 10);
  const env = await startEnv('api', { timeScale, maxConcurrentJobs: 2 });
  try {
    const ds = await writeVariantDataset(join(env.dir, 'datasets'), 2000);
    const workflowId = defaultWorkflowId(BENCH_MODEL, ds.sha256);
    const { handle } = await startPipeline(env.client, benchInput(ds, { timeScale, nEpochs, evalEpochs, artifactsDir: join(env.dir, 'artifacts') }), {
      taskQueue: env.taskQueue,
      workflowId,
    });
    // The twin: as soon as the pipeline's job exists, create one like it on the same uploaded file.
    let st = await pipelineStatus(env.client, workflowId);
    while (!st.jobId) {
      await sleep(20);
      st = await pipelineStatus(env.client, workflowId);
    }
    const wfJob = await env.dashscope.fineTunes.retrieve(st.jobId);
    const twin = await env.dashscope.fineTunes.create({
      model: BENCH_MODEL,
      training_file_ids: wfJob.training_file_ids ?? [st.fileId!],
      training_type: 'efficient_sft',
      hyper_parameters: { ...(wfJob.hyper_parameters as Record<string, number>) },
    });
    log(`pipeline job ${st.jobId}, SDK-loop twin job ${twin.job_id}; ~${fmt(((hours + 0.35) * 3600) / timeScale, 0)} s of job at time scale ${timeScale}`);

    // The SDK's FineTunes.wait, faithfully: GET, terminal → return, else sleep 30 s (emulated).
    let sdkGets = 0;
    let sdkNoticedEmuMs = NaN;
    const sdkLoop = (async () => {
      for (;;) {
        const job = await env.dashscope.fineTunes.retrieve(twin.job_id);
        sdkGets++;
        if (TERMINAL.has(job.status)) {
          sdkNoticedEmuMs = env.emulator.service.now();
          return job;
        }
        await sleep((SDK_SLEEP_S * 1000) / timeScale);
      }
    })();

    const [result, twinEnd] = await Promise.all([handle.result(), sdkLoop]);
    const requests = await env.collector.stop();
    const events = (await handle.fetchHistory()).events ?? [];
    const left = events.find((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'collectPreviews');
    if (!left) throw new Error('no collectPreviews activity in the history: the pipeline never left training');
    const leftEmuMs = toEmulatedMs(env.emulator, eventMs(left));

    const job = await env.dashscope.fineTunes.retrieve(result.jobId!);
    const leftRealMs = eventMs(left);
    // Same window for both: job creation → the moment the poller noticed the end (emulated hours).
    const wfHours = (leftEmuMs - jobTimeMs(job.create_time!)) / 3_600_000;
    const twinHours = (sdkNoticedEmuMs - jobTimeMs(twinEnd.create_time!)) / 3_600_000;
    const jobHours = (jobTimeMs(job.end_time!) - jobTimeMs(job.create_time!)) / 3_600_000;
    const upToNoticed = (r: { time: string }) => Date.parse(r.time) <= leftRealMs;
    const wfJobGets = requests.filter((r) => r.method === 'GET' && r.path === `/api/v1/fine-tunes/${job.job_id}` && upToNoticed(r)).length;
    const wfLogGets = requests.filter((r) => r.method === 'GET' && r.path === `/api/v1/fine-tunes/${job.job_id}/logs` && upToNoticed(r)).length;
    const sdkLogged = requests.filter((r) => r.method === 'GET' && r.path === `/api/v1/fine-tunes/${twin.job_id}`).length;
    const wfGaps = requests
      .filter((r) => r.method === 'GET' && r.path === `/api/v1/fine-tunes/${job.job_id}` && upToNoticed(r))
      .map((r) => Date.parse(r.time))
      .map((t, i, a) => (i === 0 ? NaN : ((t - a[i - 1]!) * timeScale) / 1000))
      .filter(Number.isFinite);
    // end_time has 1 s resolution (floored): lags may read up to 1 s long.
    const wfLagS = (leftEmuMs - jobTimeMs(job.end_time!)) / 1000;
    const sdkLagS = (sdkNoticedEmuMs - jobTimeMs(twinEnd.end_time!)) / 1000;
    const wfPerHour = (wfJobGets + wfLogGets) / wfHours;
    const sdkPerHour = sdkLogged / twinHours;
    const ok = wfPerHour <= GOAL_PER_HOUR && wfLagS <= GOAL_NOTICED_S;

    const tbl = table(
      ['poller', 'window: create→noticed end (emulated h)', 'GET job', 'GET logs', 'requests / hour', 'end noticed after (emulated s)', 'goal', 'goal met'],
      [
        [`wanflow (adaptive ${WANFLOW_MIN_POLL_S}–${WANFLOW_MAX_POLL_S} s)`, fmt(wfHours, 2), wfJobGets, wfLogGets, fmt(wfPerHour), fmt(wfLagS), `≤ ${GOAL_PER_HOUR}/h and ≤ ${GOAL_NOTICED_S} s`, met(ok)],
        [`Python SDK FineTunes.wait (${SDK_SLEEP_S} s)`, fmt(twinHours, 2), sdkLogged, 0, fmt(sdkPerHour), fmt(sdkLagS), '(reference)', '–'],
      ],
    );
    process.stdout.write(`\n${tbl}\n\n`);
    const m = machine();
    const md = [
      `# API benchmark (${hours} h of training steps, ${fmt(jobHours, 2)} h job, time scale ${timeScale}, default documented logs)`,
      '',
      tbl,
      '',
      `- Twin jobs on the same uploaded file (${BENCH_MODEL}, n_epochs ${nEpochs}, eval_epochs ${evalEpochs}), created within real milliseconds of each other.`,
      `- Both pollers counted over the same window: from their job's create_time to the moment they noticed its end (wanflow: collectPreviews scheduled;`,
      `  SDK loop: the GET that saw a terminal status). "Noticed after" is that moment minus the job's end_time (1 s resolution).`,
      `- wanflow's GET-job gaps (emulated s): min ${fmt(Math.min(...wfGaps), 0)}, median ${fmt(percentile(wfGaps, 50), 0)}, max ${fmt(Math.max(...wfGaps), 0)}: sparse while the end is far, dense near it.`,
      `- SDK loop: GET /api/v1/fine-tunes/{id}, then sleep 30 s / ${timeScale} real, until terminal; every GET counted (${sdkGets} made, ${sdkLogged} in the log).`,
      `- ${machineLine(m)}`,
    ].join('\n');
    writeResults('api', {
      machine: m,
      params: { hours, timeScale, nEpochs, evalEpochs, model: BENCH_MODEL, wanflowPollSeconds: { min: WANFLOW_MIN_POLL_S, max: WANFLOW_MAX_POLL_S }, sdkSleepSeconds: SDK_SLEEP_S },
      goal: { perHour: GOAL_PER_HOUR, noticedAfterSeconds: GOAL_NOTICED_S },
      wanflow: { jobId: job.job_id, jobHours, windowHours: wfHours, jobGets: wfJobGets, logGets: wfLogGets, perHour: wfPerHour, noticedAfterSeconds: wfLagS, gapsSeconds: wfGaps },
      sdk: { jobId: twin.job_id, windowHours: twinHours, gets: sdkLogged, perHour: sdkPerHour, noticedAfterSeconds: sdkLagS },
      met: ok,
    }, md);
  } finally {
    await env.close();
  }
}
