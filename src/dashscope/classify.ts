/**
 * Turns what came back from a call (an error response, a socket failure, a timer) into one error class.
 * This is the only place that decides which errors are final and which are retryable.
 */
import {
  AccountQuotaError,
  throttlingKind,
  APIErrorInit,
  APIStatusError,
  AuthenticationError,
  ConflictError,
  ConnectionError,
  ConnectionResetError,
  DashScopeError,
  InvalidParameterError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
  ServerError,
  TimeoutError,
} from './errors';
import { parseRetryAfterMs } from './retryAfter';

/** The fields read from an error body, whichever of the two shapes it had. */
export interface ErrorBody {
  code?: string | undefined;
  message?: string | undefined;
  requestId?: string | undefined;
  type?: string | undefined;
  param?: string | undefined;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/**
 * Reads an error body: native `{code, message, request_id}`, compatible-mode
 * `{error: {message, type, param, code}, request_id}`, or anything else (non-JSON text is kept as the message).
 */
export function parseErrorBody(text: string): ErrorBody {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    const snippet = text.trim().slice(0, 200);
    return snippet ? { message: snippet } : {};
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) return {};
  const body = json as Record<string, unknown>;
  const requestId = str(body.request_id) ?? str(body.requestId);
  const nested = body.error;
  if (nested !== null && typeof nested === 'object' && !Array.isArray(nested)) {
    const e = nested as Record<string, unknown>;
    return { code: str(e.code) ?? str(body.code), message: str(e.message) ?? str(body.message), type: str(e.type), param: str(e.param), requestId };
  }
  return { code: str(body.code), message: str(body.message) ?? (typeof nested === 'string' ? nested : undefined), requestId };
}

/** Header access that works for undici's plain header records. */
export type HeaderRecord = Record<string, string | string[] | undefined>;

/** The first value of a header, by lower-case name. */
export function header(headers: HeaderRecord, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** The request id from the response headers, if the gateway sent one. */
export function requestIdFromHeaders(headers: HeaderRecord): string | undefined {
  return header(headers, 'x-request-id') ?? header(headers, 'x-dashscope-request-id') ?? header(headers, 'request-id');
}

/** Builds the error for a non-2xx response. `scrub` removes secrets from server-provided text. */
export function errorFromResponse(
  status: number,
  headers: HeaderRecord,
  bodyText: string,
  scrub: (s: string) => string,
  now: number = Date.now(),
): APIStatusError {
  // Scrub before parsing, so no field (message, code, request id) can carry a secret the server echoed.
  const body = parseErrorBody(scrub(bodyText));
  const headerId = requestIdFromHeaders(headers);
  const requestId = body.requestId ?? (headerId === undefined ? undefined : scrub(headerId));
  const detail = body.message ?? '(no message)';
  const message = `${status}${body.code ? ` ${body.code}` : ''}: ${detail}${requestId ? ` (request_id ${requestId})` : ''}`;
  const init: APIErrorInit = {
    status,
    code: body.code,
    requestId,
    type: body.type,
    param: body.param,
  };
  if (status === 401) return new AuthenticationError(message, init);
  if (status === 403) return new PermissionDeniedError(message, init);
  if (status === 404) return new NotFoundError(message, init);
  if (status === 409) return new ConflictError(message, init);
  if (status === 429) {
    const retry = { ...init, retryAfterMs: parseRetryAfterMs(headers, now) };
    return throttlingKind(body.code, body.message) === 'account-jobs' ? new AccountQuotaError(message, retry) : new RateLimitError(message, retry);
  }
  if (status >= 500) return new ServerError(message, init);
  return new InvalidParameterError(message, init);
}

const RESET_CODES = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'ECONNABORTED']);
const REFUSED_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);
const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT']);

/** Walks `err` and its causes for a Node/undici error code. */
function errorCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e && typeof e === 'object' && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

function errorText(err: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof Error) parts.push(e.message);
    else break;
  }
  return parts.join(': ');
}

/**
 * Classifies a failure that produced no HTTP response. Returns undefined for errors that are not
 * transport failures (the caller re-throws those unchanged).
 */
export function errorFromTransport(err: unknown, what: string, scrub: (s: string) => string): DashScopeError | undefined {
  if (err instanceof DashScopeError) return err;
  const code = errorCode(err);
  const text = scrub(errorText(err));
  if (code && TIMEOUT_CODES.has(code)) return new TimeoutError(`${what} timed out (${code})`, { code, cause: err });
  if (code && REFUSED_CODES.has(code)) return new ConnectionError(`${what}: cannot connect (${code}): ${text}`, { code, cause: err });
  if ((code && RESET_CODES.has(code)) || /other side closed|socket hang up|terminated/i.test(text)) {
    return new ConnectionResetError(`${what}: connection lost (${code ?? 'reset'}): ${text}`, { code: code ?? 'ECONNRESET', cause: err });
  }
  return undefined;
}
