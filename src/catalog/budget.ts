/**
 * What a pipeline will cost (training by the billing formula, plus the sample videos it generates), what it did cost
 * (job usage × price, generated seconds × price), and the cost cap check. Pure: used by the workflow and the CLI.
 */
import type { ModelSpec } from './models';

/** Seconds of one generated video: wanflow sends no `duration`, and every base model's default is 5 s (notes §1). */
export const DEFAULT_VIDEO_SECONDS = 5;

export interface CostLine {
  item: 'training' | 'videos';
  amount: number;
  basis: string;
}

export interface CostSide {
  total: number;
  lines: CostLine[];
  /** What could not be priced, each with the reason. */
  unknown: string[];
}

export interface CostReport {
  currency: string;
  estimated: CostSide;
  actual?: CostSide;
  maxCost?: number;
}

export interface CostInputs {
  model: ModelSpec;
  /** The training plan, when this pipeline trains (absent for --from-job / --from-model). */
  training?: { estimatedTokens: number; nEpochs: number; maxPixels: number; billableSeconds?: number };
  /** Sample videos the pipeline will generate. */
  videos?: { count: number };
  /** Per-second price of generated video, in the training price's currency. */
  videoPricePerSecond?: number;
  maxCost?: number;
}

const cents = (n: number) => Math.round(n * 100) / 100;
const fmt = (n: number) => n.toLocaleString('en-US');

function currencyOf(model: ModelSpec): string {
  return model.price?.currency ?? 'USD';
}

function trainingLine(model: ModelSpec, tokens: number, what: string): CostLine | string {
  if (!model.price) return `training: ${model.id} has no published Singapore training price`;
  return {
    item: 'training',
    amount: cents((tokens * model.price.amount) / model.price.per),
    basis: `${what}${fmt(tokens)} tokens × ${model.price.amount} ${model.price.currency} / 1K`,
  };
}

function videoLine(count: number, seconds: number, price: number | undefined, currency: string, what: string): CostLine | string {
  if (price === undefined) {
    return `videos: ${count} × ${DEFAULT_VIDEO_SECONDS} s have no known price (no Singapore per-second video price is published; give budget.videoPricePerSecond / --video-price)`;
  }
  return { item: 'videos', amount: cents(seconds * price), basis: `${what}${fmt(seconds)} s × ${price} ${currency}/s` };
}

function side(parts: (CostLine | string | undefined)[]): CostSide {
  const lines = parts.filter((p): p is CostLine => typeof p === 'object');
  return {
    total: cents(lines.reduce((s, l) => s + l.amount, 0)),
    lines: lines.sort((a, b) => b.amount - a.amount),
    unknown: parts.filter((p): p is string => typeof p === 'string'),
  };
}

/** The estimate before anything runs. */
export function estimatePipelineCost(c: CostInputs): CostReport {
  const currency = currencyOf(c.model);
  const t = c.training;
  return {
    currency,
    maxCost: c.maxCost,
    estimated: side([
      t
        ? trainingLine(
            c.model,
            t.estimatedTokens,
            t.billableSeconds !== undefined ? `${t.billableSeconds} billable s × ${t.maxPixels}/1024 px × ${t.nEpochs} epochs = ` : '',
          )
        : undefined,
      c.videos && c.videos.count > 0
        ? videoLine(c.videos.count, c.videos.count * DEFAULT_VIDEO_SECONDS, c.videoPricePerSecond, currency, `${c.videos.count} × ${DEFAULT_VIDEO_SECONDS} s = `)
        : undefined,
    ]),
  };
}

/** The actual cost from what the service reported: the job's `usage` tokens and each video task's billed seconds. */
export function actualCost(
  model: ModelSpec,
  usage: { trainingTokens?: number; trained: boolean; videoSeconds: (number | undefined)[] },
  videoPricePerSecond: number | undefined,
): CostSide {
  const currency = currencyOf(model);
  const known = usage.videoSeconds.filter((s): s is number => s !== undefined);
  const missing = usage.videoSeconds.length - known.length;
  const seconds = known.reduce((a, b) => a + b, 0);
  return side([
    usage.trained
      ? usage.trainingTokens !== undefined
        ? trainingLine(model, usage.trainingTokens, 'usage ')
        : 'training: the job has not reported its usage yet'
      : undefined,
    known.length ? videoLine(known.length, seconds, videoPricePerSecond, currency, `${known.length} video(s), `) : undefined,
    missing ? `videos: ${missing} task(s) reported no billed duration` : undefined,
  ]);
}

/** Why the pipeline must not start under its cap, or undefined when it fits. */
export function budgetViolation(report: CostReport): string | undefined {
  const cap = report.maxCost;
  if (cap === undefined) return undefined;
  const est = report.estimated;
  const contributors = est.lines.map((l) => `${l.item} ${l.amount.toFixed(2)} ${report.currency} (${l.basis})`).join('; ');
  if (est.unknown.length > 0) {
    return `budget.maxCost ${cap.toFixed(2)} ${report.currency} cannot be checked: ${est.unknown.join('; ')}${contributors ? `; known so far: ${contributors}` : ''}`;
  }
  if (est.total <= cap) return undefined;
  return (
    `estimated cost ${est.total.toFixed(2)} ${report.currency} exceeds budget.maxCost ${cap.toFixed(2)} ${report.currency}; ` +
    `largest contributors: ${contributors}. Lower n_epochs or max_pixels, train on fewer or shorter videos, generate fewer videos, or raise the cap`
  );
}

/** "estimated 9.36 USD · actual 8.10 USD" with the lines of each. */
export function formatCost(r: CostReport): string {
  const one = (label: string, s: CostSide) =>
    `${label} ${s.total.toFixed(2)} ${r.currency}${s.lines.length ? ` (${s.lines.map((l) => `${l.item} ${l.amount.toFixed(2)}: ${l.basis}`).join('; ')})` : ''}${s.unknown.length ? ` [not priced: ${s.unknown.join('; ')}]` : ''}`;
  return [one('estimated', r.estimated), r.actual ? one('actual', r.actual) : undefined, r.maxCost !== undefined ? `cap ${r.maxCost.toFixed(2)} ${r.currency}` : undefined]
    .filter(Boolean)
    .join(' · ');
}
