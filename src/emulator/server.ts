/** The HTTP server: admin API, OSS-like media, then customer paths through faults, auth and the router. */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { handleAdmin, type RequestLogEntry } from './admin';
import { Faults } from './faults';
import { ApiError, errorBody, makeCtx, sendJson, type Ctx } from './http';
import { Router, type Reply } from './router';
import type { Service } from './service';
import { fileRoutes } from './routes/files';
import { fineTuneRoutes } from './routes/fineTunes';
import { deploymentRoutes } from './routes/deployments';
import { videoRoutes } from './routes/video';

const MAX_LOG = 50_000;

export class EmulatorServer {
  readonly server: http.Server;
  readonly log: RequestLogEntry[] = [];
  private seq = 0;
  /** Unexpected (non-API) errors so far; the fuzz test expects none. */
  readonly stats = { internalErrors: 0 };
  private readonly router = new Router();

  constructor(readonly svc: Service, readonly faults: Faults, private readonly apiKeys: Set<string>) {
    fileRoutes(this.router);
    fineTuneRoutes(this.router);
    deploymentRoutes(this.router);
    videoRoutes(this.router);
    this.server = http.createServer((req, res) => {
      this.handle(req, res).catch((e) => {
        this.stats.internalErrors++;
        process.stderr.write(`[emulator] unexpected error: ${(e as Error).stack ?? String(e)}\n`);
        if (!res.headersSent) sendJson(res, 500, { code: 'InternalError', message: 'Internal error.' });
        else res.destroy();
      });
    });
    this.server.on('clientError', (_err, socket) => {
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n');
      else socket.destroy();
    });
  }

  private record(ctx: Ctx, status: number, extra: Partial<RequestLogEntry> = {}): RequestLogEntry {
    const entry: RequestLogEntry = { seq: ++this.seq, time: new Date().toISOString(), method: ctx.method, path: ctx.path, status, ...extra };
    if (ctx.effect) entry.effect = ctx.effect;
    if (ctx.resourceId) entry.resourceId = ctx.resourceId;
    this.log.push(entry);
    if (this.log.length > MAX_LOG) this.log.splice(0, this.log.length - MAX_LOG);
    return entry;
  }

  /**
   * The `hold` test fault: the effect is done and logged; the reply waits `holdMs` unless the client's connection
   * closes first (a killed worker), which the log entry then records. Resolves true when the reply may still be sent.
   */
  private hold(ctx: Ctx, req: IncomingMessage, status: number, holdMs: number): Promise<boolean> {
    const entry = this.record(ctx, status, { fault: 'hold', heldResponse: true });
    const started = Date.now();
    const socket = req.socket;
    return new Promise((resolve) => {
      const done = (open: boolean) => {
        clearTimeout(timer);
        socket.off('close', onClose);
        entry.heldMs = Date.now() - started;
        if (!open) entry.clientClosedWhileHeld = true;
        resolve(open);
      };
      const onClose = () => done(false);
      const timer = setTimeout(() => done(!socket.destroyed), holdMs);
      if (socket.destroyed) done(false);
      else socket.once('close', onClose);
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const ctx = makeCtx(req, res);
    if (ctx.path.startsWith('/__emulator/')) {
      const reply = await this.run(ctx, () => handleAdmin(ctx, this.svc, this.faults, this.log, this.stats));
      sendJson(res, reply.status, reply.body, reply.headers);
      return;
    }
    if (ctx.path.startsWith('/oss/')) {
      this.record(ctx, this.svc.media.serve(req, res));
      return;
    }
    const fault = this.faults.decide(ctx.method, ctx.path);
    if (fault.delayMs > 0) await new Promise((r) => setTimeout(r, fault.delayMs));
    if (fault.kind === 'reset') {
      this.record(ctx, 0, { fault: 'reset' });
      req.socket.destroy();
      return;
    }
    if (fault.kind === '429' || fault.kind === '500') {
      const e = fault.kind === '429'
        ? new ApiError(429, 'Throttling.RateQuota', 'Requests rate limit exceeded, please try again later.', null,
            // No Retry-After is documented for the service: sent only when the fault config asks for one.
            this.faults.config.retryAfterSeconds !== undefined ? { 'retry-after': String(this.faults.config.retryAfterSeconds) } : {})
        : new ApiError(500, 'InternalError', 'Internal server error!');
      req.resume();
      this.record(ctx, e.status, { fault: fault.kind });
      sendJson(res, e.status, errorBody(ctx, e), e.headers);
      return;
    }
    const reply = await this.run(ctx, async () => {
      this.authenticate(ctx);
      this.svc.refresh();
      return this.router.resolve(ctx)(ctx, this.svc);
    });
    if (fault.kind === 'lost') {
      this.record(ctx, reply.status, { fault: 'lost', lostResponse: true });
      req.socket.destroy();
      return;
    }
    if (fault.kind === 'hold') {
      if (!(await this.hold(ctx, req, reply.status, fault.holdMs ?? 0))) return;
    } else {
      this.record(ctx, reply.status);
    }
    const close: Record<string, string> = !req.complete ? { connection: 'close' } : {};
    sendJson(res, reply.status, reply.body, { ...reply.headers, ...close });
    if (!req.complete) req.resume();
  }

  private authenticate(ctx: Ctx): void {
    const header = String(ctx.req.headers.authorization ?? '');
    const m = /^Bearer\s+(.+)$/i.exec(header.trim());
    if (!m || !this.apiKeys.has(m[1].trim())) {
      throw new ApiError(401, 'InvalidApiKey', 'Invalid API-key provided.');
    }
  }

  /** Runs a handler, turning ApiErrors into error replies in the path family's shape. */
  private async run(ctx: Ctx, f: () => Promise<Reply> | Reply): Promise<Reply> {
    try {
      return await f();
    } catch (e) {
      if (e instanceof ApiError) return { status: e.status, body: errorBody(ctx, e), headers: e.headers };
      this.stats.internalErrors++;
      process.stderr.write(`[emulator] ${ctx.method} ${ctx.path} failed: ${(e as Error).stack ?? String(e)}\n`);
      return { status: 500, body: errorBody(ctx, new ApiError(500, 'InternalError', 'Internal server error!')) };
    }
  }
}
