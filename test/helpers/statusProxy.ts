/**
 * A forwarding HTTP proxy in front of the emulator that answers chosen requests with a status of its own (e.g. 403
 * AccessDenied, which the emulator's fault API cannot force), and passes everything else through unchanged.
 */
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StatusRule {
  method: string;
  path: RegExp;
  status: number;
  body: unknown;
  /** How many matching requests get this answer (default: all). */
  count?: number;
}

export interface StatusProxy {
  url: string;
  /** Requests the proxy answered itself. */
  answered: { method: string; path: string; status: number }[];
  close(): Promise<void>;
}

export async function startStatusProxy(target: string, rules: StatusRule[]): Promise<StatusProxy> {
  const t = new URL(target);
  const answered: StatusProxy['answered'] = [];
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const rule = rules.find((r) => r.method === req.method && r.path.test(path) && (r.count === undefined || r.count > 0));
    if (rule) {
      if (rule.count !== undefined) rule.count--;
      answered.push({ method: req.method ?? '', path, status: rule.status });
      req.resume();
      req.on('end', () => {
        const text = JSON.stringify(rule.body);
        res.writeHead(rule.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
        res.end(text);
      });
      return;
    }
    const upstream = httpRequest(
      { host: t.hostname, port: t.port, method: req.method, path: req.url, headers: { ...req.headers, host: t.host } },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    answered,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
