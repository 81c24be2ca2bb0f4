/** Validates a fine-tune request's hyper_parameters by the reference's per-model rules. */
import { OPTIONAL_DEFAULTS, type EmuModel } from './models';
import type { JobRecord } from './types';

const POSITIVE_INTS = ['batch_size', 'n_epochs', 'eval_epochs', 'max_pixels', 'save_total_limit', 'max_split_val_dataset_sample', 'lora_rank', 'lora_alpha'] as const;
const isPow2 = (n: number) => n > 0 && (n & (n - 1)) === 0;

/** Returns the applied hyperparameters, or the list of problems (each naming the field and the rule). */
export function applyHyperParameters(model: EmuModel, input: Record<string, unknown>): { ok: true; value: JobRecord['hyperParameters'] } | { ok: false; problems: string[] } {
  const problems: string[] = [];
  const given: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(input)) if (v !== null && v !== undefined) given[k] = v;
  for (const k of POSITIVE_INTS) {
    if (k in given && !(typeof given[k] === 'number' && Number.isInteger(given[k]) && (given[k] as number) > 0)) {
      problems.push(`hyper_parameters.${k} must be a positive integer, got ${JSON.stringify(given[k])}`);
    }
  }
  if ('learning_rate' in given && !(typeof given.learning_rate === 'number' && Number.isFinite(given.learning_rate) && given.learning_rate > 0)) {
    problems.push(`hyper_parameters.learning_rate must be a number greater than 0, got ${JSON.stringify(given.learning_rate)}`);
  }
  if ('split' in given && !(typeof given.split === 'number' && given.split > 0 && given.split < 1)) {
    problems.push(`hyper_parameters.split must be a number between 0 and 1 (exclusive), got ${JSON.stringify(given.split)}`);
  }
  const hp = { ...model.defaults, ...OPTIONAL_DEFAULTS, ...given } as JobRecord['hyperParameters'];
  if (problems.length) return { ok: false, problems };
  const [lo, hi] = model.maxPixels;
  if (hp.max_pixels < lo || hp.max_pixels > hi) problems.push(`hyper_parameters.max_pixels must be between ${lo} and ${hi} for ${model.id}, got ${hp.max_pixels}`);
  for (const k of ['lora_rank', 'lora_alpha'] as const) {
    const v = hp[k] as number;
    if (!isPow2(v)) problems.push(`hyper_parameters.${k} must be a power of two (16, 32, 64), got ${v}`);
  }
  if (hp.eval_epochs < hp.n_epochs / 10) problems.push(`hyper_parameters.eval_epochs must be at least n_epochs / 10 (${hp.n_epochs / 10}), got ${hp.eval_epochs}`);
  return problems.length ? { ok: false, problems } : { ok: true, value: hp };
}

export const MIN_TOTAL_STEPS = 800;
