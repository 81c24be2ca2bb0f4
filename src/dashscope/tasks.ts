/** Async tasks: `GET /api/v1/tasks/{id}` and `POST /api/v1/tasks/{id}/cancel`. */
import type { CallOptions } from './client';
import { path } from './path';
import { APIResource, API_V1 } from './resource';
import { TaskCancelResponseSchema, TaskResponseSchema, type TaskCancelResponse, type TaskOutput } from './schemas';

/** Async tasks (video generation). The service allows about 20 queries per second per account. */
export class Tasks extends APIResource {
  /**
   * A task's `output` (with the response's `usage` copied in). A FAILED task is a normal result with
   * `code` and `message`, not an error; `UNKNOWN` means the task does not exist or expired.
   */
  async retrieve(taskId: string, options: CallOptions = {}): Promise<TaskOutput> {
    const res = await this.client.request({ method: 'GET', path: API_V1 + path`/tasks/${taskId}` }, TaskResponseSchema, options);
    return { ...res.output, usage: res.usage ?? res.output.usage ?? null } as TaskOutput;
  }

  /** Cancels a PENDING task. */
  cancel(taskId: string, options: CallOptions = {}): Promise<TaskCancelResponse> {
    return this.client.request({ method: 'POST', path: API_V1 + path`/tasks/${taskId}/cancel`, idempotent: true }, TaskCancelResponseSchema, options);
  }
}
