/** A tiny method + path-pattern router. Handlers return the reply; the server decides how (or whether) to send it. */
import { ApiError, type Ctx } from './http';
import type { Service } from './service';

export interface Reply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export type Handler = (ctx: Ctx, svc: Service) => Promise<Reply> | Reply;

interface Route {
  method: string;
  pattern: RegExp;
  handler: Handler;
}

export class Router {
  private readonly routes: Route[] = [];

  add(method: string, pattern: RegExp, handler: Handler): this {
    this.routes.push({ method, pattern, handler });
    return this;
  }

  /** Finds the handler; unknown path → 404, known path with another method → 405. */
  resolve(ctx: Ctx): Handler {
    let pathKnown = false;
    for (const r of this.routes) {
      const m = r.pattern.exec(ctx.path);
      if (!m) continue;
      pathKnown = true;
      if (r.method !== ctx.method) continue;
      ctx.params = m.slice(1).map((p) => safeDecode(p));
      return r.handler;
    }
    if (pathKnown) throw new ApiError(405, 'MethodNotAllowed', `Method ${ctx.method} is not allowed on ${ctx.path}.`);
    throw new ApiError(404, 'NotFound', `Not found: no API at ${ctx.path}.`);
  }
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** A success reply in the native envelope. */
export const output = (ctx: Ctx, out: unknown, status = 200): Reply => ({ status, body: { request_id: ctx.requestId, output: out } });
