/** The Web UI's "current details" of a pipeline: a short markdown summary of where it is. */
import type { PipelineStatus } from './types';
import { formatCost } from '../catalog/budget';

export function renderDetails(s: PipelineStatus): string {
  const lines = [`**${s.model}** — stage **${s.stage}**${s.label ? ` — ${s.label}` : ''}`];
  if (s.dataset) lines.push(`dataset: ${s.dataset.filename}, ${s.dataset.samples} samples`);
  if (s.plan) {
    const cost = s.plan.estimatedCost ? `, est. ${s.plan.estimatedCost.amount.toFixed(2)} ${s.plan.estimatedCost.currency}` : '';
    lines.push(`plan: ${s.plan.totalSteps} steps, ~${s.plan.estimatedTokens.toLocaleString('en-US')} tokens${cost}`);
  }
  if (s.fileId) lines.push(`file: ${s.fileId}`);
  if (s.waitingFor) lines.push(`**waiting for account capacity**: ${s.waitingFor.message} (retrying until ${new Date(s.waitingFor.untilMs).toISOString().slice(0, 16)}Z)`);
  if (s.jobId) {
    const j = s.job;
    const epoch = j?.epoch !== undefined ? `, epoch ${j.epoch}/${j.totalEpochs}` : '';
    const progress = s.stage === 'training' && s.training ? `: ${s.training.text}` : s.stage === 'training' && j?.status === 'QUEUING' ? ": queued, waiting for the account's single training slot" : '';
    const usage = j?.usage !== undefined ? `, usage ${j.usage} tokens` : '';
    lines.push(`job: ${s.jobId} ${j?.status ?? ''}${progress}${epoch}${usage}`);
    if (j?.logsTail.length) lines.push(`log: ${j.logsTail[j.logsTail.length - 1]}`);
  }
  if (s.checkpoints.length) lines.push(`checkpoints: ${s.checkpoints.map((c) => c.checkpoint).join(', ')}`);
  if (s.awaitingApproval) {
    lines.push(
      `**awaiting approval**: compare the checkpoints with \`wanflow review ${s.workflowId}\`, then approve there or with \`wanflow approve ${s.workflowId} <checkpoint>\` (candidates: final, ${s.awaitingApproval.candidates.join(', ')})`,
    );
  }
  if (s.modelName) lines.push(`model: ${s.modelName}${s.checkpoint ? ` (${s.checkpoint})` : ''}`);
  if (s.deployedModel) lines.push(`deployment: ${s.deployedModel} ${s.deploymentStatus ?? ''}`);
  if (s.artifacts.previews.length || s.artifacts.videos.length) {
    lines.push(`artifacts: ${s.artifacts.previews.length} previews, ${s.artifacts.videos.length} videos`);
  }
  if (s.cost && (s.cost.actual || s.cost.maxCost !== undefined)) lines.push(`cost: ${formatCost(s.cost)}`);
  const undelivered = s.notifications?.filter((n) => n.state === 'undelivered') ?? [];
  if (undelivered.length) lines.push(`webhooks not delivered: ${undelivered.map((n) => `${n.event} (${n.error ?? 'unknown'})`).join('; ')}`);
  if (s.error) lines.push(`error: ${s.error}`);
  return lines.join('\n\n');
}
