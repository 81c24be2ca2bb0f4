import type { DevServer } from '../../src/temporal/devServer';

export default async function globalTeardown(): Promise<void> {
  const server = (globalThis as { __wanflowDevServer?: DevServer }).__wanflowDevServer;
  await server?.stop();
}
