/** LoRA deployments: `/api/v1/deployments`. */
import type { CallOptions } from './client';
import { PageIterator, nextPageNumber, type PageNumberCursor } from './pagination';
import { path } from './path';
import { APIResource, API_V1 } from './resource';
import { DeploymentListSchema, DeploymentSchema, nativeEnvelope, type CreateDeploymentRequest, type Deployment } from './schemas';

/** Deployments of fine-tuned models. */
export class Deployments extends APIResource {
  /**
   * Deploys a model (`plan: 'lora'`, `capacity: 1`). 409 ConflictError if a deployment of that name exists.
   * Not idempotent: after a reset or timeout, retrieve by name before creating again.
   */
  async create(body: CreateDeploymentRequest, options: CallOptions = {}): Promise<Deployment> {
    const res = await this.client.request({ method: 'POST', path: `${API_V1}/deployments`, json: body }, nativeEnvelope(DeploymentSchema), options);
    return res.output;
  }

  /** One deployment by `deployed_model`; NotFoundError once deletion has completed. */
  async retrieve(deployedModel: string, options: CallOptions = {}): Promise<Deployment> {
    const res = await this.client.request({ method: 'GET', path: API_V1 + path`/deployments/${deployedModel}` }, nativeEnvelope(DeploymentSchema), options);
    return res.output;
  }

  /** Iterates over all deployments by `page_no` / `page_size` (default 50). */
  list(params: { page_size?: number | undefined } = {}, options: CallOptions = {}): PageIterator<Deployment, PageNumberCursor> {
    return new PageIterator<Deployment, PageNumberCursor>(
      async (cursor, signal) => {
        const res = await this.client.request(
          { method: 'GET', path: `${API_V1}/deployments`, query: { ...cursor } },
          nativeEnvelope(DeploymentListSchema),
          { ...options, signal },
        );
        const items = res.output.deployments ?? res.output.list ?? [];
        return { items, next: nextPageNumber(cursor, items.length, res.output.total, res.output.page_size) };
      },
      { page_no: 1, page_size: params.page_size ?? 50 },
      options.signal,
    );
  }

  /** Takes a deployment offline; the result usually has status `DELETING`. */
  async delete(deployedModel: string, options: CallOptions = {}): Promise<Deployment> {
    const res = await this.client.request({ method: 'DELETE', path: API_V1 + path`/deployments/${deployedModel}` }, nativeEnvelope(DeploymentSchema), options);
    return res.output;
  }
}
