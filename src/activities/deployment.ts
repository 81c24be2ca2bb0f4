import { activityInfo, log } from '@temporalio/activity';
import { ConflictError, NotFoundError, type DashScope } from '../dashscope';
import type { AigcConfig } from '../workflows/input';
import { PIPELINE_FAILURE_TYPES } from '../workflows/options';
import type { DeploymentSnapshot } from '../workflows/types';
import { createCallOptions, finalFailure, notDoneYet } from './errors';

/** Deployment statuses that no amount of waiting turns into RUNNING. */
const DEPLOYMENT_FINAL = new Set(['FAILED', 'ARREARS_DOWN', 'UPDATING_FAILED', 'OFFLINING', 'DELETING']);

export function createDeploymentActivities(ds: DashScope) {
  return {
    /**
     * Deploys a model exactly once (capacity 1, plan lora). On 409 the deployment of that name is adopted: on a retry it
     * is the one an earlier attempt created (its response was lost); on a first attempt it existed before (`adopted`).
     */
    async createDeployment(args: { modelName: string; aigcConfig: AigcConfig }): Promise<DeploymentSnapshot> {
      try {
        const d = await ds.deployments.create({ model_name: args.modelName, capacity: 1, plan: 'lora', aigc_config: args.aigcConfig }, createCallOptions());
        log.info('deployment created', { deployedModel: d.deployed_model, status: d.status });
        return { deployedModel: d.deployed_model, modelName: d.model_name ?? args.modelName, status: d.status, adopted: false };
      } catch (err) {
        if (!(err instanceof ConflictError)) throw err;
        const existing = await findDeployment(ds, args.modelName);
        if (!existing) throw err;
        const adopted = activityInfo().attempt === 1;
        log.info('deployment of this name exists; adopting it', { deployedModel: existing.deployed_model, createdByEarlierAttempt: !adopted });
        return { deployedModel: existing.deployed_model, modelName: existing.model_name ?? args.modelName, status: existing.status, adopted };
      }
    },

    /** One check of a deployment; returns once RUNNING, fails with the API's message on FAILED, ARREARS_DOWN, UPDATING_FAILED. */
    async pollDeployment(args: { deployedModel: string }): Promise<DeploymentSnapshot> {
      const d = await ds.deployments.retrieve(args.deployedModel);
      if (d.status === 'RUNNING') return { deployedModel: d.deployed_model, modelName: d.model_name ?? '', status: d.status, adopted: false };
      if (DEPLOYMENT_FINAL.has(d.status)) {
        const message = (d as { message?: string | null }).message;
        throw finalFailure(
          PIPELINE_FAILURE_TYPES.deploymentFailed,
          `deployment ${args.deployedModel} is ${d.status}${message ? `: ${message}` : ''}`,
          { status: d.status },
        );
      }
      throw notDoneYet(`deployment ${args.deployedModel} ${d.status}`);
    },

    /** Deletes a deployment (clean-up); one already gone counts as deleted. */
    async deleteDeployment(deployedModel: string): Promise<void> {
      try {
        await ds.deployments.delete(deployedModel);
        log.info('deployment deleted', { deployedModel });
      } catch (err) {
        if (err instanceof NotFoundError) return;
        throw err;
      }
    },
  };
}

async function findDeployment(ds: DashScope, modelName: string) {
  try {
    return await ds.deployments.retrieve(modelName);
  } catch (err) {
    if (!(err instanceof NotFoundError)) throw err;
  }
  for await (const d of ds.deployments.list()) {
    if (d.model_name === modelName || d.deployed_model === modelName) return d;
  }
  return undefined;
}
