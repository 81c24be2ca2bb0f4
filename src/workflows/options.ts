/**
 * Named activity option presets, declared once. Each states its timeouts and which failures are final.
 * Pure data: bundled into workflow code.
 */
import type { ActivityOptions } from '@temporalio/workflow';
import type { Duration } from '@temporalio/common';

/**
 * Error types (class names) the DashScope client raises for final API errors: 400, 401, 403, 404, 409 and bad responses.
 * Kept in sync with `FINAL_ERROR_TYPES` in src/dashscope/errors.ts (a unit test asserts it); duplicated here because
 * workflow code must not import the HTTP client.
 */
export const FINAL_API_ERROR_TYPES = [
  'InvalidParameterError',
  'AuthenticationError',
  'PermissionDeniedError',
  'NotFoundError',
  'ConflictError',
  'ResponseSchemaError',
  'AccountQuotaError',
] as const;

/** Failures raised by wanflow's own activities that no retry can fix. */
export const PIPELINE_FAILURE_TYPES = {
  datasetInvalid: 'DatasetInvalid',
  planInvalid: 'PlanInvalid',
  jobFailed: 'FineTuneJobFailed',
  jobCanceled: 'FineTuneJobCanceled',
  exportFailed: 'ExportFailed',
  modelNameTaken: 'ModelNameTaken',
  deploymentFailed: 'DeploymentFailed',
  taskFailed: 'VideoTaskFailed',
  localFile: 'LocalFileError',
  checkpointUnknown: 'CheckpointUnknown',
  artifactUnavailable: 'ArtifactUnavailable',
  accountQuotaExceeded: 'AccountQuotaExceeded',
  budgetExceeded: 'BudgetExceeded',
  webhookNotConfigured: 'WebhookNotConfigured',
} as const;

/** Benign failure of a job creation refused by the account's job quota while the pipeline waits for capacity. */
export const CAPACITY_WAIT_TYPE = 'AccountCapacityWait';

/** Benign "not done yet" failure of the polling activities; retried at the poll interval, not logged as an error. */
export const NOT_DONE_TYPE = 'NotDoneYet';

const nonRetryableErrorTypes = [...FINAL_API_ERROR_TYPES, ...Object.values(PIPELINE_FAILURE_TYPES)];

/** A short API call: create, get, delete. Transient errors (429, 5xx, resets, timeouts) retry with backoff for up to an hour. */
export const apiCall: ActivityOptions = {
  startToCloseTimeout: '2m',
  scheduleToCloseTimeout: '1h',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m', nonRetryableErrorTypes },
};

/**
 * A management call a person waits for at the CLI (`wanflow jobs cancel …`): transient errors retry a few times within
 * two minutes, then the API's reason reaches the user; final errors (4xx) at once.
 */
export const operationCall: ActivityOptions = {
  startToCloseTimeout: '1m',
  scheduleToCloseTimeout: '2m',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '10s', maximumAttempts: 5, nonRetryableErrorTypes },
};

/** Dataset inspection (reads the zip locally). */
export const localWork: ActivityOptions = {
  startToCloseTimeout: '30m',
  heartbeatTimeout: '1m',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 5, nonRetryableErrorTypes },
};

/** Streaming a zip of up to 1 GB; heartbeats carry bytes sent, so a dead worker is noticed within a minute. */
export const upload: ActivityOptions = {
  startToCloseTimeout: '3h',
  heartbeatTimeout: '1m',
  scheduleToCloseTimeout: '12h',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '2m', nonRetryableErrorTypes },
};

/** Downloads of previews and videos. */
export const download: ActivityOptions = {
  startToCloseTimeout: '30m',
  heartbeatTimeout: '1m',
  scheduleToCloseTimeout: '6h',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '1m', nonRetryableErrorTypes },
};

/**
 * A poll of something slow (training for hours, an export, a deployment): the activity checks once and throws the benign
 * NotDoneYet failure until there is news. The server retries it on a fixed interval, which writes nothing to history
 * and holds no worker slot between checks, so history stays the same size for a 1-hour or a 48-hour training.
 */
export function poll(interval: Duration, scheduleToClose: Duration): ActivityOptions {
  return {
    startToCloseTimeout: '2m',
    scheduleToCloseTimeout: scheduleToClose,
    retry: { initialInterval: interval, backoffCoefficient: 1, maximumInterval: interval, nonRetryableErrorTypes },
  };
}

/**
 * One webhook delivery: a few attempts with backoff (1 s, 2 s, 4 s, … capped at 30 s), then the pipeline records the
 * event as not delivered and goes on. A receiver that stays down never fails a pipeline.
 */
export function webhook(maxAttempts: number): ActivityOptions {
  return {
    startToCloseTimeout: '30s',
    retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: maxAttempts, nonRetryableErrorTypes },
  };
}

/** Timeout overrides from the pipeline input (`timeouts`); see TimeoutsSchema in input.ts. */
export interface TimeoutOverrides {
  /** startToCloseTimeout of API calls and polls. */
  apiCall?: Duration;
  /** heartbeatTimeout of uploads, downloads and dataset inspection. */
  heartbeat?: Duration;
}

/** The presets above with the input's timeout overrides applied; with none given, exactly the presets. */
export function presetsFor(t: TimeoutOverrides = {}) {
  const api = (o: ActivityOptions): ActivityOptions => (t.apiCall ? { ...o, startToCloseTimeout: t.apiCall } : o);
  const hb = (o: ActivityOptions): ActivityOptions => (t.heartbeat ? { ...o, heartbeatTimeout: t.heartbeat } : o);
  return {
    apiCall: api(apiCall),
    localWork: hb(localWork),
    upload: hb(upload),
    download: hb(download),
    poll: (interval: Duration, scheduleToClose: Duration): ActivityOptions => api(poll(interval, scheduleToClose)),
    webhook: (maxAttempts: number): ActivityOptions => api(webhook(maxAttempts)),
  };
}
