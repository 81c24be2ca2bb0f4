import type { ModelSpec, UnitPrice } from './models';

/**
 * Billable seconds of one training video (notes §6.1): its duration rounded to the nearest whole second,
 * then capped per model.
 *
 * Rounding choice: the page says "rounded to the nearest integer" but its example turns 11.5 s into 11 s
 * (hidden by the 10 s cap either way). We round half up (`Math.round`), which is never below the
 * truncating reading, so the estimate is an upper bound.
 */
export function billableSeconds(model: ModelSpec, seconds: number): number {
  if (!Number.isFinite(seconds) || seconds <= 0) return 0;
  return Math.min(model.billableCapSeconds, Math.round(seconds));
}

/** Σ billableSeconds over the videos. */
export function totalBillableSeconds(model: ModelSpec, videoSeconds: readonly number[]): number {
  return videoSeconds.reduce((sum, s) => sum + billableSeconds(model, s), 0);
}

/**
 * Training tokens (notes §6.1): Σ billable_seconds × (max_pixels / 1024) × n_epochs.
 * Every video is counted, including any the service carves out for automatic validation, so this is an upper bound.
 */
export function estimateTrainingTokens(
  model: ModelSpec,
  videoSeconds: readonly number[],
  maxPixels: number,
  nEpochs: number,
): number {
  return Math.round(totalBillableSeconds(model, videoSeconds) * (maxPixels / 1024) * nEpochs);
}

/** A cost in one currency. */
export interface CostEstimate {
  amount: number;
  currency: UnitPrice['currency'];
  region: UnitPrice['region'];
}

/** fee = tokens × unit price / 1000, rounded to cents (fen). */
export function estimateCost(tokens: number, price: UnitPrice): CostEstimate {
  return {
    amount: Math.round(((tokens * price.amount) / price.per) * 100) / 100,
    currency: price.currency,
    region: price.region,
  };
}
