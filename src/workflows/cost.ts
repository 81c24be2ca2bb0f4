/** The pipeline's cost estimate and actual cost, from its input and what it learned (pure, workflow code). */
import { actualCost, estimatePipelineCost, type CostReport } from '../catalog/budget';
import { getModel } from '../catalog/models';
import type { ResolvedPipelineInput } from './input';
import type { DatasetSummary, PlanSummary } from './types';

/** Videos the pipeline will generate: `generate.count`, or fewer when fewer images are given. */
export function plannedVideoCount(input: ResolvedPipelineInput): number {
  const g = input.generate;
  if (!g) return 0;
  return Math.min(g.count, g.images?.length ?? g.count);
}

export function estimateFor(input: ResolvedPipelineInput, plan?: PlanSummary, dataset?: DatasetSummary): CostReport {
  return estimatePipelineCost({
    model: getModel(input.model),
    training: plan
      ? {
          estimatedTokens: plan.estimatedTokens,
          nEpochs: plan.hyperParameters.n_epochs,
          maxPixels: plan.hyperParameters.max_pixels,
          billableSeconds: dataset?.billableSeconds,
        }
      : undefined,
    videos: { count: plannedVideoCount(input) },
    videoPricePerSecond: input.budget?.videoPricePerSecond,
    maxCost: input.budget?.maxCost,
  });
}

/** The report with its actual side recomputed from the job's usage and the videos' billed seconds. */
export function withActual(
  report: CostReport,
  input: ResolvedPipelineInput,
  trained: boolean,
  trainingTokens: number | undefined,
  videoSeconds: (number | undefined)[],
): CostReport {
  return { ...report, actual: actualCost(getModel(input.model), { trained, trainingTokens, videoSeconds }, input.budget?.videoPricePerSecond) };
}
