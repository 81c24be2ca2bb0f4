import type { HyperParameters } from './hyperParameters';

/** The base models that can be fine-tuned (reference: "クイックスタートの推奨事項"). */
export const MODEL_IDS = [
  'wan2.7-i2v',
  'wan2.6-i2v',
  'wan2.5-i2v-preview',
  'wan2.2-i2v-flash',
  'wan2.2-kf2v-flash',
] as const;

/** A base model id. */
export type ModelId = (typeof MODEL_IDS)[number];

/** Dataset mode: first frame only (i2v) or first and last frame (kf2v). */
export type ModelMode = 'i2v' | 'kf2v';

/** Invocation route segment: `/api/v1/services/aigc/<route>/video-synthesis`. */
export type InvocationRoute = 'video-generation' | 'image2video';

/** A training unit price: `amount` in `currency` per `per` training tokens. */
export interface UnitPrice {
  amount: number;
  currency: 'USD' | 'CNY';
  per: 1000;
  /** The region whose price list states it. */
  region: 'Singapore' | 'Beijing';
}

/** Everything wanflow knows about one base model. */
export interface ModelSpec {
  id: ModelId;
  mode: ModelMode;
  /** Quick-start hyper-parameters from the reference. */
  defaults: HyperParameters;
  limits: {
    /** Inclusive range of `max_pixels` (width × height). */
    maxPixels: { min: number; max: number };
  };
  /** Shortest training video in seconds (0 when the docs state no minimum). */
  minVideoSeconds: number;
  /** Longest training video in seconds. */
  maxVideoSeconds: number;
  /** Billable seconds per video are capped at this (notes §6.1). */
  billableCapSeconds: number;
  route: InvocationRoute;
  /** Resolutions a deployed LoRA of this model accepts; the first is not necessarily the default. */
  loraResolutions: string[];
  defaultLoraResolution: string;
  /** Singapore training price (USD per 1K tokens); absent when none is published. */
  price?: UnitPrice;
  /** Published prices from other regions, for information only (never used for the estimate). */
  otherPrices: UnitPrice[];
  /** Caveats to show with this model's cost estimate. */
  notes: string[];
}

const common = {
  n_epochs: 400,
  learning_rate: 2e-5,
  eval_epochs: 50,
  split: 0.9,
  max_split_val_dataset_sample: 5,
  save_total_limit: 10,
  lora_rank: 32,
  lora_alpha: 32,
} as const;

const usd = (amount: number): UnitPrice => ({ amount, currency: 'USD', per: 1000, region: 'Singapore' });
const cny = (amount: number): UnitPrice => ({ amount, currency: 'CNY', per: 1000, region: 'Beijing' });

/** The five base models with their defaults, limits, routes and prices. */
export const BASE_MODELS: Readonly<Record<ModelId, ModelSpec>> = {
  'wan2.7-i2v': {
    id: 'wan2.7-i2v',
    mode: 'i2v',
    defaults: { ...common, batch_size: 1, max_pixels: 147456 },
    limits: { maxPixels: { min: 36864, max: 147456 } },
    minVideoSeconds: 2,
    maxVideoSeconds: 10,
    billableCapSeconds: 10,
    route: 'video-generation',
    loraResolutions: ['720P', '1080P'],
    defaultLoraResolution: '720P',
    otherPrices: [cny(2)],
    notes: [
      'wan2.7-i2v has no published Singapore training price; Beijing lists CNY 2 per 1K tokens, so no USD cost is estimated',
    ],
  },
  'wan2.6-i2v': {
    id: 'wan2.6-i2v',
    mode: 'i2v',
    defaults: { ...common, batch_size: 1, max_pixels: 36864 },
    limits: { maxPixels: { min: 16384, max: 36864 } },
    minVideoSeconds: 0,
    maxVideoSeconds: 10,
    billableCapSeconds: 10,
    route: 'video-generation',
    loraResolutions: ['720P', '1080P'],
    defaultLoraResolution: '720P',
    price: usd(0.08),
    otherPrices: [],
    notes: ['the billing page states no per-video cap for wan2.6; 10 s is assumed'],
  },
  'wan2.5-i2v-preview': {
    id: 'wan2.5-i2v-preview',
    mode: 'i2v',
    defaults: { ...common, batch_size: 2, max_pixels: 36864 },
    limits: { maxPixels: { min: 16384, max: 36864 } },
    minVideoSeconds: 0,
    maxVideoSeconds: 10,
    billableCapSeconds: 10,
    route: 'video-generation',
    loraResolutions: ['480P', '720P'],
    defaultLoraResolution: '720P',
    price: usd(0.05),
    otherPrices: [cny(0.32)],
    notes: [],
  },
  'wan2.2-i2v-flash': {
    id: 'wan2.2-i2v-flash',
    mode: 'i2v',
    defaults: { ...common, batch_size: 4, max_pixels: 262144 },
    limits: { maxPixels: { min: 65536, max: 262144 } },
    minVideoSeconds: 0,
    maxVideoSeconds: 5,
    billableCapSeconds: 5,
    route: 'video-generation',
    loraResolutions: ['480P', '720P'],
    defaultLoraResolution: '720P',
    price: usd(0.03),
    otherPrices: [cny(0.06)],
    notes: [],
  },
  'wan2.2-kf2v-flash': {
    id: 'wan2.2-kf2v-flash',
    mode: 'kf2v',
    defaults: { ...common, batch_size: 4, max_pixels: 262144 },
    limits: { maxPixels: { min: 65536, max: 262144 } },
    minVideoSeconds: 0,
    maxVideoSeconds: 5,
    billableCapSeconds: 5,
    route: 'image2video',
    loraResolutions: ['480P', '720P'],
    defaultLoraResolution: '720P',
    price: usd(0.03),
    otherPrices: [cny(0.06)],
    notes: [],
  },
};

/** True if `id` is a known base model id. */
export function isModelId(id: string): id is ModelId {
  return (MODEL_IDS as readonly string[]).includes(id);
}

/** The spec of base model `id`; throws an error naming the known ids when it is unknown. */
export function getModel(id: string): ModelSpec {
  if (!isModelId(id)) {
    throw new Error(`Unknown base model "${id}"; known models: ${MODEL_IDS.join(', ')}`);
  }
  return BASE_MODELS[id];
}
