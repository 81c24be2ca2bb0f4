/**
 * fineTunePipeline: dataset → upload → fine-tune job → hours of training → previews → checkpoint choice → export →
 * LoRA deployment → RUNNING → sample videos. Deterministic: all I/O happens in activities (src/activities).
 */
import {
  ActivityCancellationType,
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
  log,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
  type ActivityOptions,
} from '@temporalio/workflow';
import type { Duration } from '@temporalio/common';
import type { createActivities } from '../activities';
import { parsePipelineInput, type PipelineInput, type ResolvedPipelineInput } from './input';
import { approveCheckpointUpdate, statusQuery } from './messages';
import * as presets from './options';
import { PIPELINE_FAILURE_TYPES } from './options';
import { WanflowBaseModel, WanflowDeployedModel, WanflowJobId, WanflowStage } from './search-attributes';
import { renderDetails } from './details';
import { createJobWithinCapacity } from './capacity';
import { trainingPollArgs, trainingPollOptions, trainingStatus } from './trainingPoll';
import { createNotifier, reviewLink } from './notifier';
import { addProgressPoint } from './progressSeries';
import { estimateFor, withActual } from './cost';
import { budgetViolation } from '../catalog/budget';
import { checkpointStep, compareCheckpoints, durationToMs, formatBytes, progressBucket, shortHash, TERMINAL_JOB_STATUSES } from './util';
import type { CheckpointInfo, JobSnapshot, PipelineResult, PipelineStatus, Stage, VideoImage } from './types';

type Activities = ReturnType<typeof createActivities>;
const acts = proxyActivities<Activities>(presets.apiCall);


/** Calls an activity with a preset and a one-line summary that the Web UI shows. */
function call<K extends keyof Activities>(
  name: K,
  options: ActivityOptions,
  summary: string,
  ...args: Parameters<Activities[K]>
): Promise<Awaited<ReturnType<Activities[K]>>> {
  const fn = acts[name] as unknown as { executeWithOptions(o: ActivityOptions, a: unknown[]): Promise<unknown> };
  const run = () => fn.executeWithOptions({ ...options, summary }, args) as Promise<Awaited<ReturnType<Activities[K]>>>;
  return AWAITED_ON_CANCEL.has(name) ? CancellationScope.nonCancellable(run) : run();
}

/**
 * The job creation while waiting for account capacity (hours): cancellable, unlike the plain creation, but a
 * cancellation waits for an attempt in flight to end (WAIT_CANCELLATION_COMPLETED), so no create races clean-up.
 */
function callWhileWaiting(options: ActivityOptions, summary: string, args: Parameters<Activities['createFineTuneJob']>[0]) {
  const fn = acts.createFineTuneJob as unknown as { executeWithOptions(o: ActivityOptions, a: unknown[]): Promise<unknown> };
  return fn.executeWithOptions({ ...options, summary, cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED }, [args]) as ReturnType<Activities['createFineTuneJob']>;
}

/**
 * Creations that run to their end even when the pipeline is cancelled meanwhile: an abandoned in-flight create still
 * creates (a job that trains, a deployment that bills), and clean-up only knows what a call returned. The next call
 * after it sees the cancellation, and clean-up then cancels the job or deletes the deployment.
 */
const AWAITED_ON_CANCEL = new Set<string>(['createFineTuneJob', 'createDeployment']);

export async function fineTunePipeline(rawInput: PipelineInput): Promise<PipelineResult> {
  let input: ResolvedPipelineInput;
  try {
    input = parsePipelineInput(rawInput);
  } catch (err) {
    throw ApplicationFailure.create({ type: 'InvalidPipelineInput', message: (err as Error).message, nonRetryable: true });
  }
  /** Activity option presets, with the input's timeout overrides (none: the presets as declared). */
  const p = presets.presetsFor(input.timeouts as presets.TimeoutOverrides | undefined);
  const info = workflowInfo();
  const pipelineId = shortHash(`${info.workflowId}/${info.firstExecutionRunId}`);
  const artifactsDir = `${input.artifactsDir.replace(/\/+$/, '')}/${info.workflowId}`;

  const status: PipelineStatus = {
    workflowId: info.workflowId,
    model: input.model,
    label: input.label,
    stage: 'validating',
    startedAtMs: Date.now(),
    stageStartedAtMs: Date.now(),
    stageTimings: {},
    checkpoints: [],
    artifacts: { previews: [], videos: [] },
    artifactsDir,
    progressSeries: [],
  };
  /** Billed seconds of each generated video, for the actual cost. */
  const videoSeconds: (number | undefined)[] = [];
  /** What this pipeline created remotely, for clean-up. */
  const created: { jobId?: string; deployedModel?: string } = {};
  let approval: string | undefined;

  setHandler(statusQuery, () => status);
  setHandler(
    approveCheckpointUpdate,
    (checkpoint: string) => {
      approval = checkpoint;
      return { checkpoint };
    },
    {
      validator: (checkpoint: string) => {
        if (status.stage !== 'awaiting-approval' || !status.awaitingApproval) {
          throw new Error(`not waiting for approval (stage: ${status.stage}); approval opens when training has finished`);
        }
        const candidates = status.awaitingApproval.candidates;
        if (checkpoint !== 'final' && !candidates.includes(checkpoint)) {
          throw new Error(`unknown checkpoint "${checkpoint}": choose "final" or one of ${candidates.join(', ') || '(none)'}`);
        }
      },
      description: 'Choose the checkpoint to deploy ("final" or checkpoint-<step>) while the pipeline awaits approval',
    },
  );

  const enter = (stage: Stage) => {
    const now = Date.now();
    if (status.stage !== stage) {
      status.stageTimings[status.stage] = (status.stageTimings[status.stage] ?? 0) + (now - status.stageStartedAtMs);
    }
    status.stage = stage;
    status.stageStartedAtMs = now;
    upsertSearchAttributes([{ key: WanflowStage, value: stage }]);
    publish();
  };
  const publish = () => setCurrentDetails(renderDetails(status));
  const notifier = createNotifier(input, status, p.webhook, publish);
  const summary = () => ({
    model: input.model,
    label: input.label,
    stage: status.stage,
    jobId: status.jobId,
    checkpoint: status.checkpoint,
    deployedModel: status.deployedModel,
    cost: status.cost,
  });

  upsertSearchAttributes([
    { key: WanflowBaseModel, value: input.model },
    { key: WanflowStage, value: 'validating' },
  ]);

  try {
    const result = await run();
    enter('succeeded');
    status.result = result;
    publish();
    await notifier.send('succeeded', { ...summary(), modelName: result.modelName, videos: result.artifacts.videos.length });
    await notifier.settle();
    return result;
  } catch (err) {
    const cancelled = isCancellation(err);
    status.error = cancelled ? 'cancelled' : describeError(err);
    await CancellationScope.nonCancellable(() => cleanUp(cancelled ? 'cancel' : 'failure'));
    enter(cancelled ? 'cancelled' : 'failed');
    await CancellationScope.nonCancellable(async () => {
      await notifier.send(cancelled ? 'cancelled' : 'failed', { ...summary(), error: status.error, failureType: failureType(err) });
      await notifier.settle();
    });
    throw err;
  }

  async function run(): Promise<PipelineResult> {
    let fileId: string | undefined;
    let validationFileId: string | undefined;
    let jobId: string | undefined;
    let finetunedOutput: string | undefined;
    const src = input.source;
    // Without a plan (an existing job or model) only the sample videos are estimated; check the cap before anything.
    if (src.kind !== 'dataset') checkBudget();

    if (src.kind === 'dataset') {
      // 1. Validate and plan: fails fast with every problem listed.
      const inspected = await call(
        'inspectAndPlan',
        p.localWork,
        `validate ${basename(src.training.path)} for ${input.model}`,
        { model: input.model, training: src.training, validation: src.validation, hyperParameters: input.hyperParameters },
      );
      status.dataset = inspected.training;
      status.plan = inspected.plan;
      log.info('dataset valid', { samples: inspected.training.samples, totalSteps: inspected.plan.totalSteps, estimatedCost: inspected.plan.estimatedCost });
      // The cost cap, before anything is uploaded.
      checkBudget();

      // 2. Upload, reusing a file of the same content.
      enter('uploading');
      const up = await call(
        'uploadDataset',
        p.upload,
        `upload ${inspected.training.filename} (${formatBytes(inspected.training.bytes)})`,
        { path: src.training.path, sha256: inspected.training.sha256 },
      );
      fileId = status.fileId = up.fileId;
      if (src.validation && inspected.validation) {
        const vup = await call(
          'uploadDataset',
          p.upload,
          `upload ${inspected.validation.filename} (${formatBytes(inspected.validation.bytes)})`,
          { path: src.validation.path, sha256: inspected.validation.sha256 },
        );
        validationFileId = vup.fileId;
      }

      // 3. Create the job exactly once (adopting the one this pipeline created if a response was lost).
      enter('creating-job');
      const createArgs = {
        model: input.model,
        trainingFileIds: [fileId],
        validationFileIds: validationFileId ? [validationFileId] : [],
        hyperParameters: inspected.plan.hyperParameters,
        jobName: `wanflow-${pipelineId}`,
      };
      // Waits (slowly, visibly) when the account's job quota is full; see capacity.ts.
      const job = await createJobWithinCapacity(
        (options, waitForCapacity) =>
          waitForCapacity
            ? callWhileWaiting(options, `create fine-tune job for ${input.model} (waiting for account capacity)`, { ...createArgs, waitForCapacity })
            : call('createFineTuneJob', options, `create fine-tune job for ${input.model}`, createArgs),
        p.apiCall,
        input.capacityWait,
        status,
        publish,
      );
      jobId = created.jobId = job.jobId;
      status.job = job;
    } else if (src.kind === 'job') {
      jobId = src.jobId;
      status.job = await call('getJob', p.apiCall, `get ${src.jobId}`, src.jobId);
    } else {
      finetunedOutput = src.modelName;
    }

    let checkpoint = 'final';
    let modelName: string;
    if (jobId) {
      status.jobId = jobId;
      upsertSearchAttributes([{ key: WanflowJobId, value: jobId }]);

      // 4. Wait for training: each poll returns only on news (a status change or another tenth of progress).
      enter('training');
      let snap: JobSnapshot = status.job!;
      addProgressPoint(status.progressSeries!, snap, Date.now());
      while (!TERMINAL_JOB_STATUSES.has(snap.status)) {
        snap = await call(
          'pollTraining',
          trainingPollOptions(p, input.polling),
          `poll ${jobId} ${snap.status}${snap.phase ? ` ${snap.phase}` : ''}${snap.progress !== undefined ? ` ${Math.round(snap.progress * 100)} %` : ''}`,
          { jobId, lastStatus: snap.status, lastBucket: progressBucket(snap), knownLogLines: snap.logLines, ...trainingPollArgs(snap, status.plan, input.polling) },
        );
        status.job = snap;
        status.training = trainingStatus(snap);
        status.trainingEtaMs = status.training.etaMs;
        // The chart's progress: the documented signals' estimate (consumed tokens against the plan, milestones) when the
        // job reports no progress field of its own (the real service does not).
        addProgressPoint(status.progressSeries!, { ...snap, progress: snap.progress ?? status.training.fraction }, Date.now());
        publish();
      }
      if (status.cost) status.cost = withActual(status.cost, input, src.kind === 'dataset', snap.usage, videoSeconds);
      if (snap.status === 'FAILED') {
        throw ApplicationFailure.create({
          type: PIPELINE_FAILURE_TYPES.jobFailed,
          message: `fine-tune job ${jobId} FAILED: ${snap.message ?? 'no message'}`,
          nonRetryable: true,
        });
      }
      if (snap.status === 'CANCELED') {
        throw ApplicationFailure.create({ type: PIPELINE_FAILURE_TYPES.jobCanceled, message: `fine-tune job ${jobId} was CANCELED outside this pipeline`, nonRetryable: true });
      }
      finetunedOutput = snap.finetunedOutput;

      // 5. Previews of every checkpoint, downloaded before their URLs expire (24 h).
      enter('collecting-previews');
      const previews = await call('collectPreviews', p.download, `download validation previews of ${jobId}`, { jobId, dir: `${artifactsDir}/previews` });
      status.artifacts.previews = previews.files;
      status.checkpoints = (await call('listCheckpoints', p.apiCall, `list checkpoints of ${jobId}`, jobId)).sort(compareCheckpoints);
      publish();

      // 6. Choose what to deploy.
      checkpoint = await chooseCheckpoint(status.checkpoints);
    }

    if (checkpoint === 'final') {
      if (!finetunedOutput) throw ApplicationFailure.create({ type: 'NoFinetunedOutput', message: `job ${jobId} has no finetuned_output to deploy`, nonRetryable: true });
      modelName = finetunedOutput;
    } else {
      // 7. Export the checkpoint under a unique name, then wait until the export SUCCEEDED.
      enter('exporting');
      const displayName = `wanflow-${pipelineId}-c${checkpointStep(checkpoint)}`;
      await call('exportCheckpoint', p.apiCall, `export ${checkpoint} of ${jobId} as ${displayName}`, { jobId: jobId!, checkpoint, modelName: displayName });
      modelName = await call('pollExport', p.poll(input.polling.export as Duration, '1d'), `poll export of ${checkpoint}`, { jobId: jobId!, checkpoint });
    }
    status.checkpoint = checkpoint;
    status.modelName = modelName;

    // 8. Deploy exactly once and wait for RUNNING.
    enter('deploying');
    const dep = await call('createDeployment', p.apiCall, `deploy ${modelName} (plan lora, capacity 1)`, { modelName, aigcConfig: input.deployment.aigcConfig });
    if (!dep.adopted) created.deployedModel = dep.deployedModel;
    status.deployedModel = dep.deployedModel;
    status.deploymentStatus = dep.status;
    upsertSearchAttributes([{ key: WanflowDeployedModel, value: dep.deployedModel }]);
    publish();
    if (dep.status !== 'RUNNING') {
      const running = await call('pollDeployment', p.poll(input.polling.deployment as Duration, '1d'), `poll deployment ${dep.deployedModel}`, { deployedModel: dep.deployedModel });
      status.deploymentStatus = running.status;
    }

    // 9. Sample videos from the deployed model.
    if (input.generate) {
      enter('generating');
      // Given images, or the first frames of the training set's first samples.
      const images: VideoImage[] =
        input.generate.images?.map((path) => ({ path })) ??
        (src.kind === 'dataset' ? Array.from({ length: input.generate.count }, (_, sample) => ({ zipPath: src.training.path, sample })) : []);
      if (images.length === 0) {
        throw ApplicationFailure.create({ type: PIPELINE_FAILURE_TYPES.localFile, message: 'generate: no images given (generate.images) and no dataset to take first frames from', nonRetryable: true });
      }
      const taskIds: string[] = [];
      for (let i = 0; i < Math.min(images.length, input.generate.count); i++) {
        const taskId = await call('submitVideo', p.apiCall, `generate video ${i + 1}/${input.generate.count} with ${dep.deployedModel}`, {
          model: input.model,
          deployedModel: dep.deployedModel,
          image: images[i],
          prompt: input.generate.prompt,
          resolution: input.generate.resolution,
          // Only this pipeline submits to a deployment it created: a retry may adopt the task a lost response hid.
          knownTaskIds: taskIds,
          exclusive: created.deployedModel === dep.deployedModel,
        });
        taskIds.push(taskId);
        const video = await call('pollVideo', p.poll(input.polling.task as Duration, '1d'), `wait for video task ${taskId}`, { taskId, dir: `${artifactsDir}/videos` });
        status.artifacts.videos.push(video.path);
        videoSeconds.push(video.seconds);
        if (status.cost) status.cost = withActual(status.cost, input, src.kind === 'dataset', status.job?.usage, videoSeconds);
        publish();
      }
    }

    return {
      workflowId: info.workflowId,
      model: input.model,
      fileId,
      validationFileId,
      jobId,
      checkpoint,
      modelName,
      deployedModel: dep.deployedModel,
      usage: status.job?.usage,
      estimatedCost: status.plan?.estimatedCost,
      ...(status.cost ? { cost: status.cost } : {}),
      artifacts: status.artifacts,
      stageTimings: { ...status.stageTimings, [status.stage]: (status.stageTimings[status.stage] ?? 0) + (Date.now() - status.stageStartedAtMs) },
    };
  }

  async function chooseCheckpoint(checkpoints: CheckpointInfo[]): Promise<string> {
    const policy = input.checkpoint;
    const names = checkpoints.map((c) => c.checkpoint);
    if (policy.policy === 'final') return 'final';
    if (policy.policy === 'named') {
      if (!names.includes(policy.name)) {
        throw ApplicationFailure.create({
          type: PIPELINE_FAILURE_TYPES.checkpointUnknown,
          message: `checkpoint "${policy.name}" does not exist; the job has ${names.join(', ') || 'no checkpoints'}`,
          nonRetryable: true,
        });
      }
      return policy.name;
    }
    const timeoutMs = durationToMs(policy.approvalTimeout as Duration);
    status.awaitingApproval = { candidates: names, deadlineMs: Date.now() + timeoutMs, fallback: policy.fallback };
    enter('awaiting-approval');
    notifier.sendInBackground('approval-needed', {
      ...summary(),
      candidates: ['final', ...names],
      deadline: new Date(status.awaitingApproval.deadlineMs).toISOString(),
      fallback: policy.fallback,
      reviewUrl: reviewLink(input.notify?.reviewUrl, info.workflowId),
      reviewCommand: `wanflow review ${info.workflowId}`,
      approveCommand: `wanflow approve ${info.workflowId} <checkpoint>`,
    });
    const approved = await condition(() => approval !== undefined, timeoutMs);
    status.awaitingApproval = undefined;
    if (approved) return approval!;
    log.warn('approval timed out; applying the fallback policy', { fallback: policy.fallback });
    if (policy.fallback === 'final') return 'final';
    if (policy.fallback === 'latest' && names.length > 0) return names[names.length - 1];
    throw ApplicationFailure.create({ type: 'ApprovalTimedOut', message: `no checkpoint was approved within ${policy.approvalTimeout}`, nonRetryable: true });
  }

  /** Estimates the cost (always, for the status) and stops the pipeline when the estimate is over budget.maxCost. */
  function checkBudget(): void {
    status.cost = estimateFor(input, status.plan, status.dataset);
    publish();
    const violation = budgetViolation(status.cost);
    if (violation) throw ApplicationFailure.create({ type: PIPELINE_FAILURE_TYPES.budgetExceeded, message: violation, nonRetryable: true });
  }

  /** Undo what this pipeline created, as the input's cleanup options say. Runs in a non-cancellable scope. */
  async function cleanUp(reason: 'cancel' | 'failure'): Promise<void> {
    const before = status.stage;
    const opts = input.cleanup;
    const jobStillRunning = created.jobId && status.job && !TERMINAL_JOB_STATUSES.has(status.job.status);
    const deleteDeployment =
      created.deployedModel &&
      (opts.deleteDeployment === 'on-cancel-or-failure' || opts.deleteDeployment === (reason === 'cancel' ? 'on-cancel' : 'on-failure'));
    if (!jobStillRunning && !deleteDeployment) return;
    enter('cleaning-up');
    if (jobStillRunning && opts.cancelJob) {
      try {
        status.job = await call('cancelJob', p.apiCall, `cancel ${created.jobId}`, created.jobId!);
      } catch (err) {
        log.error('could not cancel the fine-tune job', { jobId: created.jobId, error: describeError(err) });
      }
    }
    if (deleteDeployment) {
      try {
        await call('deleteDeployment', p.apiCall, `delete deployment ${created.deployedModel}`, created.deployedModel!);
        status.deploymentStatus = 'DELETED';
      } catch (err) {
        log.error('could not delete the deployment', { deployedModel: created.deployedModel, error: describeError(err) });
      }
    }
    log.info('clean-up done', { reason, stageBefore: before });
  }
}

function describeError(err: unknown): string {
  let e = err as { message?: string; cause?: unknown } | undefined;
  // Activity failures wrap the real reason in `cause`.
  while (e && (e as { cause?: unknown }).cause && (e as { name?: string }).name === 'ActivityFailure') e = e.cause as typeof e;
  return e?.message ?? String(err);
}

function failureType(err: unknown): string | undefined {
  let e = err as { type?: string; cause?: unknown } | undefined;
  while (e && !e.type && e.cause) e = e.cause as typeof e;
  return e?.type;
}

function basename(p: string): string {
  return p.split(/[\\/]/).pop() ?? p;
}

