/** Deployments of fine-tuned models (plan lora, capacity 1): create, get, list, delete. */
import { fmtIsoLocal, MINUTE } from '../clock';
import { ApiError, badParam, given, intParam, notFound, readJson, type Ctx } from '../http';
import { output, type Reply, type Router } from '../router';
import type { Service } from '../service';
import type { DeploymentRecord } from '../types';
import { ACCOUNT } from './fineTunes';

/** The base model of a deployable model name (a SUCCEEDED job's output or a SUCCEEDED export), or undefined. */
function deployableBase(svc: Service, name: string): string | undefined {
  const job = svc.state.jobs.find((j) => j.finetunedOutput === name && !j.deleted);
  if (job && svc.jobStatus(job) === 'SUCCEEDED') return job.model;
  const exp = svc.state.exports.find((e) => e.modelName === name);
  if (exp && svc.exportStatus(exp) === 'SUCCEEDED') return svc.state.jobs.find((j) => j.jobId === exp.jobId)?.model;
  return undefined;
}

export function deploymentView(svc: Service, d: DeploymentRecord): Record<string, unknown> {
  const status = svc.deploymentStatus(d) ?? 'DELETING';
  const now = svc.now();
  const changes = [d.createdAt, d.readyAt <= now ? d.readyAt : 0, d.forced && d.forced.at <= now ? d.forced.at : 0, d.deletedAt ?? 0];
  const v: Record<string, unknown> = {
    deployed_model: d.deployedModel, gmt_create: fmtIsoLocal(d.createdAt), gmt_modified: fmtIsoLocal(Math.max(...changes)), status,
    model_name: d.modelName, base_model: d.baseModel, workspace_id: ACCOUNT.workspace_id, charge_type: 'post_paid',
    creator: ACCOUNT.user_identity, modifier: ACCOUNT.user_identity, plan: 'lora', capacity: 1, aigc_config: d.aigcConfig,
  };
  if (d.forced?.message && status === d.forced.status) v.message = d.forced.message;
  return v;
}

function validateAigcConfig(v: unknown): Record<string, unknown> {
  if (!given(v)) throw badParam('aigc_config is required: {use_input_prompt, prompt, lora_prompt_default}.', 'aigc_config');
  if (typeof v !== 'object' || Array.isArray(v)) throw badParam('aigc_config must be a JSON object.', 'aigc_config');
  const c = v as Record<string, unknown>;
  if (typeof c.use_input_prompt !== 'boolean') throw badParam('aigc_config.use_input_prompt is required and must be a boolean.', 'aigc_config.use_input_prompt');
  for (const k of ['prompt', 'lora_prompt_default']) {
    if (typeof c[k] !== 'string') throw badParam(`aigc_config.${k} is required and must be a string.`, `aigc_config.${k}`);
  }
  return c;
}

async function create(ctx: Ctx, svc: Service): Promise<Reply> {
  const body = await readJson(ctx);
  const name = body.model_name;
  if (typeof name !== 'string' || name === '') throw badParam('model_name is required: a fine-tuned model name (finetuned_output or an exported model_name).', 'model_name');
  if (body.capacity !== 1) throw badParam(`capacity must be 1, got ${JSON.stringify(body.capacity ?? null)}.`, 'capacity');
  if (body.plan !== 'lora') throw badParam(`plan must be "lora", got ${JSON.stringify(body.plan ?? null)}.`, 'plan');
  const aigc = validateAigcConfig(body.aigc_config);
  if (svc.deployment(name)) throw new ApiError(409, 'Conflict', `Model instance ${name} already exists, please specify a suffix`);
  const base = deployableBase(svc, name);
  if (!base) throw badParam(`model_name "${name}" is not a deployable model: use the finetuned_output of a SUCCEEDED job or the model_name of a SUCCEEDED export.`, 'model_name');
  const now = svc.now();
  const rec: DeploymentRecord = {
    deployedModel: name, modelName: name, baseModel: base, aigcConfig: aigc, createdAt: now,
    readyAt: now + 5 * MINUTE + Math.floor(Math.random() * 5 * MINUTE),
  };
  svc.state.deployments.push(rec);
  svc.save();
  ctx.effect = 'deployment.created';
  ctx.resourceId = name;
  return output(ctx, deploymentView(svc, rec));
}

function find(ctx: Ctx, svc: Service): DeploymentRecord {
  const d = svc.deployment(ctx.params[0]);
  if (!d) throw notFound();
  return d;
}

function list(ctx: Ctx, svc: Service): Reply {
  const pageNo = intParam(ctx.query, 'page_no', 1, 1, 1_000_000);
  const pageSize = intParam(ctx.query, 'page_size', 10, 1, 100);
  const all = svc.state.deployments.filter((d) => svc.deploymentStatus(d) !== null).sort((a, b) => b.createdAt - a.createdAt);
  const deployments = all.slice((pageNo - 1) * pageSize, pageNo * pageSize).map((d) => deploymentView(svc, d));
  return output(ctx, { page_no: pageNo, page_size: pageSize, total: all.length, deployments });
}

function remove(ctx: Ctx, svc: Service): Reply {
  const d = find(ctx, svc);
  if (d.deletedAt !== undefined) throw new ApiError(400, 'UnsupportedOperation', `Deployment ${d.deployedModel} is already being deleted.`);
  d.deletedAt = svc.now();
  svc.save();
  ctx.effect = 'deployment.deleted';
  ctx.resourceId = d.deployedModel;
  return output(ctx, deploymentView(svc, d));
}

export function deploymentRoutes(r: Router): void {
  r.add('POST', /^\/api\/v1\/deployments\/?$/, create)
    .add('GET', /^\/api\/v1\/deployments\/?$/, list)
    .add('GET', /^\/api\/v1\/deployments\/([^/]+)$/, (ctx, svc) => output(ctx, deploymentView(svc, find(ctx, svc))))
    .add('DELETE', /^\/api\/v1\/deployments\/([^/]+)$/, remove);
}
