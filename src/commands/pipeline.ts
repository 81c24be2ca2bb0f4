/** The pipeline commands of the wanflow CLI: run, status, follow, approve, cancel, list. */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { formatValidateResult, runValidate } from './validate';
import { defaultWorkflowId, startPipeline, WORKFLOW_TYPE } from '../pipelines';
import { AigcConfigSchema, DEFAULT_AIGC_CONFIG, MODEL_IDS, NOTIFY_EVENTS, parsePipelineInput, type NotifyEvent, type PipelineInput } from '../workflows/input';
import { budgetViolation, formatCost } from '../catalog/budget';
import { estimateFor } from '../workflows/cost';
import type { DatasetSummary, PlanSummary } from '../workflows/types';
import { approveCheckpointUpdate } from '../workflows/messages';
import { addTemporalFlags, collectSet, ensureSearchAttributesFor, printJson, temporalConfig, withClient, type TemporalFlags } from './common';
import { followPipeline, queryStatus, rootMessage, type FollowOutcome } from './follow';
import { describe as describeStatus } from './progress';
import { trainingStatusAt } from '../workflows/trainingPoll';
import { formatDuration } from '../workflows/util';

interface RunFlags extends TemporalFlags {
  model: string;
  validation?: string;
  set?: Record<string, string>;
  checkpoint: string;
  approvalTimeout: string;
  fallback: 'final' | 'latest' | 'fail';
  aigcConfig?: string;
  generate?: number;
  workflowId?: string;
  follow?: boolean;
  artifacts: string;
  fromJob?: string;
  fromModel?: string;
  keepDeployment?: boolean;
  pollTraining?: string;
  label?: string;
  notify?: string;
  notifyEvents?: NotifyEvent[];
  reviewUrl?: string;
  maxCost?: number;
  videoPrice?: number;
}

function amount(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError('must be a non-negative number, e.g. 25 or 0.5');
  return n;
}

function eventList(v: string): NotifyEvent[] {
  const events = v.split(',').map((e) => e.trim()).filter(Boolean);
  const bad = events.filter((e) => !(NOTIFY_EVENTS as readonly string[]).includes(e));
  if (bad.length || events.length === 0) throw new InvalidArgumentError(`unknown event(s) ${bad.join(', ') || '(none)'}; choose from ${NOTIFY_EVENTS.join(', ')}`);
  return events as NotifyEvent[];
}

function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer');
  return n;
}

/** Builds the workflow input from CLI flags (exported for tests and `npm start`). */
export async function buildRunInput(zip: string | undefined, flags: RunFlags): Promise<{ input: PipelineInput; workflowId: string }> {
  const aigcConfig = flags.aigcConfig ? AigcConfigSchema.parse(JSON.parse(readFileSync(flags.aigcConfig, 'utf8'))) : DEFAULT_AIGC_CONFIG;
  const checkpoint: PipelineInput['checkpoint'] =
    flags.checkpoint === 'final'
      ? { policy: 'final' }
      : flags.checkpoint === 'manual'
        ? { policy: 'manual', approvalTimeout: flags.approvalTimeout, fallback: flags.fallback }
        : { policy: 'named', name: flags.checkpoint };
  let source: PipelineInput['source'];
  let idPart: string;
  let checkedPlan: { plan: PlanSummary; dataset: Pick<DatasetSummary, 'billableSeconds'> } | undefined;
  const sources = [zip, flags.fromJob, flags.fromModel].filter(Boolean).length;
  if (sources !== 1) throw new Error('give exactly one of <zip>, --from-job <job_id> or --from-model <model_name>');
  if (zip) {
    const path = resolve(zip);
    if (!existsSync(path)) throw new Error(`<zip>: no such file: ${path}`);
    // Check everything here, before anything starts or is uploaded; the worker checks again.
    const checked = await runValidate(path, {
      model: flags.model,
      validation: flags.validation,
      set: Object.entries(flags.set ?? {}).map(([k, v]) => `${k}=${v}`),
    });
    if (!checked.ok) throw new Error(`the dataset or hyper-parameters have problems; nothing was started:\n${formatValidateResult(checked)}`);
    const sha256 = checked.training.sha256;
    checkedPlan = { plan: checked.plan as unknown as PlanSummary, dataset: { billableSeconds: checked.training.stats.billableSeconds } };
    source = {
      kind: 'dataset',
      training: { path, sha256 },
      validation: flags.validation && checked.validation ? { path: resolve(flags.validation), sha256: checked.validation.sha256 } : undefined,
    };
    idPart = sha256;
  } else if (flags.fromJob) {
    source = { kind: 'job', jobId: flags.fromJob };
    idPart = flags.fromJob;
  } else {
    source = { kind: 'model', modelName: flags.fromModel! };
    idPart = flags.fromModel!;
  }
  const input: PipelineInput = {
    version: 1,
    model: flags.model as PipelineInput['model'],
    source,
    hyperParameters: flags.set ?? {},
    checkpoint,
    deployment: { aigcConfig },
    generate: flags.generate ? { count: flags.generate } : undefined,
    artifactsDir: resolve(flags.artifacts),
    cleanup: { deleteDeployment: flags.keepDeployment ? 'never' : 'on-cancel-or-failure', cancelJob: true },
    polling: flags.pollTraining ? { training: flags.pollTraining, export: '15s', deployment: '30s', task: '15s' } : undefined,
    label: flags.label,
    notify: flags.notify ? { url: flags.notify, ...(flags.notifyEvents ? { events: flags.notifyEvents } : {}), ...(flags.reviewUrl ? { reviewUrl: flags.reviewUrl } : {}) } : undefined,
    budget:
      flags.maxCost !== undefined ? { maxCost: flags.maxCost, ...(flags.videoPrice !== undefined ? { videoPricePerSecond: flags.videoPrice } : {}) } : undefined,
  };
  if (flags.videoPrice !== undefined && flags.maxCost === undefined) throw new Error('--video-price is the price used by the --max-cost check; give --max-cost too');
  if ((flags.notifyEvents || flags.reviewUrl) && !flags.notify) throw new Error('--notify-events and --review-url need --notify <url>');
  // The cost cap, here before anything starts (the worker checks again before uploading).
  const resolved = parsePipelineInput(input);
  const violation = resolved.budget && budgetViolation(estimateFor(resolved, checkedPlan?.plan, checkedPlan?.dataset as DatasetSummary | undefined));
  if (violation) throw new Error(`${violation}. Nothing was started or uploaded.`);
  const workflowId = flags.workflowId ?? (zip ? defaultWorkflowId(flags.model, idPart) : `wanflow-${flags.model}-${idPart}`.replace(/[^A-Za-z0-9._-]/g, '-'));
  return { input, workflowId };
}

/** Prints how a followed pipeline ended; `detachedNote` replaces the default Ctrl-C line (npm start stops its worker too). */
export function printOutcome(o: FollowOutcome, json?: boolean, detachedNote = 'detached; the pipeline keeps running on its workers (npx wanflow follow <id> to watch it again)'): number {
  if (json) {
    printJson(o);
  } else if (o.outcome === 'succeeded') {
    const r = o.result;
    process.stdout.write(
      [
        `pipeline ${r.workflowId} succeeded`,
        `  deployed model: ${r.deployedModel} (from ${r.checkpoint === 'final' ? 'the final output' : r.checkpoint}, model_name ${r.modelName})`,
        r.jobId ? `  job: ${r.jobId}${r.usage !== undefined ? `, usage ${r.usage} tokens` : ''}` : undefined,
        r.fileId ? `  file: ${r.fileId}` : undefined,
        r.cost ? `  cost: ${formatCost(r.cost)}` : undefined,
        `  artifacts: ${r.artifacts.previews.length} previews, ${r.artifacts.videos.length} videos${r.artifacts.videos[0] ? ` (${r.artifacts.videos[0]})` : ''}`,
        `  stages: ${Object.entries(r.stageTimings)
          .map(([k, v]) => `${k} ${formatDuration(v)}`)
          .join(', ')}`,
      ]
        .filter(Boolean)
        .join('\n') + '\n',
    );
  } else if (o.outcome === 'detached') {
    process.stderr.write(`${detachedNote}\n`);
  } else {
    process.stderr.write(`pipeline ${o.outcome}: ${o.reason}\n`);
  }
  return o.outcome === 'succeeded' || o.outcome === 'detached' ? 0 : 1;
}

/** Follows until the end, detaching (not cancelling) on Ctrl-C. */
async function followWithDetach(client: Parameters<typeof followPipeline>[0], workflowId: string, json?: boolean): Promise<number> {
  const ac = new AbortController();
  const onSigint = () => ac.abort();
  process.once('SIGINT', onSigint);
  try {
    const outcome = await followPipeline(client, workflowId, { signal: ac.signal, onStatus: json ? (s) => process.stdout.write(`${JSON.stringify(s)}\n`) : undefined });
    return printOutcome(outcome, json);
  } finally {
    process.off('SIGINT', onSigint);
  }
}

export function pipelineCommands(): Command[] {
  const run = addTemporalFlags(
    new Command('run')
      .description('Start a pipeline: validate, upload, fine-tune, choose a checkpoint, export, deploy and (optionally) generate videos')
      .argument('[zip]', 'training dataset (.zip with data.jsonl at its root)')
      .addOption(new Option('--model <id>', 'base model').choices([...MODEL_IDS]).makeOptionMandatory())
      .option('--validation <zip>', 'validation dataset (.zip); otherwise the training set is split')
      .option('--set <key=value>', 'hyper-parameter override, repeatable (e.g. --set n_epochs=500)', collectSet)
      .option('--checkpoint <policy>', 'what to deploy: final | checkpoint-<step> | manual', 'final')
      .option('--approval-timeout <duration>', 'with --checkpoint manual: how long to wait for `wanflow approve`', '24h')
      .addOption(new Option('--fallback <policy>', 'with --checkpoint manual: what to deploy when nobody approves').choices(['final', 'latest', 'fail']).default('final'))
      .option('--aigc-config <file.json>', 'deployment prompt configuration {use_input_prompt, prompt, lora_prompt_default}')
      .option('--generate <n>', 'generate n sample videos with the deployed model', positiveInt)
      .option('--from-job <job_id>', 'attach to an existing fine-tune job instead of a dataset')
      .option('--from-model <model_name>', 'deploy an exported model only')
      .option('--keep-deployment', 'do not delete the deployment if the pipeline fails or is cancelled')
      .option('--poll-training <duration>', 'interval between training status checks', undefined)
      .option('--workflow-id <id>', 'default: wanflow-<model>-<first 12 hex of the dataset sha256>')
      .option('--task-queue <name>', 'env WANFLOW_TASK_QUEUE, default "wanflow"')
      .option('--artifacts <dir>', "where previews and videos go (on the worker's machine)", 'artifacts')
      .option('--label <text>', 'free text shown in the Web UI')
      .option('--notify <url>', 'POST signed webhook events (approval-needed, succeeded, failed, cancelled) to this URL; the worker signs with WANFLOW_WEBHOOK_SECRET')
      .option('--notify-events <list>', `with --notify: comma-separated events to send (default: all of ${NOTIFY_EVENTS.join(',')})`, eventList)
      .option('--review-url <url>', 'with --notify: review page link for approval-needed events ("{workflowId}" is replaced)')
      .option('--max-cost <amount>', 'refuse to start when the estimated cost (training + sample videos) exceeds this, in USD', amount)
      .option('--video-price <amount>', 'with --max-cost and --generate: price of one second of generated video, in USD', amount)
      .option('--follow', 'stay and show progress until the pipeline ends (Ctrl-C detaches)'),
  )
    .addHelpText('after', '\nExamples:\n  wanflow run data/wan-i2v.zip --model wan2.2-i2v-flash --follow\n  wanflow run data/set.zip --model wan2.5-i2v-preview --set n_epochs=500 --checkpoint manual\n  wanflow run --from-job ft-202511111122-ab12 --model wan2.5-i2v-preview\n  wanflow run data/set.zip --model wan2.2-i2v-flash --max-cost 20 --notify https://hooks.example.com/wanflow')
    .action(async (zip: string | undefined, flags: RunFlags) => {
      const cfg = temporalConfig(flags);
      const { input, workflowId } = await buildRunInput(zip, flags);
      await withClient(cfg, async (client) => {
        // Before anything starts: a namespace without wanflow's search attributes would refuse the start (or fail a
        // workflow task later); add them where allowed, else stop here with the commands that create them.
        await ensureSearchAttributesFor(client, cfg, (line) => !flags.json && process.stderr.write(`${line}\n`));
        const started = await startPipeline(client, input, { taskQueue: cfg.taskQueue, workflowId });
        if (flags.json && !flags.follow) printJson({ workflowId, attached: started.attached });
        else if (!flags.json) {
          process.stderr.write(`${started.attached ? 'attached to the running pipeline' : 'started pipeline'} ${workflowId}\n`);
        }
        if (flags.follow) process.exitCode = await followWithDetach(client, workflowId, flags.json);
      });
    });

  const status = addTemporalFlags(new Command('status').description("Show a pipeline's stage, job progress, checkpoints and deployment").argument('<workflow-id>')).action(
    async (workflowId: string, flags: TemporalFlags) => {
      await withClient(temporalConfig(flags), async (client) => {
        const handle = client.workflow.getHandle(workflowId);
        const d = await handle.describe();
        const s = await queryStatus(client, handle).catch(() => undefined);
        if (!s) {
          const note = 'no worker answered the status query within 5 s; start a worker (wanflow worker) for the details';
          if (flags.json) return printJson({ workflowId, workflowStatus: d.status.name, note });
          return void process.stdout.write(`${workflowId}  ${d.status.name}\n  (${note})\n`);
        }
        if (flags.json) return printJson({ workflowStatus: d.status.name, ...s });
        const lines = [
          `${workflowId}  ${d.status.name}  stage ${s.stage}`,
          `  ${describeStatus(s)}`,
          s.waitingFor ? `  waiting for account capacity: ${s.waitingFor.message} (retrying until ${new Date(s.waitingFor.untilMs).toISOString()})` : undefined,
          s.jobId ? `  job ${s.jobId} ${s.job?.status ?? ''}${s.stage === 'training' && s.training ? `: ${trainingStatusAt(s.training, Date.now()).text}` : ''}${s.job?.epoch !== undefined ? ` (epoch ${s.job.epoch}/${s.job.totalEpochs})` : ''}` : undefined,
          s.job?.logsTail.length ? `  last log: ${s.job.logsTail[s.job.logsTail.length - 1]}` : undefined,
          s.checkpoints.length ? `  checkpoints: ${s.checkpoints.map((c) => c.checkpoint).join(', ')}` : undefined,
          s.deployedModel ? `  deployment ${s.deployedModel} ${s.deploymentStatus ?? ''}` : undefined,
          s.cost ? `  cost: ${formatCost(s.cost)}` : undefined,
          ...(s.notifications ?? []).filter((n) => n.state !== 'delivered').map((n) => `  webhook ${n.event} ${n.state}${n.error ? `: ${n.error}` : ''}`),
          s.error ? `  error: ${s.error}` : undefined,
        ];
        process.stdout.write(`${lines.filter(Boolean).join('\n')}\n`);
      });
    },
  );

  const follow = addTemporalFlags(new Command('follow').description('Show live progress until the pipeline ends (Ctrl-C detaches; it keeps running)').argument('<workflow-id>')).action(
    async (workflowId: string, flags: TemporalFlags) => {
      await withClient(temporalConfig(flags), async (client) => {
        process.exitCode = await followWithDetach(client, workflowId, flags.json);
      });
    },
  );

  const approve = addTemporalFlags(
    new Command('approve').description('Choose the checkpoint to deploy for a pipeline waiting for approval').argument('<workflow-id>').argument('<checkpoint>', '"final" or checkpoint-<step>'),
  ).action(async (workflowId: string, checkpoint: string, flags: TemporalFlags) => {
    await withClient(temporalConfig(flags), async (client) => {
      try {
        const r = await client.workflow.getHandle(workflowId).executeUpdate(approveCheckpointUpdate, { args: [checkpoint] });
        if (flags.json) printJson(r);
        else process.stdout.write(`approved ${r.checkpoint} for ${workflowId}\n`);
      } catch (err) {
        if (err instanceof WorkflowUpdateFailedError) throw new Error(`approval rejected: ${rootMessage(err)}`);
        throw err;
      }
    });
  });

  const cancel = addTemporalFlags(new Command('cancel').description('Cancel a pipeline: its training job is cancelled and a deployment it created deleted (per its cleanup option)').argument('<workflow-id>')).action(
    async (workflowId: string, flags: TemporalFlags) => {
      await withClient(temporalConfig(flags), async (client) => {
        const handle = client.workflow.getHandle(workflowId);
        // The server accepts a cancel request for a closed run without complaint; do not claim one is under way.
        const { status } = await handle.describe();
        if (status.name !== 'RUNNING') throw new Error(`pipeline ${workflowId} is not running (${status.name}); there is nothing to cancel`);
        await handle.cancel();
        if (flags.json) printJson({ workflowId, cancelRequested: true });
        else process.stdout.write(`cancellation requested for ${workflowId}; clean-up runs in the pipeline (wanflow follow ${workflowId})\n`);
      });
    },
  );

  const list = addTemporalFlags(
    new Command('list').description('List pipelines with their stage and model').option('--all', 'include closed pipelines (default: running only)').option('--limit <n>', 'at most n', positiveInt, 50),
  ).action(async (flags: TemporalFlags & { all?: boolean; limit: number }) => {
    await withClient(temporalConfig(flags), async (client) => {
      const query = `WorkflowType = '${WORKFLOW_TYPE}'${flags.all ? '' : " AND ExecutionStatus = 'Running'"}`;
      const rows: { workflowId: string; status: string; stage?: string; model?: string; jobId?: string; deployedModel?: string; started: string }[] = [];
      for await (const w of client.workflow.list({ query })) {
        const sa = w.searchAttributes as Record<string, unknown[] | undefined>;
        rows.push({
          workflowId: w.workflowId,
          status: w.status.name,
          stage: sa.WanflowStage?.[0] as string | undefined,
          model: sa.WanflowBaseModel?.[0] as string | undefined,
          jobId: sa.WanflowJobId?.[0] as string | undefined,
          deployedModel: sa.WanflowDeployedModel?.[0] as string | undefined,
          started: w.startTime.toISOString(),
        });
        if (rows.length >= flags.limit) break;
      }
      if (flags.json) return printJson(rows);
      if (rows.length === 0) return void process.stdout.write(flags.all ? 'no pipelines\n' : 'no running pipelines (--all shows closed ones)\n');
      for (const r of rows) {
        process.stdout.write(`${r.workflowId}  ${r.status}  ${r.stage ?? '-'}  ${r.model ?? '-'}  ${r.jobId ?? ''} ${r.deployedModel ?? ''}\n`);
      }
    });
  });

  return [run, status, follow, approve, cancel, list];
}
