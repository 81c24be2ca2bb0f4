import { basename, extname } from 'node:path';
import { activityInfo, heartbeat, cancellationSignal, log } from '@temporalio/activity';
import { getModel, planTraining, PlanError } from '../catalog';
import { inspectDataset, type DatasetReport } from '../dataset';
import type { DashScope } from '../dashscope';
import { PIPELINE_FAILURE_TYPES } from '../workflows/options';
import type { DatasetSummary, InspectResult, UploadResult } from '../workflows/types';
import { formatBytes } from '../workflows/util';
import { finalFailure } from './errors';

export interface InspectAndPlanArgs {
  model: string;
  training: { path: string; sha256?: string };
  validation?: { path: string; sha256?: string };
  hyperParameters: Record<string, number | string>;
}

function summarize(report: DatasetReport): DatasetSummary {
  return {
    filename: report.filename,
    bytes: report.bytes,
    sha256: report.sha256,
    samples: report.stats.samples,
    billableSeconds: report.stats.billableSeconds,
  };
}

function problemsOf(label: string, report: DatasetReport): string[] {
  return report.problems.map((p) => `${label}${p.line !== undefined ? ` line ${p.line}` : ''}${p.field ? ` ${p.field}` : ''}: ${p.message}`);
}

/** The upload name carries the content hash, so an upload can be found again by content (idempotent upload). */
export function uploadFilename(path: string, sha256: string): string {
  const stem = basename(path, extname(path)).replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 80) || 'dataset';
  return `${stem}-${sha256.slice(0, 16)}.zip`;
}

export function createDatasetActivities(ds: DashScope) {
  return {
    /** Inspects the dataset zip(s) and plans the hyper-parameters; fails with every problem listed at once. */
    async inspectAndPlan(args: InspectAndPlanArgs): Promise<InspectResult> {
      const model = getModel(args.model);
      const training = await inspectDataset(args.training.path, { model: model.id, kind: 'training' });
      const validation = args.validation ? await inspectDataset(args.validation.path, { model: model.id, kind: 'validation' }) : undefined;
      const problems = [...problemsOf('training set', training), ...(validation ? problemsOf('validation set', validation) : [])];
      if (args.training.sha256 && args.training.sha256 !== training.sha256) {
        problems.push(`training set: sha256 is ${training.sha256}, but the input expects ${args.training.sha256} (the file changed)`);
      }
      if (args.validation?.sha256 && validation && args.validation.sha256 !== validation.sha256) {
        problems.push(`validation set: sha256 is ${validation.sha256}, but the input expects ${args.validation.sha256} (the file changed)`);
      }
      if (problems.length > 0) {
        throw finalFailure(PIPELINE_FAILURE_TYPES.datasetInvalid, `dataset has ${problems.length} problem(s): ${problems.join('; ')}`, { problems });
      }
      try {
        const plan = planTraining(model.id, training.stats, args.hyperParameters, { hasValidationSet: validation !== undefined });
        return {
          training: summarize(training),
          validation: validation ? summarize(validation) : undefined,
          plan: {
            hyperParameters: plan.hyperParameters as unknown as Record<string, number>,
            totalSteps: plan.totalSteps,
            stepsPerEpoch: plan.stepsPerEpoch,
            estimatedTokens: plan.estimatedTokens,
            estimatedCost: plan.estimatedCost ? { amount: plan.estimatedCost.amount, currency: plan.estimatedCost.currency } : undefined,
            warnings: plan.warnings,
          },
        };
      } catch (err) {
        if (err instanceof PlanError) {
          throw finalFailure(PIPELINE_FAILURE_TYPES.planInvalid, err.message, { problems: err.problems });
        }
        throw err;
      }
    },

    /**
     * Uploads the zip once per content: a retry, or a later pipeline with the same bytes, finds the file already
     * uploaded (by the content hash in its name and its size) and reuses it. Heartbeats carry bytes sent.
     */
    async uploadDataset(args: { path: string; sha256: string }): Promise<UploadResult> {
      const filename = uploadFilename(args.path, args.sha256);
      const existing = await findUploaded(ds, filename);
      if (existing) {
        log.info('reusing uploaded file', { fileId: existing.id, filename });
        return { fileId: existing.id, bytes: existing.bytes, reused: true };
      }
      let lastBeat = 0;
      const file = await ds.files.upload(args.path, {
        purpose: 'fine-tune',
        filename,
        signal: cancellationSignal(),
        onProgress: (sent, total) => {
          const now = Date.now();
          if (now - lastBeat > 1000 || sent === total) {
            lastBeat = now;
            heartbeat({ sent, total });
          }
        },
      });
      log.info('uploaded', { fileId: file.id, bytes: file.bytes, attempt: activityInfo().attempt, size: formatBytes(file.bytes) });
      return { fileId: file.id, bytes: file.bytes, reused: false };
    },
  };
}

async function findUploaded(ds: DashScope, filename: string): Promise<{ id: string; bytes: number } | undefined> {
  for await (const f of ds.files.list({ purpose: 'fine-tune' })) {
    if (f.filename === filename && (f.status === undefined || f.status === null || f.status === 'processed')) {
      return { id: f.id, bytes: f.bytes };
    }
  }
  return undefined;
}
