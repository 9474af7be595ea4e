// vitest global setup: removes the shared test cgroup parent (/planc-test in every hierarchy) once
// every test file is done. Test files remove only their own cgroups below it: a parent removed
// while another file's runtime creates its cgroup makes that mkdir fail (ENOENT).
import fs from 'node:fs';
import path from 'node:path';

export const testCgroupParent = 'planc-test';

export default function setup(): () => void {
  return () => {
    let mounts = '';
    try { mounts = fs.readFileSync('/proc/self/mountinfo', 'utf8'); } catch { return; }
    for (const line of mounts.split('\n')) {
      const f = line.split(' ');
      const dash = f.indexOf('-');
      if (dash < 0 || !['cgroup', 'cgroup2'].includes(f[dash + 1]!) || !f[4]!.startsWith('/sys/fs/cgroup')) continue;
      // only when empty: a leftover of a failed test stays visible
      try { fs.rmdirSync(path.join(f[4]!, testCgroupParent)); } catch { /* absent, or not empty */ }
    }
  };
}
