// One real Temporal dev server per jest run (test/harness/globalSetup.ts); suites grouped by what they exercise.
/** @type {import('jest').Config} */
const common = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['ts-jest', { diagnostics: false }] },
  moduleFileExtensions: ['ts', 'js', 'json'],
  setupFiles: ['<rootDir>/test/helpers/quiet-logs.ts'],
};
const project = (name, extra = {}) => ({ ...common, displayName: name, testMatch: [`<rootDir>/test/${name}/**/*.test.ts`], ...extra });
module.exports = {
  globalSetup: '<rootDir>/test/harness/globalSetup.ts',
  globalTeardown: '<rootDir>/test/harness/globalTeardown.ts',
  testTimeout: 120_000,
  // Most suites wait on servers, timers and child processes rather than compute: two workers on two cores halve the
  // wall time (jest's default here would be one).
  maxWorkers: 2,
  // The Temporal native runtime (dev server, workers) can keep the process alive after a run that had failures;
  // CI must never hang on that, so jest exits once the results are in (teardown has already stopped the server).
  forceExit: true,
  projects: [project('unit'), project('emulator'), project('harness'), project('workflow'), project('durability'), project('replay'), project('web'), project('production', { testTimeout: 900_000 })],
};
