/** Video synthesis (async only) on both routes, and the async task API. */
import { randomUUID } from 'node:crypto';
import { fmtTaskTime } from '../clock';
import { ApiError, badParam, given, intParam, readJson, type Ctx } from '../http';
import { EMU_MODELS, type EmuModel } from '../models';
import { output, type Reply, type Router } from '../router';
import { TASK_PENDING_MS, TASK_RUNNING_MS, type Service } from '../service';
import type { TaskRecord } from '../types';

type Route = 'video-generation' | 'image2video';

const DEFAULT_RES: Record<string, string> = { 'wan2.7-i2v': '1080P', 'wan2.6-i2v': '1080P', 'wan2.5-i2v-preview': '1080P', 'wan2.2-i2v-flash': '720P', 'wan2.2-kf2v-flash': '720P' };
const DURATIONS: Record<string, (d: number) => boolean> = {
  'wan2.7-i2v': (d) => d >= 2 && d <= 15,
  'wan2.6-i2v': (d) => [5, 10, 15].includes(d),
  'wan2.5-i2v-preview': (d) => [5, 10].includes(d),
  'wan2.2-i2v-flash': (d) => d === 5,
  'wan2.2-kf2v-flash': (d) => d === 5,
};
const URL_RULE = /^(https?:\/\/\S+|data:[\w/+.-]+;base64,[A-Za-z0-9+/=]+|oss:\/\/\S+)$/;

function imageUrl(input: Record<string, unknown>, field: string, required: boolean): void {
  const v = input[field];
  if (!given(v)) {
    if (required) throw badParam(`input.${field} is required.`, `input.${field}`);
    return;
  }
  if (typeof v !== 'string' || !URL_RULE.test(v)) throw badParam(`input.${field} must be an http(s) URL, a data:{mime};base64,{data} URI or an oss:// URL.`, `input.${field}`);
}

/** Resolves the model to a base model, accepting base models and RUNNING deployments. */
function resolveModel(svc: Service, name: string): { base: EmuModel; lora: boolean; aigc?: Record<string, unknown> } {
  if (EMU_MODELS[name]) return { base: EMU_MODELS[name], lora: false };
  const d = svc.deployment(name);
  // Measured on the real service (§9.2): an unknown model on /services/aigc/* is 400 InvalidParameter "Model not exist.".
  if (!d) throw new ApiError(400, 'InvalidParameter', 'Model not exist.', 'model');
  const status = svc.deploymentStatus(d);
  if (status !== 'RUNNING') throw new ApiError(400, 'InvalidParameter', `Model ${name} is deployed but ${status}; it accepts calls only when RUNNING.`, 'model');
  return { base: EMU_MODELS[d.baseModel], lora: true, aigc: d.aigcConfig };
}

function synthesis(route: Route) {
  return async (ctx: Ctx, svc: Service): Promise<Reply> => {
    if (String(ctx.req.headers['x-dashscope-async'] ?? '').toLowerCase() !== 'enable') {
      throw new ApiError(403, 'AccessDenied', 'current user api does not support synchronous calls');
    }
    const body = await readJson(ctx);
    if (typeof body.model !== 'string' || body.model === '') throw badParam('model is required.', 'model');
    const { base, lora, aigc } = resolveModel(svc, body.model);
    if (base.route !== route) {
      throw badParam(`Model ${body.model} is a ${base.mode} model; call it on /api/v1/services/aigc/${base.route}/video-synthesis.`, 'model');
    }
    if (!given(body.input) || typeof body.input !== 'object' || Array.isArray(body.input)) throw badParam('input is required and must be a JSON object.', 'input');
    const input = body.input as Record<string, unknown>;
    if (base.mode === 'kf2v') {
      imageUrl(input, 'first_frame_url', true);
      imageUrl(input, 'last_frame_url', false);
    } else if (base.id === 'wan2.7-i2v' && given(input.media)) {
      const media = input.media;
      if (!Array.isArray(media) || !media.some((m) => m && typeof m === 'object' && (m as Record<string, unknown>).type === 'first_frame' && typeof (m as Record<string, unknown>).url === 'string')) {
        throw badParam('input.media must be an array containing a {"type":"first_frame","url":...} item.', 'input.media');
      }
    } else {
      imageUrl(input, 'img_url', true);
    }
    if (given(input.prompt) && typeof input.prompt !== 'string') throw badParam('input.prompt must be a string.', 'input.prompt');
    const params = given(body.parameters) ? body.parameters : {};
    if (typeof params !== 'object' || Array.isArray(params)) throw badParam('parameters must be a JSON object.', 'parameters');
    const p = params as Record<string, unknown>;
    const allowed = lora ? base.loraResolutions : base.baseResolutions;
    const resolution = given(p.resolution) ? p.resolution : lora ? '720P' : DEFAULT_RES[base.id];
    if (typeof resolution !== 'string' || !allowed.includes(resolution.toUpperCase())) {
      throw badParam(`parameters.resolution must be one of ${allowed.join(', ')} for ${body.model}, got ${JSON.stringify(resolution)}.`, 'parameters.resolution');
    }
    const duration = given(p.duration) ? p.duration : 5;
    if (typeof duration !== 'number' || !Number.isInteger(duration) || !DURATIONS[base.id](duration)) {
      throw badParam(`parameters.duration ${JSON.stringify(duration)} is not supported by ${base.id}.`, 'parameters.duration');
    }
    for (const k of ['prompt_extend', 'watermark', 'audio']) {
      if (given(p[k]) && typeof p[k] !== 'boolean') throw badParam(`parameters.${k} must be a boolean.`, `parameters.${k}`);
    }
    if (given(p.seed) && !(typeof p.seed === 'number' && Number.isInteger(p.seed) && p.seed >= 0 && p.seed <= 2147483647)) {
      throw badParam('parameters.seed must be an integer between 0 and 2147483647.', 'parameters.seed');
    }
    const inputPrompt = typeof input.prompt === 'string' ? input.prompt : '';
    const prompt = aigc && aigc.use_input_prompt === false ? String(aigc.lora_prompt_default) : inputPrompt;
    const task: TaskRecord = {
      taskId: randomUUID(), model: body.model, baseModel: base.id, route, prompt, resolution: resolution.toUpperCase(), duration, submittedAt: svc.now(),
    };
    svc.state.tasks.push(task);
    svc.save();
    ctx.effect = 'task.created';
    ctx.resourceId = task.taskId;
    return output(ctx, { task_id: task.taskId, task_status: 'PENDING' });
  };
}

function taskView(ctx: Ctx, svc: Service, t: TaskRecord | undefined, id: string): Record<string, unknown> {
  const status = t ? svc.taskStatus(t) : 'UNKNOWN';
  if (!t || status === 'UNKNOWN') return { task_id: id, task_status: 'UNKNOWN' };
  const v: Record<string, unknown> = { task_id: t.taskId, task_status: status, submit_time: fmtTaskTime(t.submittedAt) };
  if (status === 'CANCELED') {
    v.end_time = fmtTaskTime(t.canceledAt!);
    return v;
  }
  if (status !== 'PENDING') v.scheduled_time = fmtTaskTime(t.submittedAt + TASK_PENDING_MS);
  if (status === 'SUCCEEDED') {
    v.end_time = fmtTaskTime(t.submittedAt + TASK_PENDING_MS + TASK_RUNNING_MS);
    v.video_url = svc.media.url(svc.origin(ctx), `videos/${t.taskId}.mp4`);
    v.orig_prompt = t.prompt;
    const sr = parseInt(t.resolution, 10);
    v.usage = t.route === 'image2video' ? { video_duration: t.duration, video_count: 1, SR: sr } : { duration: t.duration, video_count: 1, SR: sr };
  }
  return v;
}

function cancel(ctx: Ctx, svc: Service): Reply {
  const t = svc.state.tasks.find((x) => x.taskId === ctx.params[0]);
  if (!t || svc.taskStatus(t) === 'UNKNOWN') throw new ApiError(404, 'NotFound', `Task ${ctx.params[0]} not found.`);
  const status = svc.taskStatus(t);
  if (status !== 'PENDING') throw new ApiError(400, 'UnsupportedOperation', `Task ${t.taskId} is ${status}; only PENDING tasks can be canceled.`);
  t.canceledAt = svc.now();
  svc.save();
  ctx.effect = 'task.canceled';
  ctx.resourceId = t.taskId;
  return output(ctx, taskView(ctx, svc, t, t.taskId));
}

/** `YYYYMMDDhhmmss` (the list filters' format) to ms; undefined when absent. */
function parseFilterTime(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name);
  if (v === null || v === '') return undefined;
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(v);
  if (!m) throw badParam(`${name} must be YYYYMMDDhhmmss, got ${JSON.stringify(v)}.`, name);
  return Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]);
}

/**
 * `GET /api/v1/tasks?start_time=&end_time=&model_name=&status=&page_no=&page_size=` (dashscope-api-notes §1.2, the SDKs'
 * `list`). The response shape is not documented in our sources: `{request_id, data: [...], total, page_no, page_size}`
 * follows the Python SDK's task-list response [inferred].
 */
function listTasks(ctx: Ctx, svc: Service): Reply {
  const pageNo = intParam(ctx.query, 'page_no', 1, 1, 1_000_000);
  const pageSize = intParam(ctx.query, 'page_size', 10, 1, 100);
  const from = parseFilterTime(ctx.query, 'start_time');
  const to = parseFilterTime(ctx.query, 'end_time');
  const model = ctx.query.get('model_name');
  const status = ctx.query.get('status');
  const rows = svc.state.tasks
    .map((t) => ({ t, status: svc.taskStatus(t) }))
    .filter(({ t, status: st }) => st !== 'UNKNOWN' && (!model || t.model === model) && (!status || st === status))
    .filter(({ t }) => (from === undefined || t.submittedAt >= from) && (to === undefined || t.submittedAt <= to))
    .sort((a, b) => b.t.submittedAt - a.t.submittedAt);
  const data = rows.slice((pageNo - 1) * pageSize, pageNo * pageSize).map(({ t, status: st }) => ({
    task_id: t.taskId,
    model_name: t.model,
    status: st,
    gmt_create: fmtTaskTime(t.submittedAt),
    start_time: fmtTaskTime(t.submittedAt),
    region: 'ap-southeast-1',
  }));
  return { status: 200, body: { request_id: ctx.requestId, data, total: rows.length, page_no: pageNo, page_size: pageSize } };
}

export function videoRoutes(r: Router): void {
  r.add('POST', /^\/api\/v1\/services\/aigc\/video-generation\/video-synthesis\/?$/, synthesis('video-generation'))
    .add('POST', /^\/api\/v1\/services\/aigc\/image2video\/video-synthesis\/?$/, synthesis('image2video'))
    .add('GET', /^\/api\/v1\/tasks\/?$/, listTasks)
    .add('GET', /^\/api\/v1\/tasks\/([^/]+)$/, (ctx, svc) => output(ctx, taskView(ctx, svc, svc.state.tasks.find((t) => t.taskId === ctx.params[0]), ctx.params[0])))
    .add('POST', /^\/api\/v1\/tasks\/([^/]+)\/cancel$/, cancel);
}
