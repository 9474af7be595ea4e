// Test runner settings for the whole repository: planner, shim and CLI tests plus the
// differential spec-tests. Real-container tests live in few files so at most two run at once.
import { configDefaults, defineConfig } from 'vitest/config';

// spec-tests/vm-guest/ runs only inside the pure cgroup v2 guest (vm/run.sh sets PLANC_VM_GUEST=1);
// on the host, spec-tests/vm.test.ts boots the guest and reports its results.
const guestOnly = process.env.PLANC_VM_GUEST === '1' ? [] : ['spec-tests/vm-guest/**'];

export default defineConfig({
  test: {
    include: ['spec-tests/**/*.test.ts', 'orchestrator/test/**/*.test.ts'],
    exclude: [...configDefaults.exclude, ...guestOnly],
    globalSetup: ['spec-tests/helpers/cgroup-parent.ts'],
    pool: 'forks',
    // two cores: more workers only queue real containers behind each other
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: ['default'],
  },
});
