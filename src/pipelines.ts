/**
 * Starting and watching pipelines through a Temporal client: what the CLI, `npm start` and other services use.
 *
 * Other services can do the same with any Temporal SDK: start workflow type `fineTunePipeline` on task queue
 * `wanflow` with one argument matching schema/pipeline-input.schema.json.
 */
import { Client, WorkflowExecutionAlreadyStartedError, type WorkflowHandle } from '@temporalio/client';
import { parsePipelineInput, type PipelineInput } from './workflows/input';
import { statusQuery } from './workflows/messages';
import { WanflowBaseModel, WanflowStage } from './workflows/search-attributes';
import type { PipelineStatus } from './workflows/types';
import type { fineTunePipeline } from './workflows/pipeline';

export const WORKFLOW_TYPE = 'fineTunePipeline';

/** Workflow ids name the model and the dataset's content, so the same dataset and model map to the same pipeline. */
export function defaultWorkflowId(model: string, datasetSha256: string): string {
  return `wanflow-${model}-${datasetSha256.slice(0, 12)}`;
}

export interface StartPipelineOptions {
  taskQueue: string;
  workflowId: string;
}

export interface StartedPipeline {
  handle: WorkflowHandle<typeof fineTunePipeline>;
  workflowId: string;
  /** true when a pipeline with this id was already running and this call attached to it instead of starting another. */
  attached: boolean;
}

/** Starts a pipeline, or attaches to the running one with the same workflow id. */
export async function startPipeline(client: Client, input: PipelineInput, opts: StartPipelineOptions): Promise<StartedPipeline> {
  const resolved = parsePipelineInput(input); // fail here, with every field named, before anything starts
  const existing = client.workflow.getHandle<typeof fineTunePipeline>(opts.workflowId);
  const running = await existing.describe().then(
    (d) => d.status.name === 'RUNNING',
    () => false,
  );
  if (running) return { handle: existing, workflowId: opts.workflowId, attached: true };
  const source =
    resolved.source.kind === 'dataset' ? resolved.source.training.path.split(/[\\/]/).pop() : resolved.source.kind === 'job' ? resolved.source.jobId : resolved.source.modelName;
  try {
    const handle = await client.workflow.start<typeof fineTunePipeline>(WORKFLOW_TYPE, {
      taskQueue: opts.taskQueue,
      workflowId: opts.workflowId,
      args: [input],
      workflowIdConflictPolicy: 'USE_EXISTING',
      typedSearchAttributes: [
        { key: WanflowBaseModel, value: resolved.model },
        { key: WanflowStage, value: 'queued' },
      ],
      staticSummary: `fine-tune ${resolved.model} from ${source}`,
      staticDetails: resolved.label,
    });
    return { handle, workflowId: opts.workflowId, attached: false };
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) {
      return { handle: existing, workflowId: opts.workflowId, attached: true };
    }
    throw err;
  }
}

/** The pipeline's status query (works on running and on closed workflows). */
export async function pipelineStatus(client: Client, workflowId: string): Promise<PipelineStatus> {
  return client.workflow.getHandle(workflowId).query(statusQuery);
}
