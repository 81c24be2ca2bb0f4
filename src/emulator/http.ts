/** Request context, API errors in both of the service's error shapes, and body reading. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';

/** An error the emulated service returns to the caller. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly param: string | null = null,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export const badParam = (message: string, param: string | null = null) => new ApiError(400, 'InvalidParameter', message, param);
export const notFound = (message = 'Not found.') => new ApiError(404, 'NotFound', message);

export type Effect = 'file.created' | 'file.deleted' | 'job.created' | 'job.canceled' | 'job.deleted' | 'export.created' | 'deployment.created' | 'deployment.deleted' | 'task.created' | 'task.canceled';

export interface Ctx {
  req: IncomingMessage;
  res: ServerResponse;
  method: string;
  path: string;
  query: URLSearchParams;
  requestId: string;
  /** OpenAI-compatible path: errors use the `{error:{…}}` shape. */
  compat: boolean;
  params: string[];
  effect?: Effect;
  resourceId?: string;
}

export function makeCtx(req: IncomingMessage, res: ServerResponse): Ctx {
  const raw = req.url ?? '/';
  let url: URL;
  try {
    // Prefix the origin ourselves so "//x" or absolute-form targets stay paths instead of becoming hosts.
    url = new URL(`http://emulator.invalid${raw.startsWith('/') ? '' : '/'}${raw}`);
  } catch {
    url = new URL('http://emulator.invalid/invalid-request-target');
  }
  return {
    req, res,
    method: (req.method ?? 'GET').toUpperCase(),
    path: url.pathname,
    query: url.searchParams,
    requestId: randomUUID(),
    compat: url.pathname.startsWith('/compatible-mode/'),
    params: [],
  };
}

const COMPAT_CODES: Record<string, [string, string]> = {
  InvalidApiKey: ['invalid_request_error', 'invalid_api_key'],
  InvalidParameter: ['invalid_request_error', 'invalid_parameter'],
  NotFound: ['invalid_request_error', 'not_found'],
  Throttling: ['rate_limit_error', 'rate_limit_exceeded'],
  'Throttling.RateQuota': ['rate_limit_error', 'rate_limit_exceeded'],
  InternalError: ['server_error', 'internal_error'],
  MethodNotAllowed: ['invalid_request_error', 'method_not_allowed'],
  FileTooLarge: ['invalid_request_error', 'file_too_large'],
};

/** The JSON body for an error in the shape the path family uses. */
export function errorBody(ctx: Pick<Ctx, 'compat' | 'requestId'>, e: ApiError): unknown {
  if (!ctx.compat) return { code: e.code, message: e.message, request_id: ctx.requestId };
  const [type, code] = COMPAT_CODES[e.code] ?? ['invalid_request_error', e.code];
  return { error: { message: e.message, type, param: e.param, code }, request_id: ctx.requestId };
}

export const MAX_JSON_BYTES = 8 * 1024 * 1024;

/** Reads the whole body (bounded). */
export async function readBody(req: IncomingMessage, limit = MAX_JSON_BYTES): Promise<Buffer> {
  const parts: Buffer[] = [];
  let n = 0;
  for await (const c of req) {
    n += (c as Buffer).length;
    if (n > limit) throw new ApiError(413, 'InvalidParameter', `The request body is larger than ${limit} bytes.`);
    parts.push(c as Buffer);
  }
  return Buffer.concat(parts);
}

/** Reads a JSON object body: an empty body is `{}`; a non-JSON content type or malformed JSON is 400. */
export async function readJson(ctx: Ctx): Promise<Record<string, unknown>> {
  const body = await readBody(ctx.req);
  if (body.length === 0 || body.toString('utf8').trim() === '') return {};
  const type = String(ctx.req.headers['content-type'] ?? '');
  if (!/json/i.test(type)) throw badParam(`Content-Type must be application/json, got "${type || '(none)'}".`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch (e) {
    throw badParam(`The request body is not valid JSON: ${(e as Error).message}`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw badParam('The request body must be a JSON object.');
  return parsed as Record<string, unknown>;
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** Optional field helpers: null and undefined both mean "not given". */
export const given = (v: unknown): boolean => v !== undefined && v !== null;

/** Parses an integer query parameter with a default and bounds, or throws naming it. */
export function intParam(q: URLSearchParams, name: string, dflt: number, min: number, max: number): number {
  const raw = q.get(name);
  if (raw === null || raw === '') return dflt;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw badParam(`${name} must be an integer between ${min} and ${max}, got "${raw}".`, name);
  return n;
}
