import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** Custom search attributes wanflow sets on its workflows; the dev server registers them at start. */
export const WanflowStage = defineSearchAttributeKey('WanflowStage', SearchAttributeType.KEYWORD);
export const WanflowBaseModel = defineSearchAttributeKey('WanflowBaseModel', SearchAttributeType.KEYWORD);
export const WanflowJobId = defineSearchAttributeKey('WanflowJobId', SearchAttributeType.KEYWORD);
export const WanflowDeployedModel = defineSearchAttributeKey('WanflowDeployedModel', SearchAttributeType.KEYWORD);

export const WANFLOW_SEARCH_ATTRIBUTES = [WanflowStage, WanflowBaseModel, WanflowJobId, WanflowDeployedModel];
