/**
 * Webhook events of a pipeline (input `notify`): approval-needed, succeeded, failed, cancelled. The workflow fixes each
 * event's id and body; the deliverWebhook activity signs and sends them with bounded retries. A receiver that stays
 * down never fails the pipeline: the event is recorded as undelivered in the status.
 */
import { CancellationScope, log, proxyActivities, workflowInfo, type ActivityOptions } from '@temporalio/workflow';
import type { createActivities } from '../activities';
import type { NotifyEvent, ResolvedPipelineInput } from './input';
import type { NotificationRecord, PipelineStatus } from './types';
import { shortHash } from './util';

type Activities = ReturnType<typeof createActivities>;

export interface Notifier {
  /** Sends an event and waits until it is delivered or given up (never throws). */
  send(event: NotifyEvent, data: Record<string, unknown>): Promise<void>;
  /** Sends an event without holding the pipeline up; `settle` waits for it. */
  sendInBackground(event: NotifyEvent, data: Record<string, unknown>): void;
  /** Waits for every event sent in the background. */
  settle(): Promise<void>;
}

/**
 * The event's webhook-id: the same for every attempt, every replay after a worker crash, and every worker, because it
 * depends only on the workflow id, its first run and the event. Receivers deduplicate by it.
 */
export function webhookId(workflowId: string, firstRunId: string, event: string): string {
  const key = `${workflowId}/${firstRunId}/${event}`;
  return `msg_${shortHash(key)}${shortHash(`${event}#${key}`)}`;
}

/** The review page link for an approval-needed event: `{workflowId}` in the template is replaced. */
export function reviewLink(template: string | undefined, workflowId: string): string | undefined {
  return template?.split('{workflowId}').join(encodeURIComponent(workflowId));
}

export function createNotifier(input: ResolvedPipelineInput, status: PipelineStatus, options: (maxAttempts: number) => ActivityOptions, publish: () => void): Notifier {
  const notify = input.notify;
  const pending: Promise<void>[] = [];
  const info = workflowInfo();

  async function send(event: NotifyEvent, data: Record<string, unknown>): Promise<void> {
    if (!notify || !notify.events.includes(event)) return;
    const id = webhookId(info.workflowId, info.firstExecutionRunId, event);
    const record: NotificationRecord = { event, webhookId: id, state: 'pending' };
    status.notifications = [...(status.notifications ?? []), record];
    publish();
    const body = JSON.stringify({ type: event, timestamp: new Date(Date.now()).toISOString(), data: { workflowId: info.workflowId, event, ...data } });
    const { deliverWebhook } = proxyActivities<Activities>({ ...options(notify.maxAttempts), summary: `webhook ${event} (${id})` } as ActivityOptions);
    try {
      // Not cancellable: a cancelled pipeline still tells its receiver, and an event in flight is not abandoned.
      const r = await CancellationScope.nonCancellable(() => deliverWebhook({ url: notify.url, webhookId: id, body }));
      record.state = 'delivered';
      record.attempts = r.attempt;
    } catch (err) {
      record.state = 'undelivered';
      record.error = rootMessage(err);
      log.warn('webhook event not delivered', { event, webhookId: id, error: record.error });
    }
    publish();
  }

  return {
    send,
    sendInBackground(event, data) {
      pending.push(send(event, data));
    },
    async settle() {
      await Promise.all(pending);
    },
  };
}

function rootMessage(err: unknown): string {
  let e = err as { message?: string; cause?: unknown } | undefined;
  while (e?.cause) e = e.cause as typeof e;
  return e?.message ?? String(err);
}
