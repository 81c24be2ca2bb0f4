/**
 * The admin API under /__emulator/ (no auth, never faulted, not in the request log): faults, the request log,
 * a state summary, the clock and scenario knobs. Documented in README.md.
 */
import { ApiError, badParam, readJson, type Ctx } from './http';
import { parseFaultConfig, type Faults } from './faults';
import type { Reply } from './router';
import type { Service } from './service';
import type { DeploymentStatus } from './types';

export interface RequestLogEntry {
  seq: number;
  time: string;
  method: string;
  path: string;
  status: number;
  fault?: string;
  lostResponse?: boolean;
  /** `hold` test fault: the effect was performed and the response held (`heldMs` so far, once it ended). */
  heldResponse?: boolean;
  heldMs?: number;
  /** `hold` test fault: the client's connection closed while its response was held (the reply was never sent). */
  clientClosedWhileHeld?: boolean;
  effect?: string;
  resourceId?: string;
}

const FORCEABLE: DeploymentStatus[] = ['PENDING', 'RUNNING', 'ARREARS_DOWN', 'ARREARS_RECOVERING', 'FAILED', 'OFFLINING', 'UPDATING', 'UPDATING_FAILED'];

export async function handleAdmin(ctx: Ctx, svc: Service, faults: Faults, log: RequestLogEntry[], stats: { internalErrors: number }): Promise<Reply> {
  const route = `${ctx.method} ${ctx.path.replace(/\/+$/, '')}`;
  const ok = (body: unknown): Reply => ({ status: 200, body });
  const wrap = (f: () => void) => {
    try {
      f();
    } catch (e) {
      if (e instanceof ApiError) throw e;
      throw badParam((e as Error).message);
    }
  };
  switch (route) {
    case 'GET /__emulator/faults':
      return ok(faults.config);
    case 'POST /__emulator/faults': {
      const body = await readJson(ctx);
      wrap(() => (faults.config = parseFaultConfig(body)));
      return ok(faults.config);
    }
    case 'DELETE /__emulator/faults':
      faults.config = {};
      return ok(faults.config);
    case 'GET /__emulator/requests':
      return ok({ requests: log });
    case 'DELETE /__emulator/requests':
      log.length = 0;
      return ok({ requests: log });
    case 'GET /__emulator/state':
      return ok({ ...summary(svc), internalErrors: stats.internalErrors });
    case 'GET /__emulator/clock':
      return ok({ now: new Date(svc.now()).toISOString(), nowMs: svc.now(), timeScale: svc.opts.timeScale });
    case 'POST /__emulator/clock/advance': {
      const body = await readJson(ctx);
      const ms = typeof body.ms === 'number' ? body.ms : typeof body.seconds === 'number' ? body.seconds * 1000 : NaN;
      if (!(ms >= 0)) throw badParam('clock/advance needs {"ms": n} or {"seconds": n}, a non-negative number.', 'ms');
      svc.clock.advance(ms);
      svc.save();
      return ok({ now: new Date(svc.now()).toISOString(), nowMs: svc.now() });
    }
    case 'POST /__emulator/scenario/job-failure': {
      const body = await readJson(ctx);
      if (typeof body.message !== 'string' || !body.message) throw badParam('message is required: the failure message the job will show.', 'message');
      const fraction = body.atFraction ?? 0.5;
      if (typeof fraction !== 'number' || fraction < 0 || fraction > 1) throw badParam('atFraction must be a number between 0 and 1.', 'atFraction');
      const failAt = { fraction, message: body.message };
      if (body.jobId !== undefined) {
        const job = svc.job(String(body.jobId));
        if (!job) throw new ApiError(404, 'NotFound', `job ${String(body.jobId)} not found`);
        if (['SUCCEEDED', 'FAILED', 'CANCELED'].includes(svc.jobStatus(job))) throw badParam(`job ${job.jobId} has already finished`);
        job.failAt = failAt;
      } else {
        svc.state.knobs.nextJobFailure = failAt;
      }
      svc.save();
      return ok({ scheduled: failAt, jobId: body.jobId ?? 'next' });
    }
    case 'POST /__emulator/scenario/export-outcome': {
      const body = await readJson(ctx);
      if (body.outcome !== 'FAILED' && body.outcome !== 'UNSUPPORTED') throw badParam('outcome must be "FAILED" or "UNSUPPORTED".', 'outcome');
      svc.state.knobs.nextExportOutcome = { outcome: body.outcome, jobId: typeof body.jobId === 'string' ? body.jobId : undefined };
      svc.save();
      return ok(svc.state.knobs.nextExportOutcome);
    }
    case 'POST /__emulator/scenario/deployment-status': {
      const body = await readJson(ctx);
      const d = typeof body.deployedModel === 'string' ? svc.deployment(body.deployedModel) : undefined;
      if (!d) throw new ApiError(404, 'NotFound', `deployment ${String(body.deployedModel)} not found (give "deployedModel")`);
      if (!FORCEABLE.includes(body.status as DeploymentStatus)) throw badParam(`status must be one of ${FORCEABLE.join(', ')}.`, 'status');
      d.forced = { status: body.status as DeploymentStatus, message: typeof body.message === 'string' ? body.message : undefined, at: svc.now() };
      svc.save();
      return ok({ deployedModel: d.deployedModel, status: svc.deploymentStatus(d) });
    }
    default:
      throw new ApiError(404, 'NotFound', `No admin API at ${ctx.method} ${ctx.path}.`);
  }
}

/** A summary of every resource, for finding orphans. */
export function summary(svc: Service) {
  const s = svc.state;
  return {
    now: new Date(svc.now()).toISOString(),
    files: s.files.map((f) => ({ id: f.id, filename: f.filename, bytes: f.bytes, api: f.api })),
    jobs: s.jobs.filter((j) => !j.deleted).map((j) => ({ jobId: j.jobId, model: j.model, status: svc.jobStatus(j), finetunedOutput: j.finetunedOutput, trainingFileIds: j.trainingFileIds })),
    exports: s.exports.map((e) => ({ jobId: e.jobId, checkpoint: e.checkpoint, modelName: e.modelName, displayName: e.displayName, status: svc.exportStatus(e) })),
    deployments: s.deployments.filter((d) => svc.deploymentStatus(d) !== null).map((d) => ({ deployedModel: d.deployedModel, baseModel: d.baseModel, status: svc.deploymentStatus(d) })),
    tasks: s.tasks.filter((t) => svc.taskStatus(t) !== 'UNKNOWN').map((t) => ({ taskId: t.taskId, model: t.model, status: svc.taskStatus(t) })),
  };
}
