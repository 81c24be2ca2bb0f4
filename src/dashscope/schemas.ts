/**
 * zod 4 schemas for every response (and the request bodies worth validating before sending).
 *
 * Conventions: objects are `looseObject` so fields the service adds later survive parsing; optional fields
 * accept null (`nullish`); status strings are open (known values are exported, unknown ones still parse).
 */
import { z } from 'zod';

/** A string schema typed as one of `values` while still accepting values added by the service later. */
function openEnum<const T extends string>(values: readonly T[]): z.ZodType<T | (string & {})> {
  void values;
  return z.string() as unknown as z.ZodType<T | (string & {})>;
}

/** The native envelope: `{ request_id, output }`. */
export function nativeEnvelope<T extends z.ZodType>(output: T) {
  return z.looseObject({ request_id: z.string().nullish(), output });
}

// ---------------------------------------------------------------- files (compatible mode)

/** A file object of the OpenAI-compatible Files API. */
export const FileObjectSchema = z.looseObject({
  id: z.string(),
  object: z.string().nullish(),
  bytes: z.number(),
  created_at: z.number(),
  filename: z.string(),
  purpose: z.string(),
  status: z.string().nullish(),
  status_details: z.unknown().nullish(),
});
export type FileObject = z.infer<typeof FileObjectSchema>;

/** `GET /compatible-mode/v1/files`. */
export const FileListSchema = z.looseObject({
  object: z.string().nullish(),
  has_more: z.boolean().nullish(),
  data: z.array(FileObjectSchema),
});
export type FileList = z.infer<typeof FileListSchema>;

/** `DELETE /compatible-mode/v1/files/{id}`. */
export const FileDeletedSchema = z.looseObject({
  id: z.string(),
  object: z.string().nullish(),
  deleted: z.boolean(),
});
export type FileDeleted = z.infer<typeof FileDeletedSchema>;

// ---------------------------------------------------------------- files (native /api/v1/files)

/** `POST /api/v1/files` result, under `data`. */
export const NativeUploadResultSchema = z.looseObject({
  uploaded_files: z.array(z.looseObject({ name: z.string().nullish(), file_id: z.string() })).nullish(),
  failed_uploads: z
    .array(z.looseObject({ name: z.string().nullish(), code: z.string().nullish(), message: z.string().nullish() }))
    .nullish(),
});
export type NativeUploadResult = z.infer<typeof NativeUploadResultSchema>;

/** A file of the native Files API. */
export const NativeFileSchema = z.looseObject({
  file_id: z.string(),
  name: z.string().nullish(),
  description: z.string().nullish(),
  size: z.number().nullish(),
  md5: z.string().nullish(),
  gmt_create: z.string().nullish(),
  url: z.string().nullish(),
  region: z.string().nullish(),
});
export type NativeFile = z.infer<typeof NativeFileSchema>;

/** `GET /api/v1/files?page_no&page_size`, under `data`. */
export const NativeFileListSchema = z.looseObject({
  total: z.number().nullish(),
  page_no: z.number().nullish(),
  page_size: z.number().nullish(),
  files: z.array(NativeFileSchema).nullish(),
});
export type NativeFileList = z.infer<typeof NativeFileListSchema>;

/** The native Files envelope: `{ request_id, data }`. */
export function nativeDataEnvelope<T extends z.ZodType>(data: T) {
  return z.looseObject({ request_id: z.string().nullish(), data });
}

// ---------------------------------------------------------------- fine-tunes

/** Job statuses documented by the reference. */
export const FINE_TUNE_STATUSES = ['PENDING', 'QUEUING', 'RUNNING', 'CANCELING', 'SUCCEEDED', 'FAILED', 'CANCELED'] as const;
export type FineTuneStatus = (typeof FINE_TUNE_STATUSES)[number];
/** Statuses after which a job never changes again. */
export const FINE_TUNE_TERMINAL_STATUSES: readonly FineTuneStatus[] = ['SUCCEEDED', 'FAILED', 'CANCELED'];

/** Hyper-parameters as sent to `POST /fine-tunes` (all optional; the service fills defaults). */
export const HyperParametersSchema = z.looseObject({
  n_epochs: z.number().int().positive().optional(),
  batch_size: z.number().int().positive().optional(),
  learning_rate: z.number().positive().optional(),
  eval_epochs: z.number().int().positive().optional(),
  max_pixels: z.number().int().positive().optional(),
  split: z.number().gt(0).lt(1).optional(),
  max_split_val_dataset_sample: z.number().int().positive().optional(),
  save_total_limit: z.number().int().positive().optional(),
  lora_rank: z.number().int().positive().optional(),
  lora_alpha: z.number().int().positive().optional(),
});
export type HyperParameters = z.infer<typeof HyperParametersSchema>;

/** Body of `POST /api/v1/fine-tunes`. */
export const CreateFineTuneRequestSchema = z.looseObject({
  model: z.string().min(1),
  training_file_ids: z.array(z.string().min(1)).min(1),
  validation_file_ids: z.array(z.string().min(1)).optional(),
  training_type: z.literal('efficient_sft'),
  hyper_parameters: HyperParametersSchema.optional(),
});
export type CreateFineTuneRequest = z.input<typeof CreateFineTuneRequestSchema>;

/** A fine-tuning job (`output` of create / retrieve, an element of list). */
export const FineTuneJobSchema = z.looseObject({
  job_id: z.string(),
  job_name: z.string().nullish(),
  status: openEnum(FINE_TUNE_STATUSES),
  finetuned_output: z.string().nullish(),
  model: z.string(),
  base_model: z.string().nullish(),
  training_file_ids: z.array(z.string()).nullish(),
  validation_file_ids: z.array(z.string()).nullish(),
  hyper_parameters: z.record(z.string(), z.unknown()).nullish(),
  training_type: z.string().nullish(),
  create_time: z.string().nullish(),
  end_time: z.string().nullish(),
  usage: z.number().nullish(),
  output_cnt: z.number().nullish(),
  max_output_cnt: z.number().nullish(),
  workspace_id: z.string().nullish(),
  message: z.string().nullish(),
  code: z.string().nullish(),
});
export type FineTuneJob = z.infer<typeof FineTuneJobSchema>;

/** `output` of `GET /api/v1/fine-tunes`. */
export const FineTuneListSchema = z.looseObject({
  page_no: z.number().nullish(),
  page_size: z.number().nullish(),
  total: z.number().nullish(),
  jobs: z.array(FineTuneJobSchema).nullish(),
});

/** `output` of cancel / delete: `{ status: 'success' }`. */
export const StatusResultSchema = z.looseObject({ status: z.string() });
export type StatusResult = z.infer<typeof StatusResultSchema>;

/** `output` of `GET /fine-tunes/{id}/logs`. */
export const FineTuneLogsSchema = z.looseObject({ total: z.number(), logs: z.array(z.string()) });
export type FineTuneLogs = z.infer<typeof FineTuneLogsSchema>;

/** Export statuses of a checkpoint. */
export const CHECKPOINT_STATUSES = ['PENDING', 'PROCESSING', 'SUCCEEDED', 'FAILED', 'UNSUPPORTED'] as const;
export type CheckpointStatus = (typeof CHECKPOINT_STATUSES)[number];

/** An element of `GET /fine-tunes/{id}/checkpoints` (exported checkpoints). */
export const CheckpointSchema = z.looseObject({
  checkpoint: z.string(),
  status: openEnum(CHECKPOINT_STATUSES),
  job_id: z.string().nullish(),
  full_name: z.string().nullish(),
  model_name: z.string().nullish(),
  model_display_name: z.string().nullish(),
  create_time: z.string().nullish(),
});
export type Checkpoint = z.infer<typeof CheckpointSchema>;

/** An element of `GET /fine-tunes/{id}/validation-results`. */
export const ValidationResultSchema = z.looseObject({ checkpoint: z.string() });
export type ValidationResult = z.infer<typeof ValidationResultSchema>;

/** One validation preview of a checkpoint. */
export const ValidationDetailSchema = z.looseObject({
  video_path: z.string().nullish(),
  prompt: z.string().nullish(),
  first_frame_path: z.string().nullish(),
  last_frame_path: z.string().nullish(),
});
export type ValidationDetail = z.infer<typeof ValidationDetailSchema>;

/** `output` of `GET /fine-tunes/{id}/validation-details/{checkpoint}`. */
export const ValidationDetailsPageSchema = z.looseObject({
  page_no: z.number().nullish(),
  page_size: z.number().nullish(),
  total: z.number().nullish(),
  list: z.array(ValidationDetailSchema).nullish(),
});
export type ValidationDetailsPage = z.infer<typeof ValidationDetailsPageSchema>;

// ---------------------------------------------------------------- deployments

/** Deployment statuses documented by the reference. */
export const DEPLOYMENT_STATUSES = [
  'PENDING', 'RUNNING', 'ARREARS_DOWN', 'ARREARS_RECOVERING', 'FAILED', 'OFFLINING', 'UPDATING', 'UPDATING_FAILED', 'DELETING',
] as const;
export type DeploymentStatus = (typeof DEPLOYMENT_STATUSES)[number];

/** `aigc_config` of a Wan LoRA deployment. */
export const AigcConfigSchema = z.looseObject({
  use_input_prompt: z.boolean(),
  prompt: z.string(),
  lora_prompt_default: z.string(),
});
export type AigcConfig = z.infer<typeof AigcConfigSchema>;

/** Body of `POST /api/v1/deployments` for a Wan video LoRA. */
export const CreateDeploymentRequestSchema = z.looseObject({
  model_name: z.string().min(1),
  capacity: z.literal(1),
  plan: z.literal('lora'),
  aigc_config: AigcConfigSchema,
});
export type CreateDeploymentRequest = z.input<typeof CreateDeploymentRequestSchema>;

/** A deployment (`output` of create / retrieve / delete, an element of list). */
export const DeploymentSchema = z.looseObject({
  deployed_model: z.string(),
  model_name: z.string().nullish(),
  status: openEnum(DEPLOYMENT_STATUSES),
  base_model: z.string().nullish(),
  gmt_create: z.string().nullish(),
  gmt_modified: z.string().nullish(),
  workspace_id: z.string().nullish(),
  charge_type: z.string().nullish(),
  plan: z.string().nullish(),
  capacity: z.number().nullish(),
  aigc_config: z.record(z.string(), z.unknown()).nullish(),
  message: z.string().nullish(),
});
export type Deployment = z.infer<typeof DeploymentSchema>;

/** `output` of `GET /api/v1/deployments` (the service's key is `deployments`; `list` is accepted too). */
export const DeploymentListSchema = z.looseObject({
  page_no: z.number().nullish(),
  page_size: z.number().nullish(),
  total: z.number().nullish(),
  deployments: z.array(DeploymentSchema).nullish(),
  list: z.array(DeploymentSchema).nullish(),
});

// ---------------------------------------------------------------- video synthesis and tasks

/** The two invocation routes: first-frame i2v and first+last-frame kf2v. */
export const VIDEO_ROUTES = ['video-generation', 'image2video'] as const;
export type VideoRoute = (typeof VIDEO_ROUTES)[number];

/** Body of `POST /api/v1/services/aigc/{route}/video-synthesis`. */
export const VideoSynthesisRequestSchema = z.looseObject({
  model: z.string().min(1),
  input: z.looseObject({
    prompt: z.string().optional(),
    negative_prompt: z.string().optional(),
    img_url: z.string().optional(),
    first_frame_url: z.string().optional(),
    last_frame_url: z.string().optional(),
    audio_url: z.string().optional(),
    media: z.array(z.looseObject({ type: z.string(), url: z.string() })).optional(),
  }),
  parameters: z
    .looseObject({
      resolution: z.string().optional(),
      duration: z.number().int().positive().optional(),
      prompt_extend: z.boolean().optional(),
      watermark: z.boolean().optional(),
      seed: z.number().int().min(0).max(2147483647).optional(),
      audio: z.boolean().optional(),
      shot_type: z.string().optional(),
    })
    .optional(),
});
export type VideoSynthesisRequest = z.input<typeof VideoSynthesisRequestSchema>;

/** Task statuses (SUSPENDED is defined by the SDKs, not documented for video). */
export const TASK_STATUSES = ['PENDING', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELED', 'UNKNOWN', 'SUSPENDED'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];
/** Statuses after which a task never changes (as the official SDKs define them). */
export const TASK_TERMINAL_STATUSES: readonly TaskStatus[] = ['SUCCEEDED', 'FAILED', 'CANCELED', 'UNKNOWN'];

/** `output` of the video-synthesis create call. */
export const TaskCreatedSchema = z.looseObject({ task_id: z.string(), task_status: openEnum(TASK_STATUSES) });
export type TaskCreated = z.infer<typeof TaskCreatedSchema>;

/** `usage` of a video task (fields vary by model). */
export const TaskUsageSchema = z.looseObject({
  duration: z.number().nullish(),
  video_duration: z.number().nullish(),
  output_video_duration: z.number().nullish(),
  video_count: z.number().nullish(),
  SR: z.number().nullish(),
});

/** `output` of `GET /api/v1/tasks/{id}`. A failed task is HTTP 200 with `code` and `message` set. */
export const TaskOutputSchema = z.looseObject({
  task_id: z.string(),
  task_status: openEnum(TASK_STATUSES),
  submit_time: z.string().nullish(),
  scheduled_time: z.string().nullish(),
  end_time: z.string().nullish(),
  video_url: z.string().nullish(),
  orig_prompt: z.string().nullish(),
  actual_prompt: z.string().nullish(),
  code: z.string().nullish(),
  message: z.string().nullish(),
});
/** A task's `output`, with the response's top-level `usage` copied in. */
export type TaskOutput = z.infer<typeof TaskOutputSchema> & { usage?: z.infer<typeof TaskUsageSchema> | null };

/** Whole response of `GET /api/v1/tasks/{id}`. */
export const TaskResponseSchema = z.looseObject({
  request_id: z.string().nullish(),
  output: TaskOutputSchema,
  usage: TaskUsageSchema.nullish(),
});

/** Response of `POST /api/v1/tasks/{id}/cancel` (only `request_id` is documented). */
/** An element of `GET /api/v1/tasks` (the task list; its shape is inferred from the SDKs, not documented in our sources). */
export const TaskSummarySchema = z.looseObject({
  task_id: z.string(),
  model_name: z.string().nullish(),
  status: z.string().nullish(),
  gmt_create: z.string().nullish(),
  start_time: z.string().nullish(),
  end_time: z.string().nullish(),
});
export type TaskSummary = z.infer<typeof TaskSummarySchema>;

/** `GET /api/v1/tasks`: `{request_id, data, total, page_no, page_size}`. */
export const TaskListResponseSchema = z.looseObject({
  request_id: z.string().nullish(),
  data: z.array(TaskSummarySchema).nullish(),
  total: z.number().nullish(),
  page_no: z.number().nullish(),
  page_size: z.number().nullish(),
});

export const TaskCancelResponseSchema = z.looseObject({
  request_id: z.string().nullish(),
  code: z.string().nullish(),
  message: z.string().nullish(),
});
export type TaskCancelResponse = z.infer<typeof TaskCancelResponseSchema>;
