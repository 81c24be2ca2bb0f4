/**
 * A local Standard Webhooks receiver, as a user would write one: verifies each delivery's signature with the
 * `standardwebhooks` library, deduplicates by webhook-id, and can be told to fail or hold deliveries.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

export interface Delivery {
  id: string;
  timestamp: string;
  verified: boolean;
  event?: string;
  body: string;
  answered: number | 'hold';
}

export interface Receiver {
  url: string;
  secret: string;
  deliveries: Delivery[];
  /** Verified events, once per webhook-id (the receiver's deduplication). */
  events(): Map<string, { type: string; data: Record<string, unknown> }>;
  /** How to answer the next deliveries: a status, or 'hold' (never answer). Default 204 once the queue is empty. */
  plan: (number | 'hold')[];
  /** The answer once `plan` is used up. */
  otherwise: number;
  close(): Promise<void>;
}

export function newWebhookSecret(): string {
  return `whsec_${randomBytes(24).toString('base64')}`;
}

export async function startReceiver(secret = newWebhookSecret()): Promise<Receiver> {
  const wh = new Webhook(secret);
  const held: ServerResponse[] = [];
  const seen = new Map<string, { type: string; data: Record<string, unknown> }>();
  const r: Receiver = {
    url: '',
    secret,
    deliveries: [],
    events: () => seen,
    plan: [],
    otherwise: 204,
    close: () =>
      new Promise<void>((ok) => {
        for (const res of held) res.destroy();
        server.close(() => ok());
        server.closeAllConnections();
      }),
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const headers = { 'webhook-id': String(req.headers['webhook-id'] ?? ''), 'webhook-timestamp': String(req.headers['webhook-timestamp'] ?? ''), 'webhook-signature': String(req.headers['webhook-signature'] ?? '') };
      let payload: { type: string; data: Record<string, unknown> } | undefined;
      try {
        payload = wh.verify(body, headers) as typeof payload;
      } catch {
        payload = undefined;
      }
      const answer = r.plan.length ? r.plan.shift()! : r.otherwise;
      const d: Delivery = { id: headers['webhook-id'], timestamp: headers['webhook-timestamp'], verified: !!payload, event: payload?.type, body, answered: answer };
      r.deliveries.push(d);
      if (!payload) {
        res.writeHead(401).end('bad signature');
        return;
      }
      if (answer === 'hold') {
        held.push(res);
        return;
      }
      if (answer >= 200 && answer < 300 && !seen.has(d.id)) seen.set(d.id, payload);
      res.writeHead(answer).end();
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  r.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/wanflow?token=receiver-token`;
  return r;
}
