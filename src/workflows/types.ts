/** Shapes shared by the workflow, its activities and the CLI. Pure types: safe in workflow code. */
import type { TrainingPhase, TrainingTrack } from './trainingProgress';
import type { TrainingStatus } from './trainingPoll';

export type Stage =
  | 'validating'
  | 'uploading'
  | 'creating-job'
  | 'training'
  | 'collecting-previews'
  | 'awaiting-approval'
  | 'exporting'
  | 'deploying'
  | 'generating'
  | 'cleaning-up'
  | 'succeeded'
  | 'failed'
  | 'cancelled';

export interface DatasetSummary {
  filename: string;
  bytes: number;
  sha256: string;
  samples: number;
  billableSeconds: number;
}

export interface PlanSummary {
  hyperParameters: Record<string, number>;
  totalSteps: number;
  stepsPerEpoch: number;
  estimatedTokens: number;
  estimatedCost?: { amount: number; currency: string };
  warnings: string[];
}

export interface InspectResult {
  training: DatasetSummary;
  validation?: DatasetSummary;
  plan: PlanSummary;
}

export interface UploadResult {
  fileId: string;
  bytes: number;
  /** true when a file with the same content was already uploaded and is reused. */
  reused: boolean;
}

/** What one poll of a fine-tune job learned. */
export interface JobSnapshot {
  jobId: string;
  status: string;
  finetunedOutput?: string;
  usage?: number;
  epoch?: number;
  totalEpochs?: number;
  /** Fraction 0..1 from the logs when they tell it. */
  progress?: number;
  logsTail: string[];
  /** Lines in the job's log when last read (the next poll reads only what follows). */
  logLines?: number;
  /** Phase from the status and the log's milestones (see trainingProgress.ts). */
  phase?: TrainingPhase;
  /** Latest " Actual number of consumed tokens is N !" and the planned total (the cost estimate's formula). */
  consumedTokens?: number;
  plannedTokens?: number;
  /** Training time left and the unseen tail (transfer, checkpoint saving) after it, as of polledAtMs. */
  trainingLeftMs?: number;
  tailLeftMs?: number;
  /** What the poll remembers (log position, milestones, clock anchor); passed to the next poll. */
  track?: TrainingTrack;
  /** Job-reported message on failure. */
  message?: string;
  createTime?: string;
  endTime?: string;
  polledAtMs: number;
}

export interface CheckpointInfo {
  checkpoint: string;
  step: number;
  exportStatus?: string;
  modelName?: string;
}

export interface PreviewResult {
  checkpoints: string[];
  files: string[];
}

export interface DeploymentSnapshot {
  deployedModel: string;
  modelName: string;
  status: string;
  /** true when this pipeline found the deployment already there (409 or a retry) instead of creating it. */
  adopted: boolean;
}

/** An input image for sample generation: a local file, or the first frame(s) of a dataset sample (its data.jsonl line). */
export type VideoImage = { path: string } | { zipPath: string; sample: number };

export interface GeneratedVideo {
  taskId: string;
  path: string;
  url?: string;
  /** Billed output seconds from the task's usage (absent when the service does not say). */
  seconds?: number;
}

/** One point of training progress over time (the status keeps at most PROGRESS_SERIES_MAX of them). */
export interface ProgressPoint {
  /** Workflow time of the poll (ms since the epoch). */
  t: number;
  /** Fraction 0..1 when the logs tell it. */
  progress?: number;
  /** Training tokens consumed so far, when the job reports them. */
  tokens?: number;
  epoch?: number;
  status: string;
}

export type { CostLine, CostReport } from '../catalog/budget';
import type { CostReport } from '../catalog/budget';

/** One webhook event: its id stays the same across retries and worker crashes. */
export interface NotificationRecord {
  event: string;
  webhookId: string;
  state: 'pending' | 'delivered' | 'undelivered';
  attempts?: number;
  error?: string;
}

export interface PipelineResult {
  workflowId: string;
  model: string;
  fileId?: string;
  validationFileId?: string;
  jobId?: string;
  checkpoint: string;
  modelName: string;
  deployedModel: string;
  usage?: number;
  estimatedCost?: { amount: number; currency: string };
  /** Estimate and actual usage × price side by side (absent in results of older pipelines). */
  cost?: CostReport;
  artifacts: { previews: string[]; videos: string[] };
  stageTimings: Record<string, number>;
}

export interface PipelineStatus {
  workflowId: string;
  model: string;
  label?: string;
  stage: Stage;
  startedAtMs: number;
  stageStartedAtMs: number;
  stageTimings: Record<string, number>;
  dataset?: DatasetSummary;
  plan?: PlanSummary;
  fileId?: string;
  jobId?: string;
  job?: JobSnapshot;
  /** Estimated milliseconds until the job ends (training left + the unseen tail), as of the last poll. */
  trainingEtaMs?: number;
  /** Progress from documented signals (consumed tokens vs plan, milestones, time), as of the last poll. */
  training?: TrainingStatus;
  /** Why the pipeline is waiting on the account (e.g. "waiting for account capacity: Only 20 fine-tune job …"). */
  waitingFor?: { reason: 'account-capacity'; message: string; sinceMs: number; untilMs: number };
  checkpoints: CheckpointInfo[];
  awaitingApproval?: { candidates: string[]; deadlineMs: number; fallback: string };
  checkpoint?: string;
  modelName?: string;
  deployedModel?: string;
  deploymentStatus?: string;
  artifacts: { previews: string[]; videos: string[] };
  /** The pipeline's own artifacts folder on the worker's machine (previews/, videos/). */
  artifactsDir?: string;
  /** Training progress over time, downsampled to at most 100 points. */
  progressSeries?: ProgressPoint[];
  cost?: CostReport;
  /** Webhook events of this pipeline and whether they were delivered. */
  notifications?: NotificationRecord[];
  error?: string;
  result?: PipelineResult;
}
