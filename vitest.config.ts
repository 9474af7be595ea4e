// Test runner settings for the whole repository: planner, shim and CLI tests plus the
// differential spec-tests. Real-container tests live in few files so at most two run at once.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['spec-tests/**/*.test.ts', 'orchestrator/test/**/*.test.ts'],
    globalSetup: ['spec-tests/helpers/cgroup-parent.ts'],
    pool: 'forks',
    // two cores: more workers only queue real containers behind each other
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: ['default'],
  },
});
