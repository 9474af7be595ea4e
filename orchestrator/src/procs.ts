// The processes of a container: the union of the cgroup.procs files its plan put init into
// (the plan's write_child_pid ops), so no cgroup path is ever guessed. Read only.
import { decodePlan } from './plan/decode.js';
import { sys } from './sys.js';

export function containerPids(plan: Uint8Array): number[] {
  const pids = new Set<number>();
  for (const op of decodePlan(plan)) {
    if (op.op !== 'write_child_pid') continue;
    let text = '';
    try { text = sys().readText(op.args.path as string); } catch { continue; } // cgroup gone: no processes there
    for (const l of text.split('\n')) if (l.trim() !== '') pids.add(Number(l));
  }
  return [...pids].sort((a, b) => a - b);
}
