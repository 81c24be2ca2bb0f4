// The production-stack suite (`npm run test:stack`): its own global setup brings the stack up with the user's command
// (`npm run stack -- up`, in a temporary state folder) and down after; the dev server of the main suite is not used.
/** @type {import('jest').Config} */
module.exports = {
  rootDir: '../..',
  displayName: 'stack',
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['ts-jest', { diagnostics: false }] },
  moduleFileExtensions: ['ts', 'js', 'json'],
  setupFiles: ['<rootDir>/test/helpers/quiet-logs.ts'],
  testMatch: ['<rootDir>/test/stack/**/*.test.ts'],
  globalSetup: '<rootDir>/test/stack/globalSetup.ts',
  globalTeardown: '<rootDir>/test/stack/globalTeardown.ts',
  testTimeout: 900_000,
  maxWorkers: 1,
  forceExit: true,
};
