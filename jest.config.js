// Four tiers, each a project with its own npm script (`npm run test:<tier>`; `npm test` runs all):
// - unit: beside the code (apps/*/src, libs/*/src), no I/O;
// - integration: one app in-process or one lib (apps/*/test, libs/*/test), or npm start's
//   scripts (test/scripts), against real Redis and MongoDB;
// - e2e: the apps together, as processes from dist/ (test/e2e);
// - system: faults, scale, cluster, deploy, browser and load smoke (every other test/ folder).
// All but unit get real Redis and a real MongoDB-protocol server from the global setup (started
// when none answers). Native ESM (NestJS 12 is ESM-only), transpiled by @swc/jest.
const swc = [
  '@swc/jest',
  {
    swcrc: false,
    sourceMaps: 'inline',
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
      target: 'es2023',
      keepClassNames: true,
    },
    module: { type: 'es6' },
  },
];

const common = {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '^.+\\.ts$': swc },
  moduleNameMapper: {
    '^@chat/([a-z-]+)$': '<rootDir>/libs/$1/src/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  setupFiles: ['reflect-metadata'],
};

/** Real Redis and MongoDB, each test file's environment pointing at the test databases. */
const infra = {
  globalSetup: '<rootDir>/test/setup/global-setup.mjs',
  globalTeardown: '<rootDir>/test/setup/global-teardown.mjs',
  setupFiles: ['reflect-metadata', '<rootDir>/test/setup/env.mjs'],
  setupFilesAfterEnv: ['<rootDir>/test/setup/stop-processes.mjs'],
};

export default {
  testTimeout: 60_000,
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: ['<rootDir>/{apps,libs}/*/src/**/*.spec.ts'],
    },
    {
      ...common,
      ...infra,
      displayName: 'integration',
      testMatch: ['<rootDir>/{apps,libs}/*/test/**/*.spec.ts', '<rootDir>/test/scripts/**/*.spec.ts'],
    },
    {
      ...common,
      ...infra,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/e2e/**/*.spec.ts'],
    },
    {
      ...common,
      ...infra,
      displayName: 'system',
      // Every other folder of test/, so that a new one cannot fall outside every tier.
      testMatch: ['<rootDir>/test/**/*.spec.ts'],
      testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/(e2e|scripts)/'],
    },
  ],
};
