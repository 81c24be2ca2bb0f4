/**
 * The one error hierarchy of the DashScope client.
 *
 * Every failure of a call is classified exactly once, here, into a class whose `name` equals the class name:
 * Temporal matches `nonRetryableErrorTypes` against `error.name`, so these names are a contract with the
 * workflow retry policies (see docs/contracts.md). The API key never reaches any field of these errors.
 */

/** What every error raised by the client carries. */
export interface DashScopeErrorInit {
  status?: number | undefined;
  code?: string | undefined;
  requestId?: string | undefined;
  cause?: unknown;
}

/** Base class: `status` (HTTP status, if a response arrived), `code` (service code), `requestId`, `retryable`. */
export class DashScopeError extends Error {
  override readonly name: string = 'DashScopeError';
  /** HTTP status of the response, or undefined when no response arrived. */
  readonly status: number | undefined;
  /** Service error code (`InvalidParameter`, `Throttling.RateQuota`, …) or a socket error code. */
  readonly code: string | undefined;
  /** The service's request id, when the response carried one. */
  readonly requestId: string | undefined;
  /** Whether repeating the same call may succeed. */
  readonly retryable: boolean = false;

  constructor(message: string, init: DashScopeErrorInit = {}) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.status = init.status;
    this.code = init.code;
    this.requestId = init.requestId;
  }

  /** A plain, log-safe view of the error. */
  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      message: this.message,
      status: this.status,
      code: this.code,
      requestId: this.requestId,
      retryable: this.retryable,
    };
  }
}

/** Extra fields of errors built from an HTTP error response. */
export interface APIErrorInit extends DashScopeErrorInit {
  status: number;
  /** Compatible-mode `error.type`. */
  type?: string | undefined;
  /** Compatible-mode `error.param`. */
  param?: string | undefined;
}

/** An error response from the service (any non-2xx status). */
export abstract class APIStatusError extends DashScopeError {
  override readonly status: number;
  /** Compatible-mode `error.type`, when present. */
  readonly type: string | undefined;
  /** Compatible-mode `error.param`, when present. */
  readonly param: string | undefined;

  constructor(message: string, init: APIErrorInit) {
    super(message, init);
    this.status = init.status;
    this.type = init.type;
    this.param = init.param;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), type: this.type, param: this.param };
  }
}

/** 400 (and other request-side 4xx): bad parameters, `Arrearage`, `UnsupportedOperation`. Final. */
export class InvalidParameterError extends APIStatusError {
  override readonly name: string = 'InvalidParameterError';
}

/** 401 `InvalidApiKey`. Final. */
export class AuthenticationError extends APIStatusError {
  override readonly name: string = 'AuthenticationError';
}

/** 403 `AccessDenied` (including a synchronous call to an async-only API). Final. */
export class PermissionDeniedError extends APIStatusError {
  override readonly name: string = 'PermissionDeniedError';
}

/** 404 `NotFound` / `ModelNotFound`. Final. */
export class NotFoundError extends APIStatusError {
  override readonly name: string = 'NotFoundError';
}

/** 409 `Conflict` (for example a deployment of that name exists). Final. */
export class ConflictError extends APIStatusError {
  override readonly name: string = 'ConflictError';
}

/** 429 `Throttling*`. Retryable; `retryAfterMs` comes from `retry-after-ms` / `Retry-After` when sent. */
export class RateLimitError extends APIStatusError {
  override readonly name: string = 'RateLimitError';
  override readonly retryable: boolean = true;
  /** How long the service asked us to wait, in milliseconds, if it said. */
  readonly retryAfterMs: number | undefined;

  constructor(message: string, init: APIErrorInit & { retryAfterMs?: number | undefined }) {
    super(message, init);
    this.retryAfterMs = init.retryAfterMs;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), retryAfterMs: this.retryAfterMs };
  }
}

/**
 * 429 "Only 20 fine-tune job in running or succeeded allowed per user." (notes §9.2): an account quota that does not
 * clear by waiting, only by deleting old jobs. Final for an ordinary retry; the pipeline waits for capacity slowly.
 */
export class AccountQuotaError extends RateLimitError {
  override readonly name: string = 'AccountQuotaError';
  override readonly retryable: boolean = false;
}

/**
 * What a 429 means, by its body (notes §9.2, §3.2): `account-jobs` — the per-account job quota (wait does not clear it);
 * `running-jobs` — "Too many fine-tune job in running, please retry later." (back off); `rate` — `Throttling.*` request
 * rates (back off).
 */
export function throttlingKind(code: string | undefined, message: string | undefined): 'account-jobs' | 'running-jobs' | 'rate' {
  const m = message ?? '';
  if (/only\s+\d+\s+fine-tune\s+jobs?\s+in\s+running\s+or\s+succeeded\s+allowed/i.test(m)) return 'account-jobs';
  if (/too many fine-tune jobs?\s+in\s+running/i.test(m)) return 'running-jobs';
  void code;
  return 'rate';
}

/** 5xx. Retryable. */
export class ServerError extends APIStatusError {
  override readonly name: string = 'ServerError';
  override readonly retryable: boolean = true;
}

/**
 * No connection could be made (refused, DNS failure): the request was certainly not processed,
 * so it is safe to repeat even a non-idempotent call. Retryable.
 */
export class ConnectionError extends DashScopeError {
  override readonly name: string = 'ConnectionError';
  override readonly retryable: boolean = true;
}

/**
 * The connection broke after the request may have been sent (ECONNRESET, "other side closed"):
 * the service may or may not have acted on it. Retryable, but a non-idempotent call must first check
 * whether its effect happened.
 */
export class ConnectionResetError extends DashScopeError {
  override readonly name: string = 'ConnectionResetError';
  override readonly retryable: boolean = true;
}

/** No response (or no progress) within the time limit; the request may have been processed. Retryable. */
export class TimeoutError extends DashScopeError {
  override readonly name: string = 'TimeoutError';
  override readonly retryable: boolean = true;
}

/** A 2xx response whose body does not match the expected shape (or is not JSON). Final. */
export class ResponseSchemaError extends DashScopeError {
  override readonly name: string = 'ResponseSchemaError';
  /** Dotted path of the first offending field (`output.job_id`), or '' for the whole body. */
  readonly path: string;

  constructor(message: string, init: DashScopeErrorInit & { path: string }) {
    super(message, init);
    this.path = init.path;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), path: this.path };
  }
}

/** Class names of errors that repeating the call cannot fix (for Temporal's `nonRetryableErrorTypes`). */
export const FINAL_ERROR_TYPES = [
  'InvalidParameterError',
  'AuthenticationError',
  'PermissionDeniedError',
  'NotFoundError',
  'ConflictError',
  'ResponseSchemaError',
  'AccountQuotaError',
] as const;

/** Class names of errors that a later attempt may get past. */
export const RETRYABLE_ERROR_TYPES = [
  'RateLimitError',
  'ServerError',
  'ConnectionError',
  'ConnectionResetError',
  'TimeoutError',
] as const;

/** Whether `err` is a client error that a later attempt may get past. */
export function isRetryable(err: unknown): boolean {
  return err instanceof DashScopeError && err.retryable;
}
