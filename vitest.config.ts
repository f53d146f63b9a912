import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // CLI tests spawn ./bin/npn-onboard, which runs the build in dist/ (made by `pretest`).
    testTimeout: 30_000,
    reporters: ['default', './test/summary-reporter.ts'],
  },
});
