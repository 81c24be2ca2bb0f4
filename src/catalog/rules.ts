import type { HyperParameterKey } from './hyperParameters';
import type { ModelSpec } from './models';

/** The documented minimum number of training steps (reference: n_epochs). */
export const MIN_TOTAL_STEPS = 800;

/** One broken rule: which field, which rule, which value, and a sentence saying what to do. */
export interface PlanProblem {
  field: HyperParameterKey | 'samples' | string;
  rule: string;
  value: unknown;
  message: string;
}

/** Values after parsing: numbers, or whatever came in when it was not one (reported by `type` rules). */
export type CandidateParameters = Record<HyperParameterKey, number>;

const isPowerOfTwo = (n: number): boolean => Number.isInteger(n) && n > 0 && (n & (n - 1)) === 0;

function positiveInteger(field: HyperParameterKey, value: number): PlanProblem | undefined {
  if (Number.isInteger(value) && value > 0) return undefined;
  return { field, rule: 'positive-integer', value, message: `${field} must be a positive integer, got ${value}` };
}

/** Steps per epoch = ceil(samples / batch_size). */
export function stepsPerEpoch(samples: number, batchSize: number): number {
  return Math.ceil(samples / batchSize);
}

/**
 * Checks every per-field and cross-field rule of the reference for `hp` on `model`, returning all broken rules.
 * `samples` is the training sample count (for the total-steps rule).
 */
export function checkHyperParameters(model: ModelSpec, hp: CandidateParameters, samples: number): PlanProblem[] {
  const problems: PlanProblem[] = [];
  const push = (p: PlanProblem | undefined): void => {
    if (p) problems.push(p);
  };

  for (const f of ['batch_size', 'n_epochs', 'eval_epochs', 'max_pixels', 'lora_rank', 'lora_alpha'] as const) {
    push(positiveInteger(f, hp[f]));
  }

  if (!(Number.isFinite(hp.learning_rate) && hp.learning_rate > 0)) {
    push({
      field: 'learning_rate',
      rule: 'positive',
      value: hp.learning_rate,
      message: `learning_rate must be greater than 0, got ${hp.learning_rate}`,
    });
  }

  const { min, max } = model.limits.maxPixels;
  if (Number.isInteger(hp.max_pixels) && (hp.max_pixels < min || hp.max_pixels > max)) {
    push({
      field: 'max_pixels',
      rule: 'range',
      value: hp.max_pixels,
      message: `max_pixels must be between ${min} and ${max} for ${model.id}, got ${hp.max_pixels}`,
    });
  }

  for (const f of ['lora_rank', 'lora_alpha'] as const) {
    if (Number.isInteger(hp[f]) && hp[f] > 0 && !isPowerOfTwo(hp[f])) {
      push({ field: f, rule: 'power-of-two', value: hp[f], message: `${f} must be a power of two (16, 32, 64, …), got ${hp[f]}` });
    }
  }

  if (!(hp.split > 0 && hp.split < 1)) {
    push({ field: 'split', rule: 'open-unit-interval', value: hp.split, message: `split must be between 0 and 1 (exclusive), got ${hp.split}` });
  }

  for (const f of ['max_split_val_dataset_sample', 'save_total_limit'] as const) {
    if (!(Number.isInteger(hp[f]) && hp[f] >= 1)) {
      push({ field: f, rule: 'integer-at-least-1', value: hp[f], message: `${f} must be an integer of at least 1, got ${hp[f]}` });
    }
  }

  const epochsOk = Number.isInteger(hp.n_epochs) && hp.n_epochs > 0;
  if (epochsOk && Number.isInteger(hp.eval_epochs) && hp.eval_epochs > 0) {
    const least = Math.ceil(hp.n_epochs / 10);
    if (hp.eval_epochs < hp.n_epochs / 10) {
      push({
        field: 'eval_epochs',
        rule: 'eval-at-least-tenth',
        value: hp.eval_epochs,
        message: `eval_epochs must be at least n_epochs / 10 = ${hp.n_epochs / 10}, got ${hp.eval_epochs}: raise eval_epochs to ${least}`,
      });
    } else if (hp.eval_epochs > hp.n_epochs) {
      push({
        field: 'eval_epochs',
        rule: 'eval-at-most-epochs',
        value: hp.eval_epochs,
        message: `eval_epochs must not exceed n_epochs (${hp.n_epochs}), got ${hp.eval_epochs}`,
      });
    }
  }

  if (!(Number.isInteger(samples) && samples > 0)) {
    push({ field: 'samples', rule: 'positive-integer', value: samples, message: `the dataset must have at least one sample, got ${samples}` });
  } else if (epochsOk && Number.isInteger(hp.batch_size) && hp.batch_size > 0) {
    push(checkTotalSteps(hp.n_epochs, hp.batch_size, samples));
  }
  return problems;
}

/** The ≥ 800 total steps rule, with a message saying how far to raise n_epochs. */
export function checkTotalSteps(nEpochs: number, batchSize: number, samples: number): PlanProblem | undefined {
  const perEpoch = stepsPerEpoch(samples, batchSize);
  const total = nEpochs * perEpoch;
  if (total >= MIN_TOTAL_STEPS) return undefined;
  const neededEpochs = Math.ceil(MIN_TOTAL_STEPS / perEpoch);
  const lowerBatch = batchSize > 1 ? ' or lower batch_size' : '';
  return {
    field: 'n_epochs',
    rule: 'min-total-steps',
    value: nEpochs,
    message:
      `n_epochs × ceil(${samples} / ${batchSize}) = ${total} total steps; ` +
      `at least ${MIN_TOTAL_STEPS} are needed: raise n_epochs to ${neededEpochs}${lowerBatch}`,
  };
}
