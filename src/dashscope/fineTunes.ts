/** Fine-tuning jobs: `/api/v1/fine-tunes` and its checkpoint, validation, log and export sub-resources. */
import { z } from 'zod';
import type { CallOptions } from './client';
import { PageIterator, nextPageNumber, type PageNumberCursor } from './pagination';
import { path } from './path';
import { APIResource, API_V1 } from './resource';
import {
  CheckpointSchema,
  FineTuneJobSchema,
  FineTuneListSchema,
  FineTuneLogsSchema,
  StatusResultSchema,
  ValidationDetailsPageSchema,
  ValidationResultSchema,
  nativeEnvelope,
  type Checkpoint,
  type CreateFineTuneRequest,
  type FineTuneJob,
  type FineTuneLogs,
  type StatusResult,
  type ValidationDetail,
  type ValidationDetailsPage,
  type ValidationResult,
} from './schemas';

/** Paging of `validationDetailsPage`. */
export interface PageParams {
  page_no?: number | undefined;
  page_size?: number | undefined;
}

/** Fine-tuning jobs. */
export class FineTunes extends APIResource {
  /** Creates a job (`POST /fine-tunes`). Not idempotent: after a reset or timeout, list jobs before creating again. */
  async create(body: CreateFineTuneRequest, options: CallOptions = {}): Promise<FineTuneJob> {
    const res = await this.client.request({ method: 'POST', path: `${API_V1}/fine-tunes`, json: body }, nativeEnvelope(FineTuneJobSchema), options);
    return res.output;
  }

  /** One job, with `status`, `usage` and `finetuned_output`. */
  async retrieve(jobId: string, options: CallOptions = {}): Promise<FineTuneJob> {
    const res = await this.client.request({ method: 'GET', path: API_V1 + path`/fine-tunes/${jobId}` }, nativeEnvelope(FineTuneJobSchema), options);
    return res.output;
  }

  /**
   * Iterates over all jobs by `page_no` / `page_size` (default 50; the service allows 1–100). `model` is the service's
   * base-model filter (dashscope-api-notes §9.2); callers that must be exact filter the items again.
   */
  list(params: { page_size?: number | undefined; model?: string | undefined } = {}, options: CallOptions = {}): PageIterator<FineTuneJob, PageNumberCursor> {
    return new PageIterator<FineTuneJob, PageNumberCursor>(
      async (cursor, signal) => {
        const res = await this.client.request(
          { method: 'GET', path: `${API_V1}/fine-tunes`, query: { ...cursor, model: params.model } },
          nativeEnvelope(FineTuneListSchema),
          { ...options, signal },
        );
        const items = res.output.jobs ?? [];
        return { items, next: nextPageNumber(cursor, items.length, res.output.total, res.output.page_size) };
      },
      { page_no: 1, page_size: params.page_size ?? 50 },
      options.signal,
    );
  }

  /** Cancels a job (`POST /fine-tunes/{id}/cancel`); 400 UnsupportedOperation if it already finished. */
  async cancel(jobId: string, options: CallOptions = {}): Promise<StatusResult> {
    const res = await this.client.request(
      { method: 'POST', path: API_V1 + path`/fine-tunes/${jobId}/cancel`, idempotent: true },
      nativeEnvelope(StatusResultSchema),
      options,
    );
    return res.output;
  }

  /** Deletes a job. */
  async delete(jobId: string, options: CallOptions = {}): Promise<StatusResult> {
    const res = await this.client.request({ method: 'DELETE', path: API_V1 + path`/fine-tunes/${jobId}` }, nativeEnvelope(StatusResultSchema), options);
    return res.output;
  }

  /** Log lines of a job; `offset` / `line` page through them as the service does. */
  async logs(jobId: string, params: { offset?: number | undefined; line?: number | undefined } = {}, options: CallOptions = {}): Promise<FineTuneLogs> {
    const res = await this.client.request(
      { method: 'GET', path: API_V1 + path`/fine-tunes/${jobId}/logs`, query: { offset: params.offset, line: params.line } },
      nativeEnvelope(FineTuneLogsSchema),
      options,
    );
    return res.output;
  }

  /** Exported checkpoints and their export status (`model_name` once SUCCEEDED). */
  async checkpoints(jobId: string, options: CallOptions = {}): Promise<Checkpoint[]> {
    const res = await this.client.request(
      { method: 'GET', path: API_V1 + path`/fine-tunes/${jobId}/checkpoints` },
      nativeEnvelope(z.array(CheckpointSchema)),
      options,
    );
    return res.output;
  }

  /** Checkpoints whose validation previews succeeded (available after training). */
  async validationResults(jobId: string, options: CallOptions = {}): Promise<ValidationResult[]> {
    const res = await this.client.request(
      { method: 'GET', path: API_V1 + path`/fine-tunes/${jobId}/validation-results` },
      nativeEnvelope(z.array(ValidationResultSchema)),
      options,
    );
    return res.output;
  }

  /** One page of a checkpoint's validation previews. */
  async validationDetailsPage(jobId: string, checkpoint: string, params: PageParams = {}, options: CallOptions = {}): Promise<ValidationDetailsPage> {
    const res = await this.client.request(
      {
        method: 'GET',
        path: API_V1 + path`/fine-tunes/${jobId}/validation-details/${checkpoint}`,
        query: { page_no: params.page_no ?? 1, page_size: params.page_size ?? 10 },
      },
      nativeEnvelope(ValidationDetailsPageSchema),
      options,
    );
    return res.output;
  }

  /** Iterates over all validation previews of a checkpoint. */
  validationDetails(jobId: string, checkpoint: string, params: { page_size?: number } = {}, options: CallOptions = {}): PageIterator<ValidationDetail, PageNumberCursor> {
    return new PageIterator<ValidationDetail, PageNumberCursor>(
      async (cursor, signal) => {
        const page = await this.validationDetailsPage(jobId, checkpoint, cursor, { ...options, signal });
        const items = page.list ?? [];
        return { items, next: nextPageNumber(cursor, items.length, page.total, page.page_size) };
      },
      { page_no: 1, page_size: params.page_size ?? 10 },
      options.signal,
    );
  }

  /**
   * Asks the service to export a checkpoint as a deployable model named `modelName` (globally unique).
   * Returns the service's boolean (`false`: not accepted, try again). Follow up with `checkpoints()`.
   */
  async export(jobId: string, checkpoint: string, modelName: string, options: CallOptions = {}): Promise<boolean> {
    const res = await this.client.request(
      { method: 'GET', path: API_V1 + path`/fine-tunes/${jobId}/export/${checkpoint}`, query: { model_name: modelName } },
      nativeEnvelope(z.boolean()),
      options,
    );
    return res.output;
  }
}
