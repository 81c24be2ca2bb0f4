import { activityInfo, cancellationSignal, log } from '@temporalio/activity';
import { request } from 'undici';
import { Webhook } from 'standardwebhooks';
import { PIPELINE_FAILURE_TYPES } from '../workflows/options';
import { finalFailure } from './errors';

export interface DeliverWebhookArgs {
  url: string;
  /** Chosen by the workflow: the same for every attempt and every replay, so receivers deduplicate by it. */
  webhookId: string;
  /** The JSON body, serialised by the workflow (the signed bytes are exactly these). */
  body: string;
}

const SNIPPET = 200;

/**
 * Webhook delivery, signed per Standard Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64
 * HMAC-SHA256 of "id.timestamp.body">`) by the `standardwebhooks` library. The secret (`whsec_…`) is the worker's
 * (WANFLOW_WEBHOOK_SECRET): it never enters input, history, logs or errors. The timestamp is the attempt's own time,
 * as receivers reject old ones; the id never changes.
 */
export function createNotifyActivities(opts: { webhookSecret?: string }) {
  const signer = opts.webhookSecret ? new Webhook(opts.webhookSecret) : undefined;
  return {
    async deliverWebhook(args: DeliverWebhookArgs): Promise<{ attempt: number; status: number }> {
      if (!signer) {
        throw finalFailure(
          PIPELINE_FAILURE_TYPES.webhookNotConfigured,
          'WANFLOW_WEBHOOK_SECRET is not set on the worker: webhook events are only sent signed (a whsec_… secret shared with the receiver)',
        );
      }
      const attempt = activityInfo().attempt;
      const now = new Date();
      const headers = {
        'content-type': 'application/json',
        'user-agent': 'wanflow-webhooks',
        'webhook-id': args.webhookId,
        'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
        'webhook-signature': signer.sign(args.webhookId, now, args.body),
      };
      let res;
      try {
        res = await request(args.url, { method: 'POST', headers, body: args.body, signal: cancellationSignal(), headersTimeout: 15_000, bodyTimeout: 15_000 });
      } catch (err) {
        throw new Error(`webhook ${args.webhookId} to ${origin(args.url)}: ${(err as Error).message} (attempt ${attempt})`);
      }
      const text = (await res.body.text().catch(() => '')).slice(0, SNIPPET);
      if (res.statusCode < 200 || res.statusCode >= 300) {
        throw new Error(`webhook ${args.webhookId} to ${origin(args.url)}: HTTP ${res.statusCode}${text ? ` ${text}` : ''} (attempt ${attempt})`);
      }
      log.info('webhook delivered', { webhookId: args.webhookId, attempt, status: res.statusCode });
      return { attempt, status: res.statusCode };
    },
  };
}

/** Scheme, host and path only: a query string could carry a receiver's token. */
function origin(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '(bad url)';
  }
}
