import { ConflictError, InvalidParameterError, NotFoundError, type Deployment } from '../../../src/dashscope';
import { AIGC_CONFIG, startClientEnv, trainedModel, waitFor, type ClientEnv } from './setup';

let env: ClientEnv;
let modelName: string;
let created: Deployment;

beforeAll(async () => {
  env = await startClientEnv();
  modelName = await trainedModel(env);
  created = await env.ds.deployments.create({ model_name: modelName, capacity: 1, plan: 'lora', aigc_config: AIGC_CONFIG });
});
afterAll(() => env.close());

test('create returns a PENDING deployment of the model', async () => {
  // The name the client parsed is the one the service created.
  const log = await env.requests();
  expect(log.filter((r) => r.effect === 'deployment.created').map((r) => r.resourceId)).toEqual([created.deployed_model]);
  expect(created.model_name).toBe(modelName);
  expect(created.status).toBe('PENDING');
  expect(created.plan).toBe('lora');
});

test('retrieve follows it to RUNNING', async () => {
  const running = await waitFor(() => env.ds.deployments.retrieve(created.deployed_model), (d) => d.status !== 'PENDING');
  expect(running.status).toBe('RUNNING');
  expect(running.base_model).toBe('wan2.2-i2v-flash');
});

test('list iterates the deployments', async () => {
  const all = await env.ds.deployments.list({ page_size: 1 }).toArray();
  expect(all.map((d) => d.deployed_model)).toContain(created.deployed_model);
});

test('deploying the same name again: 409 ConflictError', async () => {
  const err = await env.ds.deployments.create({ model_name: modelName, capacity: 1, plan: 'lora', aigc_config: AIGC_CONFIG }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ConflictError);
  expect((err as ConflictError).status).toBe(409);
  expect((err as ConflictError).name).toBe('ConflictError');
  expect((err as ConflictError).retryable).toBe(false);
});

test('a model that is not deployable: 400', async () => {
  const err = await env.ds.deployments.create({ model_name: 'wan2.2-i2v-flash-ft-nothing', capacity: 1, plan: 'lora', aigc_config: AIGC_CONFIG }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(InvalidParameterError);
});

test('delete: DELETING, then 404 NotFoundError', async () => {
  const deleting = await env.ds.deployments.delete(created.deployed_model);
  expect(deleting.status).toBe('DELETING');
  const err = await waitFor(
    () => env.ds.deployments.retrieve(created.deployed_model).then(() => undefined, (e: unknown) => e),
    (e) => e !== undefined,
  );
  expect(err).toBeInstanceOf(NotFoundError);
  expect((err as NotFoundError).code).toBe('NotFound');
});
