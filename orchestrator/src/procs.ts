// The processes of a container: the union of the cgroup.procs files of the cgroups its plan put
// init in (stats.ts cgroupDirs), so no cgroup path is ever guessed. Read only.
import { readFileSync } from 'node:fs';
import { cgroupDirs } from './stats.js';

export function containerPids(plan: Uint8Array): number[] {
  const pids = new Set<number>();
  for (const dir of cgroupDirs(plan)) {
    let text = '';
    try { text = readFileSync(`${dir}/cgroup.procs`, 'utf8'); } catch { continue; } // cgroup gone: no processes there
    for (const l of text.split('\n')) if (l.trim() !== '') pids.add(Number(l));
  }
  return [...pids].sort((a, b) => a - b);
}
