import { startDevServer } from '../../src/temporal/devServer';

/** One real Temporal dev server per jest run, on free ports, with wanflow's search attributes. */
export default async function globalSetup(): Promise<void> {
  const started = Date.now();
  const server = await startDevServer({ log: (m) => process.stderr.write(`[wanflow] ${m}\n`) });
  process.env.TEMPORAL_ADDRESS = server.address;
  process.env.TEMPORAL_NAMESPACE = server.namespace;
  (globalThis as { __wanflowDevServer?: typeof server }).__wanflowDevServer = server;
  process.stderr.write(`\n[harness] Temporal dev server at ${server.address} (started in ${Date.now() - started} ms)\n`);
}
