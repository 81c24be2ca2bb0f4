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
import { createTrainingActivities } from './training';
import { createVideoActivities } from './video';

export const createActivities = (dashscope: DashScope) =>
  withFailureMapping({
    ...createDatasetActivities(dashscope),
    ...createTrainingActivities(dashscope),
    ...createCheckpointActivities(dashscope),
    ...createDeploymentActivities(dashscope),
    ...createVideoActivities(dashscope),
    ...createManagementActivities(dashscope),
  });

export type Activities = ReturnType<typeof createActivities>;
