/** Persisted resource records of the emulator. All times are emulated epoch milliseconds. */
import type { ClockAnchor } from './clock';
import type { Mode } from './models';

export interface FileRecord {
  id: string;
  /** 'compatible' (`file-ft-…`) or 'native' (UUID). */
  api: 'compatible' | 'native';
  filename: string;
  purpose: string;
  description: string;
  bytes: number;
  md5: string;
  createdAt: number;
  /** Name of the stored bytes under dataDir/files. */
  blob: string;
}

/** What the service learns when it processes a dataset zip. */
export interface DatasetFacts {
  ok: boolean;
  problems: string[];
  samples: number;
  prompts: string[];
  /** Duration in seconds of each training video (empty for validation sets). */
  videoSeconds: number[];
}

export type JobStatus = 'PENDING' | 'QUEUING' | 'RUNNING' | 'CANCELING' | 'SUCCEEDED' | 'FAILED' | 'CANCELED';

export interface JobRecord {
  jobId: string;
  /** Optional `job_name` of the create request (the service names the job after its id otherwise). */
  jobName?: string;
  finetunedOutput: string;
  model: string;
  mode: Mode;
  trainingFileIds: string[];
  validationFileIds: string[];
  hyperParameters: Record<string, unknown> & {
    n_epochs: number; batch_size: number; eval_epochs: number; max_pixels: number; save_total_limit: number;
    split: number; max_split_val_dataset_sample: number;
  };
  createdAt: number;
  /** Facts about the training set(s), known after creation. */
  training: DatasetFacts;
  validation: DatasetFacts | null;
  totalSteps: number;
  stepsPerEpoch: number;
  /** Validation prompts used for previews. */
  validationPrompts: string[];
  usageTokens: number;
  /** Set when the job leaves the queue. */
  startedAt?: number;
  /** Scenario: fail at this fraction of the training with this message. */
  failAt?: { fraction: number; message: string };
  cancelRequestedAt?: number;
  deleted?: boolean;
}

export type ExportStatus = 'PENDING' | 'PROCESSING' | 'SUCCEEDED' | 'FAILED' | 'UNSUPPORTED';

export interface ExportRecord {
  jobId: string;
  checkpoint: string;
  modelName: string;
  displayName: string;
  createdAt: number;
  outcome: 'SUCCEEDED' | 'FAILED' | 'UNSUPPORTED';
}

export type DeploymentStatus =
  | 'PENDING' | 'RUNNING' | 'ARREARS_DOWN' | 'ARREARS_RECOVERING' | 'FAILED' | 'OFFLINING' | 'UPDATING' | 'UPDATING_FAILED' | 'DELETING';

export interface DeploymentRecord {
  deployedModel: string;
  modelName: string;
  baseModel: string;
  aigcConfig: Record<string, unknown>;
  createdAt: number;
  /** When PENDING turns RUNNING. */
  readyAt: number;
  forced?: { status: DeploymentStatus; message?: string; at: number };
  deletedAt?: number;
}

export interface TaskRecord {
  taskId: string;
  model: string;
  baseModel: string;
  route: 'video-generation' | 'image2video';
  prompt: string;
  resolution: string;
  duration: number;
  submittedAt: number;
  canceledAt?: number;
}

export interface Knobs {
  /** Applies to the next created job. */
  nextJobFailure?: { fraction: number; message: string };
  /** Applies to the next export of the given job id, or of any job when jobId is absent. */
  nextExportOutcome?: { outcome: 'FAILED' | 'UNSUPPORTED'; jobId?: string };
}

export interface EmulatorState {
  version: 1;
  clock?: ClockAnchor;
  secret: string;
  files: FileRecord[];
  jobs: JobRecord[];
  exports: ExportRecord[];
  deployments: DeploymentRecord[];
  tasks: TaskRecord[];
  knobs: Knobs;
}
