import { z } from 'zod';
import { PipelineInputSchema } from './input';

/** JSON Schema (draft 2020-12) of what fineTunePipeline accepts: the contract for starters in any language. */
export function pipelineInputJsonSchema(): Record<string, unknown> {
  return {
    $id: 'https://github.com/wanflow/wanflow/schema/pipeline-input.schema.json',
    title: 'wanflow fineTunePipeline input (version 1)',
    ...(z.toJSONSchema(PipelineInputSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>),
  };
}
