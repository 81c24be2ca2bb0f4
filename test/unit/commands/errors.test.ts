import { ServiceError } from '@temporalio/client';
import { ConfigError } from '../../../src/config';
import { formatCliError, reportCliError } from '../../../src/commands/errors';
import { SearchAttributesMissingError, searchAttributeCommands } from '../../../src/temporal/searchAttributes';

/** What grpc-js hands the client for a refused call: code, details and a "<code> <NAME>: <details>" message. */
function grpcError(code: number, details: string): Error {
  const names: Record<number, string> = { 3: 'INVALID_ARGUMENT', 14: 'UNAVAILABLE', 16: 'UNAUTHENTICATED' };
  return Object.assign(new Error(`${code} ${names[code]}: ${details}`), { code, details });
}

test("the issue's case: `Failed to start Workflow` shows the server's reason and says to run setup", () => {
  const err = new ServiceError('Failed to start Workflow', {
    cause: grpcError(3, 'Namespace default has no mapping defined for search attribute WanflowBaseModel'),
  });
  expect(formatCliError(err, { address: 'localhost:7233', namespace: 'default' })).toBe(
    [
      'wanflow: Failed to start Workflow',
      '  caused by: 3 INVALID_ARGUMENT: Namespace default has no mapping defined for search attribute WanflowBaseModel',
      '  what to do: the namespace lacks wanflow\'s search attributes: run `npx wanflow setup` (or see "Your own Temporal server" in the README)',
      '',
    ].join('\n'),
  );
});

test('status codes get their hint; a config error is printed as it is; usage errors keep their exit code', () => {
  expect(formatCliError(new Error('x', { cause: grpcError(14, 'No connection established') }), { address: 'h:1' })).toMatch(/what to do: is a Temporal server running at h:1\?/);
  expect(formatCliError(new Error('x', { cause: grpcError(16, 'bad key') }), {})).toMatch(/caused by: 16 UNAUTHENTICATED: bad key\n  what to do: the server did not accept the credentials/);
  expect(formatCliError(new ConfigError('invalid configuration:\n  TEMPORAL_TLS: expected true, false, 1 or 0'))).toBe('wanflow: invalid configuration:\n  TEMPORAL_TLS: expected true, false, 1 or 0\n');
  const write = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    expect(reportCliError(new Error('boom'))).toBe(1);
    expect(write).toHaveBeenCalledWith('wanflow: boom\n');
  } finally {
    write.mockRestore();
  }
});

test('the refusal names the attributes and gives runnable commands, Cloud first on a Cloud address', () => {
  const local = searchAttributeCommands('default', 'localhost:7233', ['WanflowStage']);
  expect(local[0]).toBe('temporal operator search-attribute create --address localhost:7233 --namespace default --name WanflowStage --type Keyword');
  expect(local[local.length - 1]).toBe('tcld namespace search-attributes add --namespace default --search-attribute "WanflowStage=Keyword"');
  const cloud = searchAttributeCommands('ns.acct', 'ns.acct.tmprl.cloud:7233', ['WanflowStage', 'WanflowJobId']);
  expect(cloud[1]).toBe('tcld namespace search-attributes add --namespace ns.acct --search-attribute "WanflowStage=Keyword" --search-attribute "WanflowJobId=Keyword"');
  const err = new SearchAttributesMissingError('default', ['WanflowStage'], [{ name: 'WanflowJobId', actual: 'Text' }], 'r', local);
  expect(err.message).toMatch(/^namespace "default" lacks search attributes wanflow needs: WanflowStage \(Keyword\), WanflowJobId \(is Text, must be Keyword\)\./);
});
