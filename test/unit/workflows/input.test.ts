import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FINAL_ERROR_TYPES } from '../../../src/dashscope/errors';
import { MODEL_IDS as CATALOG_MODEL_IDS } from '../../../src/catalog';
import { parsePipelineInput, InvalidPipelineInputError, DEFAULT_AIGC_CONFIG } from '../../../src/workflows/input';
import { FINAL_API_ERROR_TYPES } from '../../../src/workflows/options';
import { pipelineInputJsonSchema } from '../../../src/workflows/schema';

const minimal = {
  version: 1,
  model: 'wan2.2-i2v-flash',
  source: { kind: 'dataset', training: { path: '/data/set.zip' } },
  deployment: { aigcConfig: DEFAULT_AIGC_CONFIG },
};

test('a minimal input gets documented defaults', () => {
  const r = parsePipelineInput(minimal);
  expect(r.checkpoint).toEqual({ policy: 'final' });
  expect(r.polling).toEqual({ training: '45s', export: '15s', deployment: '30s', task: '15s' });
  expect(r.capacityWait).toEqual({ timeout: '24h', retryEvery: '10m' });
  expect(r.cleanup).toEqual({ deleteDeployment: 'on-cancel-or-failure', cancelJob: true });
  expect(r.hyperParameters).toEqual({});
});

test('bad input names every bad field at once', () => {
  const bad = { ...minimal, version: 2, model: 'wan9', checkpoint: { policy: 'named', name: 'ckpt' }, polling: { training: 'soon' } };
  let err: InvalidPipelineInputError | undefined;
  try {
    parsePipelineInput(bad);
  } catch (e) {
    err = e as InvalidPipelineInputError;
  }
  expect(err).toBeInstanceOf(InvalidPipelineInputError);
  const text = err!.problems.join('\n');
  expect(text).toMatch(/^version: /m);
  expect(text).toMatch(/^model: /m);
  expect(text).toMatch(/^checkpoint\.name: .*checkpoint-<step>/m);
  expect(text).toMatch(/^polling\.training: .*duration/m);
});

test('the committed JSON Schema matches the zod schema (run `npm run schema` after changing the input)', () => {
  const committed = JSON.parse(readFileSync(join(__dirname, '../../../schema/pipeline-input.schema.json'), 'utf8'));
  expect(committed).toEqual(pipelineInputJsonSchema());
  expect(committed.required).toEqual(expect.arrayContaining(['version', 'model', 'source', 'deployment']));
});

test("the workflow's final error types are exactly the client's", () => {
  expect([...FINAL_API_ERROR_TYPES].sort()).toEqual([...FINAL_ERROR_TYPES].sort());
});

test('the workflow input lists the catalog models', () => {
  const schema = pipelineInputJsonSchema() as { properties: { model: { enum: string[] } } };
  expect(schema.properties.model.enum).toEqual([...CATALOG_MODEL_IDS]);
});
