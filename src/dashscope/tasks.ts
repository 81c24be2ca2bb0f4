/** Async tasks: `GET /api/v1/tasks`, `GET /api/v1/tasks/{id}` and `POST /api/v1/tasks/{id}/cancel`. */
import type { CallOptions } from './client';
import { nextPageNumber, PageIterator, type PageNumberCursor } from './pagination';
import { path } from './path';
import { APIResource, API_V1 } from './resource';
import {
  TaskCancelResponseSchema,
  TaskListResponseSchema,
  TaskResponseSchema,
  type TaskCancelResponse,
  type TaskOutput,
  type TaskSummary,
} from './schemas';

/** Filters of the task list; times are `YYYYMMDDhhmmss`. */
export interface TaskListParams {
  model_name?: string;
  status?: string;
  start_time?: string;
  end_time?: string;
  page_size?: number;
}

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

  /** Lists tasks, newest first, page by page (`for await (const t of ds.tasks.list({ model_name }))`). */
  list(params: TaskListParams = {}, options: CallOptions = {}): PageIterator<TaskSummary, PageNumberCursor> {
    const { page_size, ...filters } = params;
    return new PageIterator<TaskSummary, PageNumberCursor>(
      async (cursor, signal) => {
        const res = await this.client.request({ method: 'GET', path: `${API_V1}/tasks`, query: { ...filters, ...cursor } }, TaskListResponseSchema, { ...options, signal });
        const items = res.data ?? [];
        return { items, next: nextPageNumber(cursor, items.length, res.total, res.page_size) };
      },
      { page_no: 1, page_size: page_size ?? 50 },
      options.signal,
    );
  }

  /** Cancels a PENDING task. */
  cancel(taskId: string, options: CallOptions = {}): Promise<TaskCancelResponse> {
    return this.client.request({ method: 'POST', path: API_V1 + path`/tasks/${taskId}/cancel`, idempotent: true }, TaskCancelResponseSchema, options);
  }
}
