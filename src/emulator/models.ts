/**
 * The five fine-tunable base models as the reference describes them (written from the reference, not shared
 * with src/catalog on purpose), with their quick-start hyperparameters and invocation rules.
 */
export type Mode = 'i2v' | 'kf2v';

export interface EmuModel {
  id: string;
  mode: Mode;
  route: 'video-generation' | 'image2video';
  defaults: { batch_size: number; n_epochs: number; learning_rate: number; max_pixels: number; eval_epochs: number };
  maxPixels: [number, number];
  /** Allowed training video length in seconds [min, max]. */
  videoSeconds: [number, number];
  billableCapSeconds: number;
  baseResolutions: string[];
  loraResolutions: string[];
}

const common = { n_epochs: 400, learning_rate: 2e-5, eval_epochs: 50 };

export const EMU_MODELS: Record<string, EmuModel> = {
  'wan2.7-i2v': {
    id: 'wan2.7-i2v', mode: 'i2v', route: 'video-generation',
    defaults: { ...common, batch_size: 1, max_pixels: 147456 }, maxPixels: [36864, 147456],
    videoSeconds: [2, 10], billableCapSeconds: 10, baseResolutions: ['720P', '1080P'], loraResolutions: ['720P', '1080P'],
  },
  'wan2.6-i2v': {
    id: 'wan2.6-i2v', mode: 'i2v', route: 'video-generation',
    defaults: { ...common, batch_size: 1, max_pixels: 36864 }, maxPixels: [16384, 36864],
    videoSeconds: [0, 10], billableCapSeconds: 10, baseResolutions: ['720P', '1080P'], loraResolutions: ['720P', '1080P'],
  },
  'wan2.5-i2v-preview': {
    id: 'wan2.5-i2v-preview', mode: 'i2v', route: 'video-generation',
    defaults: { ...common, batch_size: 2, max_pixels: 36864 }, maxPixels: [16384, 36864],
    videoSeconds: [0, 10], billableCapSeconds: 10, baseResolutions: ['480P', '720P', '1080P'], loraResolutions: ['480P', '720P'],
  },
  'wan2.2-i2v-flash': {
    id: 'wan2.2-i2v-flash', mode: 'i2v', route: 'video-generation',
    defaults: { ...common, batch_size: 4, max_pixels: 262144 }, maxPixels: [65536, 262144],
    videoSeconds: [0, 5], billableCapSeconds: 5, baseResolutions: ['480P', '720P', '1080P'], loraResolutions: ['480P', '720P'],
  },
  'wan2.2-kf2v-flash': {
    id: 'wan2.2-kf2v-flash', mode: 'kf2v', route: 'image2video',
    defaults: { ...common, batch_size: 4, max_pixels: 262144 }, maxPixels: [65536, 262144],
    videoSeconds: [0, 5], billableCapSeconds: 5, baseResolutions: ['480P', '720P', '1080P'], loraResolutions: ['480P', '720P'],
  },
};

/** Optional hyperparameters' defaults (the reference's curl examples). */
export const OPTIONAL_DEFAULTS = { split: 0.9, max_split_val_dataset_sample: 5, save_total_limit: 10, lora_rank: 32, lora_alpha: 32 };
