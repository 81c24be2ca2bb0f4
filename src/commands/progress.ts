/** Live progress of a pipeline in the terminal: one line per stage change, a bar while training. */
import cliProgress from 'cli-progress';
import type { PipelineStatus } from '../workflows/types';
import { formatDuration } from '../workflows/util';
import { trainingStatusAt } from '../workflows/trainingPoll';

export class ProgressView {
  private bar?: cliProgress.SingleBar;
  private lastKey = '';
  private readonly tty: boolean;

  constructor(private readonly out: NodeJS.WriteStream = process.stderr) {
    this.tty = Boolean(out.isTTY);
  }

  update(s: PipelineStatus): void {
    const key = `${s.stage}|${s.waitingFor?.message ?? ''}|${s.job?.status ?? ''}|${s.deploymentStatus ?? ''}|${s.checkpoints.length}|${s.artifacts.videos.length}`;
    if (s.stage === 'training' && s.job) {
      // A terminal bar counts down from the last estimate; a log gets a line only when the estimate is new.
      const t = s.training ? (this.tty ? trainingStatusAt(s.training, Date.now()) : s.training) : undefined;
      const pct = Math.round((t?.fraction ?? s.job.progress ?? 0) * 100);
      const payload = {
        status: s.job.status,
        epoch: s.job.epoch !== undefined ? `epoch ${s.job.epoch}/${s.job.totalEpochs}` : '',
        // "training 75 % (…), ~25m left, then ~17m transfer and checkpoint saving"; the bar shows the training part.
        eta: t ? t.text : s.trainingEtaMs !== undefined ? `~${formatDuration(s.trainingEtaMs)} left` : '',
      };
      if (this.tty) {
        if (!this.bar) {
          this.line(`training ${s.jobId}`);
          this.bar = new cliProgress.SingleBar(
            { format: '  {bar} {percentage}% | {status} {epoch} {eta}', stream: this.out, hideCursor: true, clearOnComplete: false },
            cliProgress.Presets.shades_classic,
          );
          this.bar.start(100, pct, payload);
        } else this.bar.update(pct, payload);
        this.lastKey = key;
        return;
      }
      if (key !== this.lastKey || s.job.epoch !== undefined || t !== undefined) {
        const line = `training ${s.jobId} ${payload.status} ${payload.epoch} ${payload.eta}`.trim();
        if (line !== this.lastLine) this.line(line);
      }
      this.lastKey = key;
      return;
    }
    this.stopBar();
    if (key === this.lastKey) return;
    this.lastKey = key;
    this.line(describe(s));
  }

  private lastLine = '';
  line(text: string): void {
    this.stopBar();
    this.lastLine = text;
    this.out.write(`${new Date().toISOString().slice(11, 19)} ${text}\n`);
  }

  stopBar(): void {
    if (this.bar) {
      this.bar.stop();
      this.bar = undefined;
    }
  }
}

export function describe(s: PipelineStatus): string {
  switch (s.stage) {
    case 'validating':
      return `validating the dataset for ${s.model}`;
    case 'uploading':
      return `uploading ${s.dataset?.filename ?? 'the dataset'} (${s.dataset?.samples ?? '?'} samples, plan ${s.plan?.totalSteps ?? '?'} steps${
        s.plan?.estimatedCost ? `, est. ${s.plan.estimatedCost.amount.toFixed(2)} ${s.plan.estimatedCost.currency}` : ''
      })`;
    case 'creating-job':
      return s.waitingFor ? `waiting for account capacity: ${s.waitingFor.message}` : `creating the fine-tune job (file ${s.fileId})`;
    case 'collecting-previews':
      return `training ${s.job?.status ?? ''}; downloading validation previews`;
    case 'awaiting-approval':
      return `awaiting approval: compare the checkpoints with wanflow review ${s.workflowId}, then approve there or with wanflow approve ${s.workflowId} <final|${s.awaitingApproval?.candidates.join('|') ?? ''}>`;
    case 'exporting':
      return `exporting ${s.checkpoint ?? ''}`;
    case 'deploying':
      return `deploying ${s.modelName ?? ''} ${s.deploymentStatus ?? ''}`.trim();
    case 'generating':
      return `generating sample videos with ${s.deployedModel} (${s.artifacts.videos.length} done)`;
    case 'succeeded':
      return `succeeded: ${s.deployedModel} is RUNNING`;
    case 'failed':
      return `failed: ${s.error ?? ''}`;
    case 'cancelled':
      return 'cancelled';
    default:
      return s.stage;
  }
}
