/** Fine-tune jobs: create, list, get, cancel, delete, logs, checkpoints, validation results/details, export. */
import { randomBytes } from 'node:crypto';
import { fmtIdStamp, fmtIsoLocal, fmtJobTime } from '../clock';
import { processDataset } from '../dataset';
import { ApiError, badParam, given, intParam, notFound, readJson, type Ctx } from '../http';
import { applyHyperParameters, MIN_TOTAL_STEPS } from '../hyper';
import { EMU_MODELS, type EmuModel } from '../models';
import { output, type Reply, type Router } from '../router';
import type { Service } from '../service';
import { jobLogs, jobTimes, savedCheckpoints, tokensAt, stepsDone } from '../timeline';
import type { DatasetFacts, ExportRecord, JobRecord } from '../types';

export const ACCOUNT = { workspace_id: 'llm-emulator', user_identity: '5000000000000000' };
const TERMINAL = new Set(['SUCCEEDED', 'FAILED', 'CANCELED']);
const unsupported = (m: string) => new ApiError(400, 'UnsupportedOperation', m);

/**
 * The job object the service returns (create adds nothing; get/list add end_time, output_cnt, usage). The create answer
 * (detailed = false) describes the job as it was created, PENDING as in the reference's example, however long the
 * request took to answer in emulated time (at high time scales a loaded machine can let the 30 s PENDING pass).
 */
export function jobView(svc: Service, job: JobRecord, detailed = true): Record<string, unknown> {
  const status = detailed ? svc.jobStatus(job) : 'PENDING';
  const view: Record<string, unknown> = {
    job_id: job.jobId, job_name: job.jobName ?? job.jobId, status, finetuned_output: job.finetunedOutput, model: job.model, base_model: job.model,
    training_file_ids: job.trainingFileIds, validation_file_ids: job.validationFileIds, hyper_parameters: job.hyperParameters,
    training_type: 'efficient_sft', create_time: fmtJobTime(job.createdAt), ...ACCOUNT,
    modifier: ACCOUNT.user_identity, creator: ACCOUNT.user_identity, group: 'llm', max_output_cnt: job.hyperParameters.save_total_limit,
  };
  if (!detailed) return view;
  const t = jobTimes(job);
  const now = svc.now();
  view.output_cnt = savedCheckpoints(job, now).length;
  if (TERMINAL.has(status)) view.end_time = fmtJobTime(t.endAt!);
  if (status === 'SUCCEEDED') view.usage = job.usageTokens;
  if (status === 'CANCELED') view.usage = tokensAt(job, stepsDone(job, now));
  if (status === 'FAILED') view.message = t.failMessage;
  if (svc.opts.extraProgress && (status === 'RUNNING' || status === 'CANCELING')) view.progress = { step: stepsDone(job, now), total_steps: job.totalSteps };
  return view;
}

function requireStringArray(body: Record<string, unknown>, field: string, required: boolean): string[] {
  const v = body[field];
  if (!given(v)) {
    if (required) throw badParam(`${field} is required: a non-empty array of file ids.`, field);
    return [];
  }
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string' || x === '')) throw badParam(`${field} must be an array of file id strings.`, field);
  if (required && v.length === 0) throw badParam(`${field} must contain at least one file id.`, field);
  return v as string[];
}

async function inspectAll(svc: Service, ids: string[], model: EmuModel, kind: 'training' | 'validation'): Promise<DatasetFacts> {
  const merged: DatasetFacts = { ok: true, problems: [], samples: 0, prompts: [], videoSeconds: [] };
  for (const id of ids) {
    const f = svc.file(id);
    if (!f) {
      merged.ok = false;
      merged.problems.push(`${kind} file ${id} was deleted before it could be processed`);
      continue;
    }
    const facts = await processDataset(svc.store.blobPath(f.blob), model, kind, `${kind} file ${id} (${f.filename})`);
    merged.ok &&= facts.ok;
    merged.problems.push(...facts.problems);
    merged.samples += facts.samples;
    merged.prompts.push(...facts.prompts);
    merged.videoSeconds.push(...facts.videoSeconds);
  }
  return merged;
}

async function create(ctx: Ctx, svc: Service): Promise<Reply> {
  const body = await readJson(ctx);
  const modelId = body.model;
  if (typeof modelId !== 'string' || modelId === '') throw badParam('model is required: one of ' + Object.keys(EMU_MODELS).join(', ') + '.', 'model');
  const model = EMU_MODELS[modelId];
  if (!model) throw badParam(`model "${modelId}" cannot be fine-tuned; supported base models: ${Object.keys(EMU_MODELS).join(', ')}.`, 'model');
  if (body.training_type !== 'efficient_sft') throw badParam(`training_type must be "efficient_sft", got ${JSON.stringify(body.training_type ?? null)}.`, 'training_type');
  const trainingIds = requireStringArray(body, 'training_file_ids', true);
  const validationIds = requireStringArray(body, 'validation_file_ids', false);
  for (const [field, ids] of [['training_file_ids', trainingIds], ['validation_file_ids', validationIds]] as const) {
    ids.forEach((id, i) => {
      if (!svc.file(id)) throw badParam(`${field}[${i}]: file "${id}" does not exist.`, field);
    });
  }
  const jobName = body.job_name;
  if (given(jobName) && (typeof jobName !== 'string' || !/^[\p{L}\p{N}_.-]{1,64}$/u.test(jobName))) {
    throw badParam('job_name must be 1 to 64 letters, digits, "_", "-" or ".".', 'job_name');
  }
  // "Only 20 fine-tune job in running or succeeded allowed per user" (§9.2): it does not clear by waiting.
  const counted = svc.state.jobs.filter((j) => !j.deleted && !['FAILED', 'CANCELED'].includes(svc.jobStatus(j))).length;
  if (counted >= svc.opts.maxJobsPerAccount) {
    throw new ApiError(429, 'Throttling', `Only ${svc.opts.maxJobsPerAccount} fine-tune job in running or succeeded allowed per user.`);
  }
  const hpIn = body.hyper_parameters;
  if (given(hpIn) && (typeof hpIn !== 'object' || Array.isArray(hpIn))) throw badParam('hyper_parameters must be a JSON object.', 'hyper_parameters');
  const hp = applyHyperParameters(model, (hpIn as Record<string, unknown>) ?? {});
  if (!hp.ok) throw badParam(hp.problems.join('; '), 'hyper_parameters');
  const h = hp.value;
  const training = await inspectAll(svc, trainingIds, model, 'training');
  const validation = validationIds.length ? await inspectAll(svc, validationIds, model, 'validation') : null;
  const stepsPerEpoch = Math.max(1, Math.ceil(training.samples / h.batch_size));
  const totalSteps = h.n_epochs * stepsPerEpoch;
  if (training.ok && totalSteps < MIN_TOTAL_STEPS) {
    throw badParam(
      `total steps = n_epochs × ceil(samples / batch_size) = ${h.n_epochs} × ceil(${training.samples} / ${h.batch_size}) = ${totalSteps}; at least ${MIN_TOTAL_STEPS} are required (n_epochs ≥ ${Math.ceil(MIN_TOTAL_STEPS / stepsPerEpoch)}).`,
      'hyper_parameters.n_epochs',
    );
  }
  const valCount = Math.min(h.max_split_val_dataset_sample, Math.max(1, Math.floor(training.samples * (1 - h.split))));
  const validationPrompts = validation ? validation.prompts : training.prompts.slice(-valCount);
  const pixelsFactor = h.max_pixels / 1024;
  const billable = training.videoSeconds.reduce((s, sec) => s + Math.max(1, Math.min(model.billableCapSeconds, Math.floor(sec))), 0);
  const now = svc.now();
  const suffix = `${fmtIdStamp(now)}-${randomBytes(2).toString('hex')}`;
  const job: JobRecord = {
    jobId: `ft-${suffix}`, ...(typeof jobName === 'string' ? { jobName } : {}), finetunedOutput: `${model.id}-ft-${suffix}`, model: model.id, mode: model.mode,
    trainingFileIds: trainingIds, validationFileIds: validationIds, hyperParameters: h, createdAt: now,
    training, validation, totalSteps, stepsPerEpoch, validationPrompts, usageTokens: Math.round(billable * pixelsFactor * h.n_epochs),
  };
  const knob = svc.state.knobs.nextJobFailure;
  if (knob) {
    job.failAt = knob;
    delete svc.state.knobs.nextJobFailure;
  }
  svc.state.jobs.push(job);
  svc.save();
  ctx.effect = 'job.created';
  ctx.resourceId = job.jobId;
  return output(ctx, jobView(svc, job, false));
}

function findJob(ctx: Ctx, svc: Service): JobRecord {
  const job = svc.job(ctx.params[0]);
  if (!job) throw notFound('Not Found!'); // the jobs API's 404 message (notes §9.2)
  return job;
}

function list(ctx: Ctx, svc: Service): Reply {
  const pageNo = intParam(ctx.query, 'page_no', 1, 1, 1_000_000);
  const pageSize = intParam(ctx.query, 'page_size', 10, 1, 100);
  // `model` filters by base model (dashscope-api-notes §9.2).
  const model = ctx.query.get('model');
  const all = svc.state.jobs.filter((j) => !j.deleted && (!model || j.model === model)).sort((a, b) => b.createdAt - a.createdAt);
  const jobs = all.slice((pageNo - 1) * pageSize, pageNo * pageSize).map((j) => jobView(svc, j));
  return output(ctx, { page_no: pageNo, page_size: pageSize, total: all.length, jobs });
}

function cancel(ctx: Ctx, svc: Service): Reply {
  const job = findJob(ctx, svc);
  const status = svc.jobStatus(job);
  if (!['PENDING', 'QUEUING', 'RUNNING'].includes(status)) throw unsupported(`Job ${job.jobId} is ${status}; only PENDING, QUEUING or RUNNING jobs can be canceled.`);
  job.cancelRequestedAt = svc.now();
  svc.save();
  ctx.effect = 'job.canceled';
  ctx.resourceId = job.jobId;
  return output(ctx, { status: 'success' });
}

function remove(ctx: Ctx, svc: Service): Reply {
  const job = findJob(ctx, svc);
  const status = svc.jobStatus(job);
  if (!TERMINAL.has(status)) throw unsupported(`Job ${job.jobId} is ${status}; cancel it and wait for CANCELED before deleting it.`);
  job.deleted = true;
  svc.save();
  ctx.effect = 'job.deleted';
  ctx.resourceId = job.jobId;
  return output(ctx, { status: 'success' });
}

function logs(ctx: Ctx, svc: Service): Reply {
  const job = findJob(ctx, svc);
  const offset = intParam(ctx.query, 'offset', 1, 0, Number.MAX_SAFE_INTEGER);
  const line = intParam(ctx.query, 'line', 1000, 1, 10000);
  const all = jobLogs(job, svc.now(), { progressLines: svc.opts.extraProgress });
  const start = Math.max(1, offset) - 1;
  return output(ctx, { total: all.length, logs: all.slice(start, start + line) });
}

function checkpointName(job: JobRecord, svc: Service, name: string): number {
  const m = /^checkpoint-(\d+)$/.exec(name);
  const step = m ? Number(m[1]) : NaN;
  if (!savedCheckpoints(job, svc.now()).includes(step)) throw notFound(`Checkpoint ${name} not found for job ${job.jobId}.`);
  return step;
}

function exportView(svc: Service, e: ExportRecord) {
  const status = svc.exportStatus(e);
  const v: Record<string, unknown> = { create_time: fmtIsoLocal(e.createdAt, false), full_name: `${e.jobId}-${e.checkpoint}`, job_id: e.jobId, checkpoint: e.checkpoint, status };
  if (status === 'SUCCEEDED') Object.assign(v, { model_name: e.modelName, model_display_name: e.displayName });
  return v;
}

function checkpoints(ctx: Ctx, svc: Service): Reply {
  const job = findJob(ctx, svc);
  const list = svc.state.exports.filter((e) => e.jobId === job.jobId).sort((a, b) => b.createdAt - a.createdAt);
  return output(ctx, list.map((e) => exportView(svc, e)));
}

function validationResults(ctx: Ctx, svc: Service): Reply {
  const job = findJob(ctx, svc);
  const status = svc.jobStatus(job);
  if (status !== 'SUCCEEDED') throw unsupported(`Job ${job.jobId} is ${status}; validation results are available after it SUCCEEDED.`);
  const names = savedCheckpoints(job, svc.now()).map((s) => `checkpoint-${s}`).sort();
  return output(ctx, names.map((checkpoint) => ({ checkpoint })));
}

function validationDetails(ctx: Ctx, svc: Service): Reply {
  const job = findJob(ctx, svc);
  const step = checkpointName(job, svc, ctx.params[1]);
  const pageNo = intParam(ctx.query, 'page_no', 1, 1, 1_000_000);
  const pageSize = intParam(ctx.query, 'page_size', 10, 1, 100);
  const origin = svc.origin(ctx);
  const all = job.validationPrompts.map((prompt, i) => ({
    video_path: svc.media.url(origin, `previews/${job.jobId}/checkpoint-${step}/${i}.mp4`),
    prompt,
    first_frame_path: svc.media.url(origin, `frames/${job.jobId}/${i}.jpeg`),
  }));
  return output(ctx, { page_no: pageNo, page_size: pageSize, total: all.length, list: all.slice((pageNo - 1) * pageSize, pageNo * pageSize) });
}

/** Whether a model name is already used by a job output, an export or an export display name. */
export function modelNameTaken(svc: Service, name: string): boolean {
  return svc.state.jobs.some((j) => j.finetunedOutput === name) || svc.state.exports.some((e) => e.modelName === name || e.displayName === name);
}

function exportCheckpoint(ctx: Ctx, svc: Service): Reply {
  const job = findJob(ctx, svc);
  const status = svc.jobStatus(job);
  if (status !== 'SUCCEEDED') throw unsupported(`Job ${job.jobId} is ${status}; checkpoints can be exported after it SUCCEEDED.`);
  const step = checkpointName(job, svc, ctx.params[1]);
  const name = ctx.query.get('model_name');
  if (!name) throw badParam('model_name is required (query parameter).', 'model_name');
  if (!/^[\p{Script=Han}A-Za-z0-9_-]{1,64}$/u.test(name)) throw badParam(`model_name "${name}" may contain only Chinese characters, English letters, digits, _ and - (at most 64).`, 'model_name');
  const checkpoint = `checkpoint-${step}`;
  if (svc.state.exports.some((e) => e.jobId === job.jobId && e.checkpoint === checkpoint)) throw new ApiError(409, 'Conflict', `Checkpoint ${checkpoint} of job ${job.jobId} has already been exported.`);
  if (modelNameTaken(svc, name)) throw new ApiError(409, 'Conflict', `model_name "${name}" is already in use; it must be globally unique.`, 'model_name');
  const knob = svc.state.knobs.nextExportOutcome;
  let outcome: ExportRecord['outcome'] = 'SUCCEEDED';
  if (knob && (!knob.jobId || knob.jobId === job.jobId)) {
    outcome = knob.outcome;
    delete svc.state.knobs.nextExportOutcome;
  }
  const rec: ExportRecord = { jobId: job.jobId, checkpoint, modelName: `${job.finetunedOutput}-c${step}`, displayName: name, createdAt: svc.now(), outcome };
  svc.state.exports.push(rec);
  svc.save();
  ctx.effect = 'export.created';
  ctx.resourceId = `${job.jobId}/${checkpoint}`;
  return output(ctx, true);
}

export function fineTuneRoutes(r: Router): void {
  r.add('POST', /^\/api\/v1\/fine-tunes\/?$/, create)
    .add('GET', /^\/api\/v1\/fine-tunes\/?$/, list)
    .add('GET', /^\/api\/v1\/fine-tunes\/([^/]+)$/, (ctx, svc) => output(ctx, jobView(svc, findJob(ctx, svc))))
    .add('DELETE', /^\/api\/v1\/fine-tunes\/([^/]+)$/, remove)
    .add('POST', /^\/api\/v1\/fine-tunes\/([^/]+)\/cancel$/, cancel)
    .add('GET', /^\/api\/v1\/fine-tunes\/([^/]+)\/logs$/, logs)
    .add('GET', /^\/api\/v1\/fine-tunes\/([^/]+)\/checkpoints$/, checkpoints)
    .add('GET', /^\/api\/v1\/fine-tunes\/([^/]+)\/validation-results$/, validationResults)
    .add('GET', /^\/api\/v1\/fine-tunes\/([^/]+)\/validation-details\/([^/]+)$/, validationDetails)
    .add('GET', /^\/api\/v1\/fine-tunes\/([^/]+)\/export\/([^/]+)$/, exportCheckpoint);
}
