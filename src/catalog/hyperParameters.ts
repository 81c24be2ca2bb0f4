import { z } from 'zod';

/**
 * The hyper_parameters object sent with a fine-tuning job (reference: "ハイパーパラメーター").
 * Types only; the per-model ranges and cross-field rules live in `rules.ts`.
 */
export const HyperParametersSchema = z.strictObject({
  batch_size: z.number().int().positive(),
  n_epochs: z.number().int().positive(),
  learning_rate: z.number().positive(),
  max_pixels: z.number().int().positive(),
  eval_epochs: z.number().int().positive(),
  split: z.number().gt(0).lt(1),
  max_split_val_dataset_sample: z.number().int().min(1),
  save_total_limit: z.number().int().min(1),
  lora_rank: z.number().int().positive(),
  lora_alpha: z.number().int().positive(),
});

/** Final hyper_parameters of a job. */
export type HyperParameters = z.infer<typeof HyperParametersSchema>;

/** Names of every hyper-parameter, in the reference's order. */
export const HYPER_PARAMETER_KEYS = Object.keys(HyperParametersSchema.shape) as readonly HyperParameterKey[];

/** One hyper-parameter name. */
export type HyperParameterKey = keyof HyperParameters;

/** A number or a string holding one (`--set n_epochs=500` gives the string "500"). */
const numberLike = z.union([
  z.number(),
  z
    .string()
    .trim()
    .regex(/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i, 'must be a number')
    .transform((s) => Number(s)),
]);

/**
 * Overrides as a user gives them: any subset of the hyper-parameters, values as numbers or numeric strings.
 * Unknown keys are rejected. Range rules are not checked here (see `planTraining`).
 */
export const HyperParameterOverridesSchema = z.strictObject(
  Object.fromEntries(HYPER_PARAMETER_KEYS.map((k) => [k, numberLike.optional()])) as Record<
    HyperParameterKey,
    z.ZodOptional<typeof numberLike>
  >,
);

/** Overrides as accepted by `planTraining`: numbers or numeric strings, by hyper-parameter name. */
export type HyperParameterOverrides = Partial<Record<string, number | string>>;

/** True if `key` names a hyper-parameter. */
export function isHyperParameterKey(key: string): key is HyperParameterKey {
  return (HYPER_PARAMETER_KEYS as readonly string[]).includes(key);
}

/**
 * Parses CLI `--set key=value` strings into an overrides record. Throws on an item without `=`
 * or a key given twice; key names and values are checked later by `planTraining`.
 */
export function parseSetOptions(items: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of items) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new Error(`--set expects key=value, got "${item}"`);
    const key = item.slice(0, eq).trim();
    if (Object.prototype.hasOwnProperty.call(out, key)) throw new Error(`--set ${key} is given twice`);
    out[key] = item.slice(eq + 1).trim();
  }
  return out;
}
