/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // The Galera suite (test/cluster) runs on its own with `npm run test:cluster`: one of its tests
  // (forgets racing ingestion through two gateways on different nodes) hung now and then, a
  // forget waiting past 30 s, and a hang there would fail every CI run. Until that is found it
  // stays out of `npm test` (see the README's "Running on a cluster").
  testPathIgnorePatterns: process.env.PGW_CLUSTER_TESTS === '1' ? ['/node_modules/'] : ['/node_modules/', '<rootDir>/test/cluster/'],
  transform: {
    // Type errors are caught by `tsc --noEmit` in `npm test`; here ts-jest only transpiles, fast.
    '^.+\\.ts$': ['ts-jest', { diagnostics: false }],
    // jose 6 ships ES modules only; Node 20 loads them with require(), jest's loader does not.
    '^.+/node_modules/jose/.+\\.js$': ['ts-jest', { diagnostics: false, tsconfig: { allowJs: true, module: 'commonjs' } }],
  },
  transformIgnorePatterns: ['/node_modules/(?!jose/)'],
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  testTimeout: 60000,
  maxWorkers: 2,
};
