import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { PipelineStatus } from './types';

/** Progress of a pipeline: stage, job status, epochs, checkpoints, usage, ETA, artifacts. */
export const statusQuery = defineQuery<PipelineStatus>('status');

/** Choose the checkpoint to deploy ("final" or checkpoint-<step>) while the pipeline awaits approval. */
export const approveCheckpointUpdate = defineUpdate<{ checkpoint: string }, [string]>('approveCheckpoint');
