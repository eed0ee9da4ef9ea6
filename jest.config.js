/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // test/cluster starts a private 3-node Galera cluster (about 1-3 minutes; `npm run test:cluster`
  // runs it alone). It is part of `npm test`: the hang that kept it out (issue 17) is fixed.
  testPathIgnorePatterns: ['/node_modules/'],
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
