// Test runner settings for the whole repository: planner, shim and CLI tests plus the
// differential spec-tests. Real-container tests live in few files so at most two run at once.
import { configDefaults, defineConfig } from 'vitest/config';

// spec-tests/vm-guest/ runs only inside the pure cgroup v2 guest (vm/run.sh sets PLANC_VM_GUEST=1);
// on the host, spec-tests/vm.test.ts boots the guest and reports its results.
const guest = process.env.PLANC_VM_GUEST === '1';
const guestOnly = guest ? [] : ['spec-tests/vm-guest/**'];
// the guest is emulated (TCG): everything there takes three to five times as long
const slow = guest ? 3 : 1;
const vmTest = 'spec-tests/vm.test.ts';

export default defineConfig({
  test: {
    globalSetup: ['spec-tests/helpers/cgroup-parent.ts'],
    pool: 'forks',
    // two cores: more workers only queue real containers behind each other
    maxWorkers: 2,
    testTimeout: 60_000 * slow,
    hookTimeout: 120_000 * slow,
    reporters: ['default'],
    projects: [
      {
        extends: true,
        test: {
          name: 'planc',
          include: ['spec-tests/**/*.test.ts', 'orchestrator/test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, ...guestOnly, vmTest],
        },
      },
      // the VM takes both cores for minutes: it runs after everything else, not beside it
      { extends: true, test: { name: 'vm', include: [vmTest], sequence: { groupOrder: 1 } } },
    ],
  },
});
