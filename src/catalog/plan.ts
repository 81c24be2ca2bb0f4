import { estimateCost, estimateTrainingTokens, type CostEstimate } from './billing';
import {
  HYPER_PARAMETER_KEYS,
  HyperParametersSchema,
  isHyperParameterKey,
  type HyperParameterOverrides,
  type HyperParameters,
} from './hyperParameters';
import { getModel, type ModelId, type ModelSpec } from './models';
import { checkHyperParameters, stepsPerEpoch, type CandidateParameters, type PlanProblem } from './rules';

/** What planTraining needs to know about the training dataset. */
export interface TrainingSetStats {
  samples: number;
  /** Duration of each training video in seconds. */
  videoSeconds: readonly number[];
}

/** Options of planTraining beyond the contract's three arguments. */
export interface PlanOptions {
  /** A separate validation set is given, so `split` is not used. */
  hasValidationSet?: boolean;
}

/** The result of planTraining: what will be sent and what it will cost. */
export interface TrainingPlan {
  model: ModelId;
  hyperParameters: HyperParameters;
  totalSteps: number;
  stepsPerEpoch: number;
  estimatedTokens: number;
  /** Absent when the model has no published Singapore price. */
  estimatedCost?: CostEstimate;
  warnings: string[];
}

/** Thrown by planTraining with every broken rule at once. */
export class PlanError extends Error {
  override readonly name = 'PlanError';
  constructor(readonly problems: PlanProblem[]) {
    super(problems.map((p) => p.message).join('\n'));
  }
}

/** Recommended dataset size (reference: 20–100 samples). */
const RECOMMENDED_MIN_SAMPLES = 20;

const NUMERIC = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/** Merges overrides (numbers or numeric strings) into the defaults, collecting unknown keys and non-numbers. */
function mergeOverrides(
  defaults: HyperParameters,
  overrides: HyperParameterOverrides,
  problems: PlanProblem[],
): CandidateParameters {
  const merged: CandidateParameters = { ...defaults };
  for (const [key, raw] of Object.entries(overrides)) {
    if (raw === undefined) continue;
    if (!isHyperParameterKey(key)) {
      problems.push({
        field: key,
        rule: 'known-key',
        value: raw,
        message: `unknown hyper-parameter "${key}"; known: ${HYPER_PARAMETER_KEYS.join(', ')}`,
      });
      continue;
    }
    const value = typeof raw === 'number' ? raw : typeof raw === 'string' && NUMERIC.test(raw.trim()) ? Number(raw) : NaN;
    if (!Number.isFinite(value)) {
      problems.push({ field: key, rule: 'number', value: raw, message: `${key} must be a number, got "${String(raw)}"` });
      continue;
    }
    merged[key] = value;
  }
  return merged;
}

function planWarnings(model: ModelSpec, hp: HyperParameters, samples: number, options: PlanOptions): string[] {
  const warnings: string[] = [];
  if (samples < RECOMMENDED_MIN_SAMPLES) {
    warnings.push(`only ${samples} training samples; ${RECOMMENDED_MIN_SAMPLES}–100 are recommended for a stable result`);
  }
  if (!options.hasValidationSet) {
    const validation = Math.min(Math.floor(samples * (1 - hp.split) + 1e-9), hp.max_split_val_dataset_sample);
    if (validation < 1) {
      warnings.push(
        `split ${hp.split} of ${samples} samples leaves no validation sample: lower split or provide a validation set`,
      );
    } else if (validation <= 2) {
      warnings.push(`the automatic validation split holds only ${validation} sample(s); consider a validation set`);
    }
  }
  if (hp.batch_size > samples) {
    warnings.push(`batch_size ${hp.batch_size} is larger than the ${samples} samples`);
  }
  if (hp.eval_epochs > 0 && Math.floor(hp.n_epochs / hp.eval_epochs) > hp.save_total_limit) {
    warnings.push(
      `${Math.floor(hp.n_epochs / hp.eval_epochs)} checkpoints will be made but only the last ${hp.save_total_limit} are kept (save_total_limit)`,
    );
  }
  warnings.push(...model.notes);
  return warnings;
}

/**
 * Final hyper-parameters, steps and cost for a training run, or PlanError listing every broken rule.
 * `overrides` may hold numbers or numeric strings (as `--set key=value` gives them); unknown keys are errors.
 */
export function planTraining(
  model: ModelId | ModelSpec,
  stats: TrainingSetStats,
  overrides: HyperParameterOverrides = {},
  options: PlanOptions = {},
): TrainingPlan {
  const spec = typeof model === 'string' ? getModel(model) : model;
  const problems: PlanProblem[] = [];
  const candidate = mergeOverrides(spec.defaults, overrides, problems);
  problems.push(...checkHyperParameters(spec, candidate, stats.samples));
  const parsed = HyperParametersSchema.safeParse(candidate);
  if (problems.length > 0 || !parsed.success) {
    if (problems.length === 0 && !parsed.success) {
      for (const issue of parsed.error.issues) {
        const field = String(issue.path[0] ?? '');
        problems.push({ field, rule: 'schema', value: candidate[field as keyof CandidateParameters], message: `${field}: ${issue.message}` });
      }
    }
    throw new PlanError(problems);
  }
  const hp = parsed.data;
  const perEpoch = stepsPerEpoch(stats.samples, hp.batch_size);
  const estimatedTokens = estimateTrainingTokens(spec, stats.videoSeconds, hp.max_pixels, hp.n_epochs);
  return {
    model: spec.id,
    hyperParameters: hp,
    totalSteps: perEpoch * hp.n_epochs,
    stepsPerEpoch: perEpoch,
    estimatedTokens,
    ...(spec.price ? { estimatedCost: estimateCost(estimatedTokens, spec.price) } : {}),
    warnings: planWarnings(spec, hp, stats.samples, options),
  };
}
