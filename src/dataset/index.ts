/** Dataset zip inspection, sha256 and the sample generator. */
export { inspectDataset, MAX_ZIP_BYTES, MAX_JSONL_BYTES, MIN_TRAINING_SAMPLES, type InspectOptions } from './inspect';
export { generateSampleDataset, MEDIA_DIR, type SampleDatasetOptions, type SampleDataset } from './sample';
export { sha256File } from './sha256';
export type { DatasetKind, DatasetProblem, DatasetReport, DatasetStats } from './types';
