/**
 * Scale benchmark: N concurrent pipelines (default 1000) through the full chain (dataset → upload → job → training →
 * final checkpoint → deploy → RUNNING; no generation) on ONE worker process against the emulator.
 *
 *   npm run bench scale [-- --pipelines N] [--time-scale S] [--activities A] [--workflow-tasks W] [--max-cached C] [--worker-heap-mb H]
 *                          [--workers N] [--stack | --temporal-address HOST:PORT]
 *
 * --stack targets the production stack (`npm run stack -- up`: Temporal server on PostgreSQL) instead of a dev server of
 * the bench's own; --temporal-address any server with the `default` namespace and wanflow's search attributes.
 * --workers N runs N worker processes on the task queue (each one's RSS peak is reported).
 * --max-cached C sets WANFLOW_MAX_CACHED_WORKFLOWS=C on the worker (src/worker.ts); --worker-heap-mb H runs it with
 * --max-old-space-size=H (a worker sized for a container).
 *
 * Poll intervals are the production defaults (training 60 s, deployment 30 s) divided by the time scale, so the
 * emulator's request rate divided by the time scale is the rate the real service would see.
 * Writes bench/results/scale.json and scale.md (with --max-cached C: scale-cachedC.json/.md; on the stack with N
 * workers: scale-stack-Nw.json/.md).
 */
import { join } from 'node:path';
import { startPipeline, defaultWorkflowId } from '../src/pipelines';
import { stackDir, status as stackStatus } from '../scripts/stack';
import {
  BENCH_MODEL, STATUS_PATH, flag, STEPS_PER_EPOCH, benchInput, fmt, log, machine, machineLine, mean, met, numFlag, percentile, pool,
  startEnv, table, workflowTaskLatencies, writeResults, writeVariantDataset, eventMs,
} from './_common';

const GOALS = { rssMB: 1000, prodQps: 20 };

export default async function scaleBench(args: string[]): Promise<void> {
  const n = Math.round(numFlag(args, 'pipelines', 1000));
  const timeScale = numFlag(args, 'time-scale', 10);
  const activities = Math.round(numFlag(args, 'activities', 200));
  const workflowTasks = Math.round(numFlag(args, 'workflow-tasks', 200));
  const maxCachedFlag = flag(args, 'max-cached');
  const maxCached = maxCachedFlag === undefined ? undefined : Math.round(Number(maxCachedFlag));
  const heapFlag = flag(args, 'worker-heap-mb');
  const workerHeapMb = heapFlag === undefined ? undefined : Math.round(Number(heapFlag));
  const workerCount = Math.round(numFlag(args, 'workers', 1));
  let temporalAddress = flag(args, 'temporal-address');
  const onStack = args.includes('--stack');
  if (onStack) {
    const st = stackStatus(stackDir());
    if (!st.env || !st.parts.temporal) throw new Error('--stack: no production stack runs here; start it with `npm run stack -- up`');
    temporalAddress = st.env.TEMPORAL_ADDRESS;
  }
  const target = onStack ? 'production stack (Temporal server on PostgreSQL)' : temporalAddress ? `Temporal at ${temporalAddress}` : 'dev server';
  // 134 epochs × 6 steps = 804 steps (the service's minimum is 800): 40 min of steps, ~49 emulated min of job.
  const nEpochs = 134;
  const evalEpochs = 14;

  const env = await startEnv('scale', { timeScale, maxConcurrentJobs: n, workerConcurrency: { activities, workflowTasks }, maxCachedWorkflows: maxCached, workerHeapMb, temporalAddress, workers: workerCount });
  try {
    log(`writing ${n} distinct datasets …`);
    const datasets = await pool(Array.from({ length: n }, (_, i) => i), 8, (i) => writeVariantDataset(join(env.dir, 'datasets'), i));

    log(`starting ${n} pipelines on task queue ${env.taskQueue} …`);
    const t0 = Date.now();
    const started = await pool(datasets, 32, (ds, i) =>
      startPipeline(env.client, benchInput(ds, { timeScale, nEpochs, evalEpochs, artifactsDir: join(env.dir, 'artifacts'), label: `scale ${i}` }), {
        taskQueue: env.taskQueue,
        workflowId: defaultWorkflowId(BENCH_MODEL, ds.sha256),
      }),
    );
    const ids = started.map((s) => s.workflowId);
    if (new Set(ids).size !== n) throw new Error('workflow ids are not distinct');
    log(`started ${n} in ${fmt((Date.now() - t0) / 1000)} s; waiting for them to finish …`);

    let done = 0;
    const progress = setInterval(() => {
      const peaks = env.workers.map((w) => fmt(w.rssPeak().bytes / 1e6, 0)).join(' / ');
      log(`${done}/${n} finished; ${env.collector.entries.length} API requests so far; worker RSS peak ${peaks} MB`);
    }, 15_000);
    const outcomes = await Promise.allSettled(
      started.map((s) =>
        s.handle.result().finally(() => {
          done++;
        }),
      ),
    );
    clearInterval(progress);
    const tEnd = Date.now();
    const rss = env.worker.rssPeak();
    const rssAll = env.workers.map((w) => ({ pid: w.pid, ...w.rssPeak() }));
    const requests = await env.collector.stop();

    log('reading histories …');
    const histories = await pool(ids, 16, async (id) => (await env.client.workflow.getHandle(id).fetchHistory()).events ?? []);
    const descs = await pool(ids, 16, (id) => env.client.workflow.getHandle(id).describe());
    const succeeded = descs.filter((d) => d.status.name === 'COMPLETED').length;
    const failures = outcomes.filter((o) => o.status === 'rejected').map((o) => String((o as PromiseRejectedResult).reason?.cause?.message ?? (o as PromiseRejectedResult).reason));
    const firstStart = Math.min(...histories.map((h) => eventMs(h[0]!)));
    const lastClose = Math.max(...histories.map((h) => eventMs(h[h.length - 1]!)));
    const wallS = (lastClose - firstStart) / 1000;

    const eventsPer = histories.map((h) => h.length);
    // Which worker process ran each workflow task (identity is pid@host by default).
    const wftByPid = new Map<number, number>(env.workers.map((w) => [w.pid, 0]));
    for (const h of histories)
      for (const e of h) {
        const id = e.workflowTaskStartedEventAttributes?.identity;
        const pid = id ? Number(id.split('@')[0]) : NaN;
        if (wftByPid.has(pid)) wftByPid.set(pid, wftByPid.get(pid)! + 1);
      }
    const s2s: number[] = [];
    const s2c: number[] = [];
    for (const h of histories) {
      const l = workflowTaskLatencies(h);
      s2s.push(...l.scheduleToStart);
      s2c.push(...l.startToComplete);
    }

    // Status queries (GET job, deployment, task), real times → production rates (÷ time scale).
    const status = requests.filter((r) => r.method === 'GET' && STATUS_PATH.test(r.path));
    const logsReq = requests.filter((r) => r.method === 'GET' && /^\/api\/v1\/fine-tunes\/[^/]+\/logs$/.test(r.path));
    const times = status.map((r) => Date.parse(r.time));
    const peakIn = (ts: number[], windowMs: number) => {
      const counts = new Map<number, number>();
      for (const t of ts) counts.set(Math.floor(t / windowMs), (counts.get(Math.floor(t / windowMs)) ?? 0) + 1);
      return Math.max(0, ...counts.values());
    };
    const spanS = times.length ? (Math.max(...times) - Math.min(...times)) / 1000 : NaN;
    // Peak over 1 s of bench time = the mean over `timeScale` s of service time; ÷ timeScale gives service QPS.
    const peakBench1s = peakIn(times, 1000);
    const prodQpsPeakSmoothed = peakBench1s / timeScale;
    // Peak over 1 s of service time = a window of 1000/timeScale ms of bench time (count is already per service second).
    const prodQpsPeak1s = peakIn(times, 1000 / timeScale);
    const prodQpsMean = status.length / spanS / timeScale;
    const logsTimes = logsReq.map((r) => Date.parse(r.time));
    const prodQpsPeakWithLogs = peakIn([...times, ...logsTimes], 1000) / timeScale;
    // How closely the bench kept the production intervals: mean gap between GETs of the same job, in emulated seconds.
    const byJob = new Map<string, number[]>();
    for (const r of status) if (r.path.startsWith('/api/v1/fine-tunes/')) byJob.set(r.path, [...(byJob.get(r.path) ?? []), Date.parse(r.time)]);
    const gaps: number[] = [];
    for (const ts of byJob.values()) for (let i = 1; i < ts.length; i++) gaps.push(((ts[i]! - ts[i - 1]!) * timeScale) / 1000);

    const m = machine();
    const rssMB = rss.bytes / 1e6;
    const rows: (string | number)[][] = [
      ['pipelines finished SUCCEEDED', `${succeeded}/${n}`, `${n}/${n}`, met(succeeded === n)],
      ['wall time, first start → last close (s)', fmt(wallS), '–', '–'],
      ['pipelines per minute', fmt((succeeded / wallS) * 60), '–', '–'],
      ...(env.workers.length === 1
        ? [['worker RSS peak (MB)', fmt(rssMB, 0), `< ${GOALS.rssMB}`, met(rssMB < GOALS.rssMB)]]
        : rssAll.map((w, i) => [`worker ${i + 1} RSS peak (MB)`, fmt(w.bytes / 1e6, 0), `< ${GOALS.rssMB}`, met(w.bytes / 1e6 < GOALS.rssMB)])),
      ...(env.workers.length === 1 ? [] : [['workflow tasks per worker', env.workers.map((w) => wftByPid.get(w.pid) ?? 0).join(' / '), '–', '–']]),
      ['WFT latency schedule→start p50 / p99 (ms)', `${fmt(percentile(s2s, 50), 0)} / ${fmt(percentile(s2s, 99), 0)}`, '–', '–'],
      ['WFT latency start→complete p50 / p99 (ms)', `${fmt(percentile(s2c, 50), 0)} / ${fmt(percentile(s2c, 99), 0)}`, '–', '–'],
      ['history events per pipeline mean / max', `${fmt(mean(eventsPer))} / ${Math.max(...eventsPer)}`, '–', '–'],
      ['status GETs (job, deployment, task)', status.length, '–', '–'],
      ['service QPS, peak 1 s of service time', fmt(prodQpsPeak1s), `< ${GOALS.prodQps}`, met(prodQpsPeak1s < GOALS.prodQps)],
      [`service QPS, peak over ${timeScale} s of service time`, fmt(prodQpsPeakSmoothed), `< ${GOALS.prodQps}`, met(prodQpsPeakSmoothed < GOALS.prodQps)],
      ['service QPS, mean over the run', fmt(prodQpsMean), `< ${GOALS.prodQps}`, met(prodQpsMean < GOALS.prodQps)],
      [`service QPS incl. /logs, peak over ${timeScale} s`, fmt(prodQpsPeakWithLogs), '(info)', '–'],
      ['job poll gap, emulated s, p50 / p99 (production: 60)', `${fmt(percentile(gaps, 50))} / ${fmt(percentile(gaps, 99))}`, '60', '–'],
    ];
    const tbl = table(['figure', 'measured', 'goal', 'goal met'], rows);
    process.stdout.write(`\n${tbl}\n\n`);
    const md = [
      `# Scale benchmark (${n} concurrent pipelines, ${workerCount === 1 ? 'one worker process' : `${workerCount} worker processes`}${maxCached === undefined ? '' : ` with maxCachedWorkflows ${maxCached}`}, time scale ${timeScale}, ${target})`,
      '',
      tbl,
      '',
      `- Chain: dataset (12 samples, distinct first prompt) → upload → job (${BENCH_MODEL}, n_epochs ${nEpochs} = ${nEpochs * STEPS_PER_EPOCH} steps, ~49 emulated min) → final checkpoint → deploy → RUNNING; no generation.`,
      `- Poll intervals: production defaults ÷ ${timeScale} (training 60 s, deployment 30 s emulated). Service QPS = emulator request rate ÷ time scale.`,
      `- Worker: \`node --import tsx src/worker.ts\`${maxCached === undefined ? '' : ` with WANFLOW_MAX_CACHED_WORKFLOWS=${maxCached}`}${workerHeapMb ? `, --max-old-space-size=${workerHeapMb}` : ''}, WANFLOW_MAX_API_CALLS_PER_SECOND=12 per service second (×${timeScale} in bench time), maxConcurrentActivityTaskExecutions ${activities}, maxConcurrentWorkflowTaskExecutions ${workflowTasks}; RSS = VmRSS from /proc every 100 ms (${rss.samples} samples, ${fmt(rss.baselineBytes / 1e6, 0)} MB when ready).`,
      '- WFT latency from histories: WorkflowTaskScheduled → WorkflowTaskStarted (queueing in the task queue) and Started → Completed (worker processing).',
      onStack
        ? `- Temporal: the production stack (\`npm run stack -- up\`): Temporal server (all services in one process, 4 history shards) on PostgreSQL, sharing the same ${m.cores} cores with the workers, emulator and bench driver (and other engineers' work).`
        : `- The ${temporalAddress ? 'Temporal server' : 'dev server'}, emulator and bench driver share the same ${m.cores} cores with the worker${workerCount > 1 ? 's' : ''} (and other engineers' work).`,
      failures.length ? `- Failures (${failures.length}): ${[...new Set(failures)].slice(0, 5).join('; ')}` : '- No failures.',
      `- ${machineLine(m)}`,
    ].join('\n');
    const stackSuffix = onStack || temporalAddress ? `-${onStack ? 'stack' : 'remote'}-${workerCount}w` : workerCount > 1 ? `-${workerCount}w` : '';
    const pipelinesSuffix = stackSuffix && n !== 1000 ? `-${n}` : '';
    writeResults(`scale${stackSuffix}${pipelinesSuffix}${maxCached === undefined ? '' : `-cached${maxCached}`}${workerHeapMb ? `-heap${workerHeapMb}` : ''}`, {
      machine: m,
      target,
      workers: rssAll.map((w) => ({ pid: w.pid, rssPeakMB: w.bytes / 1e6, rssReadyMB: w.baselineBytes / 1e6, samples: w.samples, workflowTasks: wftByPid.get(w.pid) ?? 0 })),
      params: { pipelines: n, workers: workerCount, timeScale, activities, workflowTasks, maxCachedWorkflows: maxCached ?? 'SDK default', workerHeapMb: workerHeapMb ?? 'V8 default', nEpochs, evalEpochs, model: BENCH_MODEL },
      succeeded,
      failures: failures.slice(0, 20),
      wallSeconds: wallS,
      driverWaitSeconds: (tEnd - t0) / 1000,
      pipelinesPerMinute: (succeeded / wallS) * 60,
      workerRss: { peakMB: rssMB, readyMB: rss.baselineBytes / 1e6, samples: rss.samples, goalMB: GOALS.rssMB, met: rssMB < GOALS.rssMB },
      workflowTaskLatencyMs: {
        scheduleToStart: { p50: percentile(s2s, 50), p99: percentile(s2s, 99), count: s2s.length },
        startToComplete: { p50: percentile(s2c, 50), p99: percentile(s2c, 99), count: s2c.length },
      },
      historyEvents: { mean: mean(eventsPer), max: Math.max(...eventsPer), min: Math.min(...eventsPer) },
      statusQueries: {
        count: status.length,
        logsCount: logsReq.length,
        totalRequests: requests.length,
        serviceQpsPeak1s: prodQpsPeak1s,
        serviceQpsPeakOverTimeScaleSeconds: prodQpsPeakSmoothed,
        serviceQpsMean: prodQpsMean,
        serviceQpsPeakInclLogs: prodQpsPeakWithLogs,
        goal: GOALS.prodQps,
        jobPollGapEmulatedSeconds: { p50: percentile(gaps, 50), p99: percentile(gaps, 99) },
      },
    }, md);
  } finally {
    await env.close();
  }
}
