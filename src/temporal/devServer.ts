import { TestWorkflowEnvironment } from '@temporalio/testing';
import { WANFLOW_SEARCH_ATTRIBUTES } from '../workflows/search-attributes';
import { temporalCliPath } from './cli';

export interface DevServerOptions {
  /** gRPC port; default: a free port. */
  port?: number;
  /** Serve the Web UI (default false). Its port defaults to port + 1000, as the CLI does. */
  ui?: boolean;
  uiPort?: number;
  /** Persist state in this sqlite file (default in-memory). */
  dbFilename?: string;
  namespace?: string;
  log?: (message: string) => void;
}

export interface DevServer {
  /** host:port for Connection / NativeConnection. */
  address: string;
  namespace: string;
  uiUrl?: string;
  env: TestWorkflowEnvironment;
  stop(): Promise<void>;
}

/**
 * A real Temporal dev server (`temporal server start-dev`) run from the project's Temporal CLI binary,
 * with wanflow's search attributes registered. Built on @temporalio/testing's createLocal with an existing-path executable.
 */
export async function startDevServer(opts: DevServerOptions = {}): Promise<DevServer> {
  const namespace = opts.namespace ?? 'default';
  const uiPort = opts.ui ? (opts.uiPort ?? (opts.port ? opts.port + 1000 : undefined)) : undefined;
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: await temporalCliPath(opts.log) },
      namespace,
      port: opts.port,
      ui: opts.ui ?? false,
      uiPort,
      dbFilename: opts.dbFilename,
      searchAttributes: WANFLOW_SEARCH_ATTRIBUTES,
      log: { format: 'pretty', level: 'error' },
    },
  });
  const address = (env.connection as unknown as { options: { address: string } }).options.address;
  return {
    address,
    namespace,
    uiUrl: opts.ui ? `http://localhost:${uiPort ?? Number(address.split(':').pop()) + 1000}` : undefined,
    env,
    stop: () => env.teardown(),
  };
}
