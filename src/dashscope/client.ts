/**
 * The DashScope client: configuration, the one request routine every resource uses, and the resources.
 *
 * One undici `Agent` (keep-alive) per client. No retries by default: Temporal retries activities, and the
 * error classes tell it what to retry. `maxRetries > 0` turns on bounded retries for standalone use.
 */
import type { Readable } from 'node:stream';
import { inspect } from 'node:util';
import { Agent, type Dispatcher, request as undiciRequest } from 'undici';
import type { z } from 'zod';
import { errorFromResponse, errorFromTransport, requestIdFromHeaders, type HeaderRecord } from './classify';
import { ResponseSchemaError, TimeoutError } from './errors';
import { retryDelayMs, shouldRetry, sleep } from './retry';
import type { StreamingBody } from './multipart';
import { Files } from './files';
import { FineTunes } from './fineTunes';
import { Deployments } from './deployments';
import { VideoSynthesis } from './videoSynthesis';
import { Tasks } from './tasks';

/** Singapore, the only region with Wan video fine-tuning under the international deployment mode. */
export const DEFAULT_BASE_URL = 'https://dashscope-intl.aliyuncs.com';
/** Default time limit of one attempt without progress, in ms. */
export const DEFAULT_TIMEOUT_MS = 60_000;

/** Options of `new DashScope(...)`. */
export interface ClientOptions {
  /** API key; defaults to `process.env.DASHSCOPE_API_KEY`. Never logged, never put in errors. */
  apiKey?: string | undefined;
  /** Host root, without `/api/v1` (default Singapore). */
  baseUrl?: string | undefined;
  /** Per-attempt time limit without progress (uploads re-arm it on every chunk sent). Default 60 s. */
  timeoutMs?: number | undefined;
  /** Retries after the first attempt, for retryable errors only. Default 0. */
  maxRetries?: number | undefined;
  /** Custom undici dispatcher (tests, proxies). The client then does not own or close it. */
  dispatcher?: Dispatcher | undefined;
}

/** Per-call options every method accepts last. */
export interface CallOptions {
  signal?: AbortSignal | undefined;
  /** Overrides the client's `timeoutMs` for this call. */
  timeoutMs?: number | undefined;
}

type QueryValue = string | number | boolean | null | undefined;

/** What a resource asks the core to send. */
export interface RequestSpec {
  method: 'GET' | 'POST' | 'DELETE' | 'PUT';
  /** Path from the host root, built with the `path` tag (`/api/v1/...` or `/compatible-mode/v1/...`). */
  path: string;
  query?: Record<string, QueryValue> | undefined;
  /** JSON body. */
  json?: unknown;
  /** Streaming body (multipart upload). */
  body?: StreamingBody | undefined;
  /** Called as body bytes go out: (sent, total). */
  onProgress?: ((sent: number, total: number) => void) | undefined;
  headers?: Record<string, string> | undefined;
  /** Defaults: GET/PUT/DELETE idempotent, POST not. */
  idempotent?: boolean | undefined;
}

const VERSION = '0.1.0';

/** The typed DashScope / Model Studio client. */
export class DashScope {
  /** OpenAI-compatible Files (`/compatible-mode/v1/files`); `files.native` is `/api/v1/files`. */
  readonly files: Files;
  /** Fine-tuning jobs, checkpoints, validation previews, export. */
  readonly fineTunes: FineTunes;
  /** LoRA deployments. */
  readonly deployments: Deployments;
  /** Video generation (async task creation). */
  readonly videoSynthesis: VideoSynthesis;
  /** Async task polling and cancellation. */
  readonly tasks: Tasks;

  readonly baseUrl: string;
  readonly timeoutMs: number;
  readonly maxRetries: number;

  readonly #apiKey: string;
  readonly #dispatcher: Dispatcher;
  readonly #ownsDispatcher: boolean;

  constructor(options: ClientOptions = {}) {
    const apiKey = options.apiKey ?? process.env.DASHSCOPE_API_KEY;
    if (!apiKey) throw new TypeError('DashScope: no API key (pass apiKey or set DASHSCOPE_API_KEY)');
    if (/[\r\n]/.test(apiKey)) throw new TypeError('DashScope: the API key contains a line break');
    this.#apiKey = apiKey;
    this.baseUrl = (options.baseUrl ?? process.env.DASHSCOPE_BASE_URL ?? DEFAULT_BASE_URL).replace(/\/+$/, '');
    if (!/^https?:\/\//.test(this.baseUrl)) throw new TypeError(`DashScope: baseUrl must be http(s), got ${this.baseUrl}`);
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.maxRetries = Math.max(0, Math.floor(options.maxRetries ?? 0));
    this.#ownsDispatcher = options.dispatcher === undefined;
    this.#dispatcher = options.dispatcher ?? new Agent({ keepAliveTimeout: 10_000, keepAliveMaxTimeout: 60_000, connections: 32 });
    this.files = new Files(this);
    this.fineTunes = new FineTunes(this);
    this.deployments = new Deployments(this);
    this.videoSynthesis = new VideoSynthesis(this);
    this.tasks = new Tasks(this);
  }

  /** Closes the connection pool (only if the client created it). */
  async close(): Promise<void> {
    if (this.#ownsDispatcher) await this.#dispatcher.close();
  }

  /** Log-safe view: no key. */
  toJSON(): Record<string, unknown> {
    return { baseUrl: this.baseUrl, timeoutMs: this.timeoutMs, maxRetries: this.maxRetries };
  }

  [inspect.custom](): string {
    return `DashScope ${inspect(this.toJSON())}`;
  }

  /** Replaces the API key wherever server-provided text echoes it. */
  #scrub(text: string): string {
    return this.#apiKey.length >= 4 ? text.split(this.#apiKey).join('[redacted]') : text;
  }

  /**
   * Sends one call (with the client's bounded retries, if enabled), classifies failures, and parses the
   * 2xx body with `schema`. Internal to the resources; exported for tests and extensions.
   */
  async request<S extends z.ZodType>(spec: RequestSpec, schema: S, options: CallOptions = {}): Promise<z.output<S>> {
    const idempotent = spec.idempotent ?? spec.method !== 'POST';
    for (let retries = 0; ; retries++) {
      try {
        return await this.#attempt(spec, schema, options);
      } catch (err) {
        if (retries >= this.maxRetries || options.signal?.aborted || !shouldRetry(err, idempotent)) throw err;
        await sleep(retryDelayMs(retries, err), options.signal);
      }
    }
  }

  /** The absolute URL of a request. */
  buildUrl(path: string, query?: Record<string, QueryValue>): string {
    const url = new URL(this.baseUrl + path);
    for (const [k, v] of Object.entries(query ?? {})) {
      if (v !== undefined && v !== null) url.searchParams.set(k, String(v));
    }
    return url.toString();
  }

  async #attempt<S extends z.ZodType>(spec: RequestSpec, schema: S, options: CallOptions): Promise<z.output<S>> {
    const { signal } = options;
    if (signal?.aborted) throw signal.reason;
    const what = `${spec.method} ${spec.path}`;
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    const controller = new AbortController();
    let timedOut = false;
    let timer: NodeJS.Timeout | undefined;
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        timedOut = true;
        controller.abort(new Error('timeout'));
      }, timeoutMs);
    };
    const onAbort = () => controller.abort(signal?.reason);
    signal?.addEventListener('abort', onAbort, { once: true });

    const headers: Record<string, string> = {
      authorization: `Bearer ${this.#apiKey}`,
      accept: 'application/json',
      'user-agent': `wanflow/${VERSION} (node ${process.version})`,
      ...spec.headers,
    };
    let body: string | AsyncIterable<Uint8Array> | undefined;
    if (spec.body) {
      const total = spec.body.contentLength;
      let sent = 0;
      headers['content-type'] = spec.body.contentType;
      headers['content-length'] = String(total);
      body = spec.body.open((n) => {
        // Once aborted (caller's signal or our timeout), stop reading the file and reporting progress.
        if (controller.signal.aborted) throw controller.signal.reason ?? new Error('aborted');
        sent += n;
        arm();
        spec.onProgress?.(sent, total);
      });
    } else if (spec.json !== undefined) {
      body = JSON.stringify(spec.json);
      headers['content-type'] = 'application/json';
    }

    arm();
    try {
      const res = await undiciRequest(this.buildUrl(spec.path, spec.query), {
        method: spec.method,
        headers,
        // undici streams async iterables with backpressure (its types only list Readable).
        body: body as string | Readable | undefined,
        dispatcher: this.#dispatcher,
        signal: controller.signal,
        // Our own timer governs; keep undici's idle timers from firing first.
        headersTimeout: timeoutMs + 1_000,
        bodyTimeout: timeoutMs + 1_000,
      });
      const text = await res.body.text();
      const resHeaders = res.headers as HeaderRecord;
      if (res.statusCode < 200 || res.statusCode >= 300) {
        throw errorFromResponse(res.statusCode, resHeaders, text, (t) => this.#scrub(t));
      }
      return parseBody(text, schema, res.statusCode, requestIdFromHeaders(resHeaders), what, (t) => this.#scrub(t));
    } catch (err) {
      if (signal?.aborted) throw signal.reason;
      if (timedOut) throw new TimeoutError(`${what} timed out after ${timeoutMs} ms without progress`, { code: 'ETIMEDOUT', cause: err });
      throw errorFromTransport(err, what, (t) => this.#scrub(t)) ?? err;
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
  }
}

/** Parses a 2xx body as JSON and checks it with `schema`, or raises ResponseSchemaError. */
export function parseBody<S extends z.ZodType>(
  text: string,
  schema: S,
  status: number,
  headerRequestId: string | undefined,
  what: string,
  scrub: (s: string) => string = (s) => s,
): z.output<S> {
  let json: unknown;
  try {
    json = text.trim() === '' ? {} : JSON.parse(text);
  } catch {
    throw new ResponseSchemaError(`${what}: response is not JSON: ${JSON.stringify(scrub(text.slice(0, 120)))}`, {
      status,
      requestId: headerRequestId === undefined ? undefined : scrub(headerRequestId),
      path: '',
    });
  }
  const bodyId = json !== null && typeof json === 'object' ? (json as { request_id?: unknown }).request_id : undefined;
  const rawId = typeof bodyId === 'string' ? bodyId : headerRequestId;
  const requestId = rawId === undefined ? undefined : scrub(rawId);
  const parsed = schema.safeParse(json);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const path = issue ? issue.path.map(String).join('.') : '';
  throw new ResponseSchemaError(
    `${what}: unexpected response at ${path || '(root)'}: ${scrub(issue?.message ?? 'invalid')}${requestId ? ` (request_id ${requestId})` : ''}`,
    { status, requestId, path },
  );
}
