/**
 * API benchmark: status requests per training hour of wanflow's polling beside the official Python SDK's wait loop
 * (`FineTunes.wait`: GET the job, sleep 30 s, until SUCCEEDED/FAILED/CANCELED), on twin jobs (same file, same
 * hyper-parameters) created at the same time, in emulated time. Also how late each noticed the end of training.
 *
 *   npm run bench api [-- --hours 2] [--time-scale 60]
 *
 * wanflow polls at the production 60 s (polling.training) = 60 s / timeScale real; the SDK loop sleeps 30 s / timeScale.
 * The dev server keeps no activity retry interval under ~1 s real, so the time scale must stay ≤ 60.
 * Writes bench/results/api.json and api.md. Goal: fewer requests per hour than the SDK loop (120/h) and the end of
 * training noticed within one polling interval (60 emulated s).
 */
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startPipeline, defaultWorkflowId, pipelineStatus } from '../src/pipelines';
import {
  BENCH_MODEL, MIN_REAL_RETRY_MS, STEPS_PER_EPOCH, STEP_SECONDS, benchInput, eventMs, fmt, jobTimeMs, log, machine, machineLine, met, numFlag,
  startEnv, table, toEmulatedMs, writeResults, writeVariantDataset,
} from './_common';

const SDK_SLEEP_S = 30;
const WANFLOW_POLL_S = 60;
const TERMINAL = new Set(['SUCCEEDED', 'FAILED', 'CANCELED']);

export default async function apiBench(args: string[]): Promise<void> {
  const hours = numFlag(args, 'hours', 2);
  const timeScale = numFlag(args, 'time-scale', 60);
  if ((WANFLOW_POLL_S * 1000) / timeScale < MIN_REAL_RETRY_MS) {
    process.stderr.write(`warning: 60 s / ${timeScale} is under the dev server's ~1 s retry floor; wanflow will poll less often than production\n`);
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
    log(`pipeline job ${st.jobId}, SDK-loop twin job ${twin.job_id}; ~${fmt(((hours + 0.15) * 3600) / timeScale, 0)} s of training at time scale ${timeScale}`);

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
    const jobHours = (jobTimeMs(job.end_time!) - jobTimeMs(job.create_time!)) / 3_600_000;
    const twinHours = (jobTimeMs(twinEnd.end_time!) - jobTimeMs(twinEnd.create_time!)) / 3_600_000;
    const trainingStartMs = (() => {
      const t = events.find((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'pollTraining');
      return t ? eventMs(t) : NaN;
    })();
    const leftRealMs = eventMs(left);
    const inTraining = (r: { time: string }) => {
      const t = Date.parse(r.time);
      return t >= trainingStartMs && t <= leftRealMs;
    };
    const wfJobGets = requests.filter((r) => r.method === 'GET' && r.path === `/api/v1/fine-tunes/${job.job_id}` && inTraining(r)).length;
    const wfLogGets = requests.filter((r) => r.method === 'GET' && r.path === `/api/v1/fine-tunes/${job.job_id}/logs` && inTraining(r)).length;
    const sdkLogged = requests.filter((r) => r.method === 'GET' && r.path === `/api/v1/fine-tunes/${twin.job_id}`).length;
    // end_time has 1 s resolution (floored): lags may read up to 1 s long.
    const wfLagS = (leftEmuMs - jobTimeMs(job.end_time!)) / 1000;
    const sdkLagS = (sdkNoticedEmuMs - jobTimeMs(twinEnd.end_time!)) / 1000;
    const wfPerHour = (wfJobGets + wfLogGets) / jobHours;
    const sdkPerHour = sdkLogged / twinHours;

    const tbl = table(
      ['poller', 'job create→end (emulated h)', 'GET job', 'GET logs', 'status requests / training hour', 'end noticed after (emulated s)', 'goal', 'goal met'],
      [
        ['wanflow (pollTraining, 60 s)', fmt(jobHours, 2), wfJobGets, wfLogGets, fmt(wfPerHour), fmt(wfLagS), `< ${fmt(sdkPerHour)}/h and ≤ ${WANFLOW_POLL_S} s`, met(wfPerHour < sdkPerHour && wfLagS <= WANFLOW_POLL_S)],
        ['Python SDK FineTunes.wait (30 s)', fmt(twinHours, 2), sdkLogged, 0, fmt(sdkPerHour), fmt(sdkLagS), '(reference)', '–'],
      ],
    );
    process.stdout.write(`\n${tbl}\n\n`);
    const m = machine();
    const md = [
      `# API benchmark (${hours} h of training steps, time scale ${timeScale})`,
      '',
      tbl,
      '',
      `- Twin jobs on the same uploaded file (${BENCH_MODEL}, n_epochs ${nEpochs}, eval_epochs ${evalEpochs}), created within real milliseconds of each other.`,
      `- wanflow: requests counted from the first pollTraining to the moment the workflow left 'training' (collectPreviews scheduled), divided by the job's create→end time.`,
      `  The "noticed" time is that moment on the emulated clock minus the job's end_time (1 s resolution).`,
      `- SDK loop: GET /api/v1/fine-tunes/{id}, then sleep 30 s / ${timeScale} real, until terminal; every GET counted (${sdkGets} made, ${sdkLogged} in the log).`,
      `- ${machineLine(m)}`,
    ].join('\n');
    writeResults('api', {
      machine: m,
      params: { hours, timeScale, nEpochs, evalEpochs, model: BENCH_MODEL, wanflowPollSeconds: WANFLOW_POLL_S, sdkSleepSeconds: SDK_SLEEP_S },
      wanflow: { jobId: job.job_id, jobHours, jobGets: wfJobGets, logGets: wfLogGets, perHour: wfPerHour, noticedAfterSeconds: wfLagS },
      sdk: { jobId: twin.job_id, jobHours: twinHours, gets: sdkLogged, perHour: sdkPerHour, noticedAfterSeconds: sdkLagS },
      met: wfPerHour < sdkPerHour && wfLagS <= WANFLOW_POLL_S,
    }, md);
  } finally {
    await env.close();
  }
}
