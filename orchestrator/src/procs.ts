// The processes of a container: the union of the cgroup.procs files of the cgroups its plan put
// init in (stats.ts cgroupDirs), so no cgroup path is ever guessed. Read only.
import { cgroupDirs } from './stats.js';
import { sys } from './sys.js';

export function containerPids(plan: Uint8Array): number[] {
  const pids = new Set<number>();
  for (const dir of cgroupDirs(plan)) {
    let text = '';
    try { text = sys().readText(`${dir}/cgroup.procs`); } catch { continue; } // cgroup gone: no processes there
    for (const l of text.split('\n')) if (l.trim() !== '') pids.add(Number(l));
  }
  return [...pids].sort((a, b) => a - b);
}
