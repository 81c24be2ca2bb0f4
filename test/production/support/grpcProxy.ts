/**
 * A plain-text gRPC (HTTP/2) proxy in front of a Temporal frontend that refuses chosen RPCs with a gRPC status of its
 * own, the way a server without operator permission for this caller (or Temporal Cloud) answers, and forwards every
 * other call unchanged (headers, messages and trailers).
 */
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';

export interface GrpcRefusal {
  /** Full method path, e.g. /temporal.api.operatorservice.v1.OperatorService/AddSearchAttributes */
  path: string;
  /** grpc-status, e.g. 7 (PERMISSION_DENIED). */
  status: number;
  message: string;
}

export interface GrpcProxy {
  address: string;
  /** Paths of every call seen, in order, and which of them were refused. */
  calls: { path: string; refused: boolean }[];
  close(): Promise<void>;
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection']);

function forwardable(headers: http2.IncomingHttpHeaders): http2.OutgoingHttpHeaders {
  const out: http2.OutgoingHttpHeaders = {};
  for (const [k, v] of Object.entries(headers)) if (v !== undefined && !HOP_BY_HOP.has(k)) out[k] = v;
  return out;
}

export async function startGrpcProxy(upstream: string, refusals: GrpcRefusal[]): Promise<GrpcProxy> {
  const session = http2.connect(`http://${upstream}`);
  session.on('error', () => undefined);
  const calls: GrpcProxy['calls'] = [];
  const server = http2.createServer();
  server.on('stream', (stream, headers) => {
    const path = String(headers[':path']);
    const refusal = refusals.find((r) => r.path === path);
    calls.push({ path, refused: !!refusal });
    stream.on('error', () => undefined);
    if (refusal) {
      // A trailers-only response, as a gRPC server sends for an error before any message.
      stream.resume();
      stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': String(refusal.status), 'grpc-message': encodeURIComponent(refusal.message) }, { endStream: true });
      return;
    }
    const { ':scheme': _s, ':authority': _a, ...rest } = forwardable(headers);
    const up = session.request({ ...rest, ':authority': upstream });
    up.on('error', () => stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR));
    let trailers: http2.OutgoingHttpHeaders | undefined;
    up.on('response', (h) => {
      if (stream.destroyed) return void up.close();
      const status = h[':status'];
      const { ':status': _st, ...resHeaders } = forwardable(h);
      if (resHeaders['grpc-status'] !== undefined) {
        // A trailers-only upstream answer carries grpc-status in its headers and ends at once.
        stream.respond({ ':status': status, ...resHeaders }, { endStream: true });
        up.resume();
        return;
      }
      stream.respond({ ':status': status, ...resHeaders }, { waitForTrailers: true });
      up.pipe(stream);
    });
    up.on('trailers', (t) => (trailers = forwardable(t)));
    stream.on('wantTrailers', () => (trailers ? stream.sendTrailers(trailers) : stream.close()));
    stream.pipe(up);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    address: `127.0.0.1:${port}`,
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        session.close();
        server.close(() => resolve());
        // Clients may keep their sessions open; do not wait for them.
        setTimeout(resolve, 2000).unref();
      }),
  };
}
