/** Video generation: `POST /api/v1/services/aigc/{route}/video-synthesis` (async only). */
import type { CallOptions } from './client';
import { path } from './path';
import { APIResource, API_V1 } from './resource';
import { TaskCreatedSchema, nativeEnvelope, type TaskCreated, type VideoRoute, type VideoSynthesisRequest } from './schemas';

/** Options of `videoSynthesis.create`. */
export interface VideoSynthesisOptions extends CallOptions {
  /**
   * `video-generation` (first-frame i2v, and wan2.7 in every mode) or `image2video` (wan2.2-kf2v-flash and
   * its LoRAs). Pass the route from the catalog: a deployed model's name may not reveal its base.
   * When omitted, `image2video` is used only if the model name contains `kf2v`, as the official SDKs do.
   */
  route?: VideoRoute | undefined;
  /** Send `X-DashScope-OssResourceResolve: enable` (needed when inputs are `oss://` temporary URLs). */
  ossResourceResolve?: boolean | undefined;
}

/** The route the official SDKs would pick for `model`. */
export function inferVideoRoute(model: string): VideoRoute {
  return model.includes('kf2v') ? 'image2video' : 'video-generation';
}

/** Video synthesis. */
export class VideoSynthesis extends APIResource {
  /** Submits a generation task (`X-DashScope-Async: enable`); poll it with `tasks.retrieve`. Not idempotent. */
  async create(body: VideoSynthesisRequest, options: VideoSynthesisOptions = {}): Promise<TaskCreated> {
    const route = options.route ?? inferVideoRoute(body.model);
    const headers: Record<string, string> = { 'x-dashscope-async': 'enable' };
    if (options.ossResourceResolve) headers['x-dashscope-ossresourceresolve'] = 'enable';
    const res = await this.client.request(
      { method: 'POST', path: API_V1 + path`/services/aigc/${route}/video-synthesis`, json: body, headers },
      nativeEnvelope(TaskCreatedSchema),
      options,
    );
    return res.output;
  }
}
