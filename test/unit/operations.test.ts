/** The client side of management operations: workflow ids, summaries, and failures mapped to the API's reason. */
import { WorkflowFailedError } from '@temporalio/client';
import { ActivityFailure, ApplicationFailure, RetryState, TimeoutFailure } from '@temporalio/common';
import { describeFailure, table } from '../../src/commands/management';
import { operationSummary, operationWorkflowId, toOperationError } from '../../src/operations';

const activityFailed = (cause: Error) =>
  new WorkflowFailedError('Workflow execution failed', new ActivityFailure('Activity task failed', 'opDeleteJob', '1', RetryState.NON_RETRYABLE_FAILURE, 'worker', cause), RetryState.NON_RETRYABLE_FAILURE);

test('workflow ids name the verb and target and end in a random part', () => {
  const a = operationWorkflowId({ op: 'jobs.cancel', jobId: 'ft-202511111122-ab12' });
  const b = operationWorkflowId({ op: 'jobs.cancel', jobId: 'ft-202511111122-ab12' });
  expect(a).toMatch(/^wanflow-op-jobs-cancel-ft-202511111122-ab12-[0-9a-f]{6}$/);
  expect(a).not.toBe(b);
  expect(operationWorkflowId({ op: 'export', jobId: 'ft-1', checkpoint: 'checkpoint-20', modelName: '模型-1', wait: true })).toMatch(/^wanflow-op-export-ft-1-checkpoint-20-[0-9a-f]{6}$/);
  expect(operationWorkflowId({ op: 'jobs.list', limit: 20 })).toMatch(/^wanflow-op-jobs-list-all-/);
  expect(operationSummary({ op: 'export', jobId: 'ft-1', checkpoint: 'checkpoint-20', modelName: 'm', wait: true })).toBe('wanflow export jobId=ft-1 checkpoint=checkpoint-20 modelName=m --wait');
});

test("an activity's API failure becomes an OperationError with the API's class, status and code", () => {
  const cause = ApplicationFailure.create({
    type: 'InvalidParameterError',
    message: '400 UnsupportedOperation: Job ft-1 is RUNNING; cancel it and wait for CANCELED before deleting it. (request_id r-1)',
    nonRetryable: true,
    details: [{ status: 400, code: 'UnsupportedOperation', requestId: 'r-1' }],
  });
  const e = toOperationError(activityFailed(cause), 'wanflow-op-jobs-delete-ft-1-abcdef');
  expect(e.toJSON()).toEqual({ type: 'InvalidParameterError', status: 400, code: 'UnsupportedOperation', message: cause.message, requestId: 'r-1', workflowId: 'wanflow-op-jobs-delete-ft-1-abcdef' });
  const text = describeFailure({ op: 'jobs.delete', jobId: 'ft-1' }, e);
  expect(text).toContain('Model Studio refused this for fine-tune job ft-1 (400 UnsupportedOperation): 400 UnsupportedOperation: Job ft-1 is RUNNING');
  expect(text).toContain('cancel it first: wanflow jobs cancel ft-1');
});

test('a 409 on export names the model name; a 404 names what was not found; a timeout asks for a worker', () => {
  const conflict = toOperationError(activityFailed(ApplicationFailure.create({ type: 'ConflictError', message: '409 Conflict: taken', details: [{ status: 409, code: 'Conflict' }] })), 'w');
  expect(describeFailure({ op: 'export', jobId: 'ft-1', checkpoint: 'checkpoint-20', modelName: 'mine', wait: false }, conflict)).toMatch(/export of checkpoint checkpoint-20 of fine-tune job ft-1 as "mine" \(409 Conflict\): 409 Conflict: taken; .*choose another --model-name/);
  const missing = toOperationError(activityFailed(ApplicationFailure.create({ type: 'NotFoundError', message: '404 NotFound: Not found.', details: [{ status: 404, code: 'NotFound' }] })), 'w');
  expect(describeFailure({ op: 'deployments.get', deployedModel: 'm-1' }, missing)).toBe('deployment m-1 not found: Model Studio answered 404 NotFound: Not found.');
  const timedOut = toOperationError(new WorkflowFailedError('Workflow execution timed out', new TimeoutFailure(undefined, undefined, 'START_TO_CLOSE'), RetryState.TIMEOUT), 'w');
  expect(timedOut.type).toBe('Timeout');
  expect(describeFailure({ op: 'jobs.list', limit: 20 }, timedOut, 'q1')).toContain('is a worker (wanflow worker) running on task queue "q1"?');
});

test('tables align columns and show missing cells as -', () => {
  expect(table(['A', 'BB'], [['x', undefined], ['long', 'y']])).toBe('A     BB\nx     -\nlong  y\n');
});
