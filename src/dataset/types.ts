/** Whether a zip is a training set (with videos) or a validation set (frames and prompts only). */
export type DatasetKind = 'training' | 'validation';

/** One broken dataset rule. `line` is the 1-based line of data.jsonl, `file` a path inside the zip. */
export interface DatasetProblem {
  rule: string;
  message: string;
  line?: number;
  field?: string;
  file?: string;
}

/** Summary of a dataset for planning and billing. */
export interface DatasetStats {
  samples: number;
  /** Duration in seconds of each sample's video, in line order (empty for validation sets). */
  videoSeconds: number[];
  /** Σ billable seconds under the model's billing rule. */
  billableSeconds: number;
}

/** The result of inspectDataset. */
export interface DatasetReport {
  ok: boolean;
  problems: DatasetProblem[];
  stats: DatasetStats;
  sha256: string;
  bytes: number;
  /** Base name of the zip. */
  filename: string;
}
