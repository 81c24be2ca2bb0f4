import { DefaultLogger, Runtime } from '@temporalio/worker';

// Keep worker chatter out of test output; warnings and errors still show.
try {
  Runtime.install({ logger: new DefaultLogger((process.env.WANFLOW_TEST_LOG_LEVEL as 'WARN') ?? 'WARN') });
} catch {
  // already installed in this module registry
}
