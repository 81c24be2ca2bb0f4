/**
 * The pipeline's input: versioned, JSON-serialisable, validated by zod.
 * Its JSON Schema is committed at schema/pipeline-input.schema.json (`npm run schema`), so any Temporal client
 * (Go, Python, Java, the CLI) can start `fineTunePipeline` with a plain JSON object.
 *
 * Pure data and zod only: this module is bundled into workflow code.
 */
import { z } from 'zod';
import { MODEL_IDS, type ModelId } from '../catalog/models'; // pure data, safe in workflow code

export { MODEL_IDS, type ModelId };

/** A Temporal duration string such as '30s', '5m', '2h', or milliseconds. */
const DurationSchema = z
  .union([z.string().regex(/^\d+(\.\d+)?\s*(ms|s|m|h|d)$/, 'a duration such as "30s", "5m" or "2h"'), z.number().int().positive()])
  .describe('A duration: "30s", "5m", "2h", or milliseconds');

export const AigcConfigSchema = z
  .object({
    use_input_prompt: z.boolean().describe('true: use the prompt of each API call; false: build it from `prompt` and the image'),
    prompt: z.string().min(1).describe('Prompt template used when use_input_prompt=false'),
    lora_prompt_default: z.string().min(1).describe('Fallback prompt when the template cannot be filled'),
  })
  .describe('Deployment prompt configuration (aigc_config of POST /api/v1/deployments)');
export type AigcConfig = z.infer<typeof AigcConfigSchema>;

export const CheckpointPolicySchema = z
  .discriminatedUnion('policy', [
    z.object({ policy: z.literal('final') }).describe("Deploy the job's finetuned_output (no export needed)"),
    z.object({ policy: z.literal('named'), name: z.string().regex(/^checkpoint-\d+$/, 'checkpoint-<step>') }).describe('Export and deploy this checkpoint'),
    z
      .object({
        policy: z.literal('manual'),
        approvalTimeout: DurationSchema.default('24h'),
        fallback: z.enum(['final', 'latest', 'fail']).default('final').describe('What to deploy when nobody approves in time'),
      })
      .describe('Wait for an approveCheckpoint Update (`wanflow approve <id> <checkpoint>`)'),
  ])
  .default({ policy: 'final' });
export type CheckpointPolicy = z.infer<typeof CheckpointPolicySchema>;

export const GenerateSchema = z
  .object({
    count: z.number().int().min(1).max(10).default(1).describe('How many sample videos to generate with the deployed model'),
    prompt: z.string().optional().describe('Prompt (used when aigc_config.use_input_prompt=true)'),
    resolution: z.enum(['480P', '720P', '1080P']).optional(),
    /** Local images (paths on the worker's machine); default: first frames taken from the dataset. */
    images: z.array(z.string()).optional(),
  })
  .describe('Generate sample videos once the deployment is RUNNING');

export const PollingSchema = z
  .object({
    training: DurationSchema.default('45s').describe(
      'Shortest interval between training checks, used near the estimated end (so the end is noticed within about this long)',
    ),
    trainingMax: DurationSchema.optional().describe(
      'Longest interval between training checks, used while the end is far or unknown (a failure mid-training is noticed within this); default 40/3 × training (45 s → 10 min)',
    ),
    export: DurationSchema.default('15s'),
    deployment: DurationSchema.default('30s'),
    task: DurationSchema.default('15s'),
  })
  .default({ training: '45s', export: '15s', deployment: '30s', task: '15s' });

export const CapacityWaitSchema = z
  .object({
    timeout: DurationSchema.default('24h').describe(
      'How long to keep retrying a job creation refused by the account quota ("Only 20 fine-tune job in running or succeeded allowed per user") before failing',
    ),
    retryEvery: DurationSchema.default('10m').describe('Interval between those retries'),
  })
  .default({ timeout: '24h', retryEvery: '10m' })
  .describe("Waiting for account capacity: the quota clears only when old jobs are deleted, so retries are slow");

export const CleanupSchema = z
  .object({
    deleteDeployment: z
      .enum(['never', 'on-cancel', 'on-failure', 'on-cancel-or-failure'])
      .default('on-cancel-or-failure')
      .describe('Delete a deployment this pipeline created when the pipeline is cancelled and/or fails'),
    cancelJob: z.boolean().default(true).describe('Cancel the remote fine-tune job when the pipeline is cancelled or fails while it trains'),
  })
  .default({ deleteDeployment: 'on-cancel-or-failure', cancelJob: true });

/**
 * How soon a lost worker is noticed. An activity whose worker dies (crash, SIGKILL, lost host) stays claimed until its
 * timeout, then is retried on another worker. Defaults are the presets in options.ts; shorten them only where workers
 * are expected to die often (chaos and durability tests). Too short a value times out healthy calls.
 */
export const TimeoutsSchema = z
  .object({
    apiCall: DurationSchema.optional().describe('Start-to-close timeout of each Model Studio API call and poll (default "2m")'),
    heartbeat: DurationSchema.optional().describe('Heartbeat timeout of uploads, downloads and dataset inspection (default "1m")'),
  })
  .describe('Overrides of activity timeouts: how soon an activity of a dead worker is retried elsewhere');

export const NOTIFY_EVENTS = ['approval-needed', 'succeeded', 'failed', 'cancelled'] as const;
export type NotifyEvent = (typeof NOTIFY_EVENTS)[number];

/**
 * Webhook notifications (Standard Webhooks). The signing secret is not here: it lives only in the worker's environment
 * (WANFLOW_WEBHOOK_SECRET, `whsec_…`).
 */
export const NotifySchema = z
  .object({
    url: z.url({ protocol: /^https?$/ }).describe('Where to POST the JSON events (http or https)'),
    events: z
      .array(z.enum(NOTIFY_EVENTS))
      .min(1)
      .default([...NOTIFY_EVENTS])
      .describe('Which events to send (default: all of approval-needed, succeeded, failed, cancelled)'),
    reviewUrl: z
      .url({ protocol: /^https?$/ })
      .optional()
      .describe('Review page link put in approval-needed events; "{workflowId}" is replaced by the workflow id'),
    maxAttempts: z.number().int().min(1).max(20).default(6).describe('Delivery attempts per event before it is recorded as not delivered'),
  })
  .describe('Webhook notifications, signed per Standard Webhooks with the worker\'s WANFLOW_WEBHOOK_SECRET');

export const BudgetSchema = z
  .object({
    maxCost: z.number().positive().describe("Cap on the estimated cost, in the training price's currency (USD, Singapore)"),
    videoPricePerSecond: z
      .number()
      .nonnegative()
      .optional()
      .describe(
        'Price of one second of generated video in the same currency; required with `generate` (no Singapore per-second price is published)',
      ),
  })
  .describe('Cost cap: a pipeline whose estimate exceeds maxCost stops before anything is uploaded');

const DatasetRefSchema = z.object({
  path: z.string().min(1).describe("Path of the .zip on the worker's machine"),
  sha256: z.string().regex(/^[0-9a-f]{64}$/).optional().describe('Expected sha256 (checked before upload)'),
});

export const PipelineInputSchema = z
  .object({
    version: z.literal(1).describe('Input schema version'),
    model: z.enum(MODEL_IDS).describe('Base model to fine-tune'),
    /** Where the pipeline starts: a dataset (the full chain), an existing job, or an exported model (deploy only). */
    source: z
      .discriminatedUnion('kind', [
        z.object({ kind: z.literal('dataset'), training: DatasetRefSchema, validation: DatasetRefSchema.optional() }),
        z.object({ kind: z.literal('job'), jobId: z.string().min(1) }).describe('Attach to an existing fine-tune job'),
        z.object({ kind: z.literal('model'), modelName: z.string().min(1) }).describe('Deploy an exported or finetuned model'),
      ])
      .describe('What to start from'),
    hyperParameters: z
      .record(z.string(), z.union([z.number(), z.string()]))
      .default({})
      .describe('Overrides of the model defaults (n_epochs, batch_size, learning_rate, ...)'),
    checkpoint: CheckpointPolicySchema,
    deployment: z
      .object({ aigcConfig: AigcConfigSchema })
      .describe('How to deploy the LoRA (capacity 1, plan lora)'),
    generate: GenerateSchema.optional(),
    polling: PollingSchema,
    capacityWait: CapacityWaitSchema,
    cleanup: CleanupSchema,
    artifactsDir: z.string().default('artifacts').describe("Folder on the worker's machine for previews and videos"),
    label: z.string().max(200).optional().describe('Free text shown in the Web UI'),
    timeouts: TimeoutsSchema.optional(),
    notify: NotifySchema.optional(),
    budget: BudgetSchema.optional(),
  })
  .describe('Input of the fineTunePipeline workflow');

export type PipelineInput = z.input<typeof PipelineInputSchema>;
export type ResolvedPipelineInput = z.output<typeof PipelineInputSchema>;

/** Parses input, throwing an error that names every bad field. */
export function parsePipelineInput(input: unknown): ResolvedPipelineInput {
  const parsed = PipelineInputSchema.safeParse(input);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${i.path.join('.') || '(input)'}: ${i.message}`);
    throw new InvalidPipelineInputError(`invalid pipeline input: ${lines.join('; ')}`, lines);
  }
  return parsed.data;
}

export class InvalidPipelineInputError extends Error {
  override readonly name = 'InvalidPipelineInputError';
  constructor(message: string, readonly problems: string[]) {
    super(message);
  }
}

export const DEFAULT_AIGC_CONFIG: AigcConfig = {
  use_input_prompt: true,
  prompt:
    'Provide a video description based on the image content. Output template: The video begins with [subject description]. [Environment description]. Then the wanflow effect begins.',
  lora_prompt_default: 'Then the wanflow effect begins.',
};
