/**
 * Shapes of the Model Studio management operations (`wanflow jobs …`, `checkpoints`, `previews`, `export`,
 * `deployments …`): the input of the `modelStudioOperation` workflow and what it returns. Pure types and constants:
 * safe in workflow code, shared by the workflow, its activities and the CLI.
 */
import type { Checkpoint, Deployment, FineTuneJob, ValidationDetail } from '../dashscope/schemas';

export const OPERATION_WORKFLOW_TYPE = 'modelStudioOperation';

/** One request; `op` names it (and the workflow id's verb). */
export type OperationRequest =
  | { op: 'jobs.list'; status?: string; model?: string; limit: number }
  | { op: 'jobs.get'; jobId: string }
  | {
      op: 'jobs.logs';
      jobId: string;
      /** Lines already read (0 from the start): the poll reads only what follows. */
      offset: number;
      /** At most this many lines in one result (the CLI asks again from the new offset). */
      maxLines?: number;
      /** With --follow: how long to wait for new lines before returning none (ms); 0 or absent returns at once. */
      waitMs?: number;
      /** With --follow: interval between checks while waiting ('10s'). */
      pollInterval?: string;
    }
  | { op: 'jobs.cancel'; jobId: string }
  | { op: 'jobs.delete'; jobId: string }
  | { op: 'checkpoints'; jobId: string }
  | { op: 'previews'; jobId: string; checkpoint: string }
  | { op: 'export'; jobId: string; checkpoint: string; modelName: string; wait: boolean; pollInterval?: string }
  | { op: 'deployments.list'; limit: number }
  | { op: 'deployments.get'; deployedModel: string }
  | { op: 'deployments.delete'; deployedModel: string };

export type OperationName = OperationRequest['op'];

export interface JobList {
  jobs: FineTuneJob[];
  /** true when more jobs matched than `limit`. */
  more: boolean;
}

export interface LogChunk {
  jobId: string;
  /** Lines after `offset`, in order. */
  lines: string[];
  /** The offset asked for (lines already read before this chunk). */
  offset: number;
  /** Lines read so far including this chunk: the next poll's offset. */
  nextOffset: number;
  /** Lines in the whole log, as the service counts them. */
  total: number;
  /** The job's status when the chunk was read. */
  status: string;
  /** The job has ended (SUCCEEDED, FAILED, CANCELED): no line will follow the ones up to `total`. */
  ended: boolean;
}

/** A checkpoint of a job: its validation result merged with its export state and model names. */
export interface CheckpointRow {
  checkpoint: string;
  /** The step of `checkpoint-<step>` (null for other shapes). */
  step: number | null;
  /** Listed by validation-results (its previews succeeded). */
  validated: boolean;
  /** Export status (PENDING, PROCESSING, SUCCEEDED, FAILED, UNSUPPORTED); absent when never exported. */
  exportStatus?: string;
  /** The deployable model name, once the export SUCCEEDED. */
  modelName?: string;
  /** The display name given at export. */
  modelDisplayName?: string;
  fullName?: string;
  exportCreateTime?: string;
}

export interface CheckpointList {
  jobId: string;
  jobStatus: string;
  /** The job's final output (deployable as "final" once SUCCEEDED). */
  finetunedOutput?: string;
  checkpoints: CheckpointRow[];
}

export interface PreviewList {
  jobId: string;
  checkpoint: string;
  /**
   * Validation previews with their links: signed storage URLs (`…oss…aliyuncs.com/…mp4?Expires=…`, valid 24 h per the
   * reference), fetched without the API key.
   */
  previews: ValidationDetail[];
}

export interface ExportResult {
  jobId: string;
  checkpoint: string;
  modelName: string;
  /** true when an earlier attempt of this operation had already started the export (its response was lost). */
  adopted: boolean;
  /** With --wait: the checkpoint's export state at the end (SUCCEEDED, with the deployable `modelName`). */
  export?: Checkpoint;
}

export interface DeploymentList {
  deployments: Deployment[];
  more: boolean;
}

export interface JobDeleted {
  jobId: string;
  deleted: true;
}

/** The result of each operation. */
export interface OperationResults {
  'jobs.list': JobList;
  'jobs.get': FineTuneJob;
  'jobs.logs': LogChunk;
  'jobs.cancel': FineTuneJob;
  'jobs.delete': JobDeleted;
  checkpoints: CheckpointList;
  previews: PreviewList;
  export: ExportResult;
  'deployments.list': DeploymentList;
  'deployments.get': Deployment;
  'deployments.delete': Deployment;
}

export type OperationResult = OperationResults[OperationName];
