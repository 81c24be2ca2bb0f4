/**
 * wanflow's activities: thin calls over the DashScope client, built by a factory so the worker (and tests) inject the
 * client. Every Model Studio call is one of these; the API key lives only inside the client the worker built.
 */
import type { DashScope } from '../dashscope';
import { createCheckpointActivities } from './checkpoints';
import { createDatasetActivities } from './dataset';
import { createDeploymentActivities } from './deployment';
import { withFailureMapping } from './errors';
import { createManagementActivities } from './management';
import { createNotifyActivities } from './notify';
import { createTrainingActivities } from './training';
import { createVideoActivities } from './video';

/** Options beyond the client: the worker's webhook secret (WANFLOW_WEBHOOK_SECRET). */
export interface ActivityOptions {
  webhookSecret?: string;
}

export const createActivities = (dashscope: DashScope, opts: ActivityOptions = {}) =>
  withFailureMapping({
    ...createDatasetActivities(dashscope),
    ...createTrainingActivities(dashscope),
    ...createCheckpointActivities(dashscope),
    ...createDeploymentActivities(dashscope),
    ...createVideoActivities(dashscope),
    ...createManagementActivities(dashscope),
    ...createNotifyActivities(opts),
  });

export type Activities = ReturnType<typeof createActivities>;
