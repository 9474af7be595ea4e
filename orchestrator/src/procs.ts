// The processes of a container: the union of the cgroup.procs files of the cgroups its plan put
// init in (cgroupDirs), so no cgroup path is ever guessed; with the cgroups below them
// (a container may make sub-cgroups) for delete. Read only.
import { decodePlan, type PlanOp } from './plan/decode.js';
import { dirname } from './posix-path.js';
import { sys } from './sys.js';

/** The container's cgroup directories: the one init was cloned into and those it joined (the plan's
 * clone_into_cgroup and cgroup_join_self ops), in plan order. */
export function cgroupDirs(plan: Uint8Array | readonly PlanOp[]): string[] {
  const dirs: string[] = [];
  for (const o of plan instanceof Uint8Array ? decodePlan(plan) : plan) {
    if (o.op === 'clone_into_cgroup') dirs.push(o.args.cgroup as string);
    else if (o.op === 'cgroup_join_self') dirs.push(dirname(o.args.path as string));
  }
  return [...new Set(dirs)];
}

function pidsIn(dirs: string[]): number[] {
  const pids = new Set<number>();
  for (const dir of dirs) {
    let text = '';
    try { text = sys().readText(`${dir}/cgroup.procs`); } catch { continue; } // cgroup gone: no processes there
    for (const l of text.split('\n')) if (l.trim() !== '') pids.add(Number(l));
  }
  return [...pids].sort((a, b) => a - b);
}

export function containerPids(plan: Uint8Array): number[] { return pidsIn(cgroupDirs(plan)); }

/** The container's cgroup directories and every cgroup below them, deepest first (v1: every hierarchy). */
export function cgroupTree(plan: Uint8Array): string[] {
  const out: string[] = [];
  const walk = (dir: string, depth: number): void => {
    let names: string[] = [];
    try { names = sys().readdir(dir); } catch { return; } // gone, or not a directory
    // cgroupfs holds only control files and child cgroups; "<name>/." resolves only for a directory
    if (depth < 32) for (const n of names) if (sys().exists(`${dir}/${n}/.`)) walk(`${dir}/${n}`, depth + 1);
    out.push(dir);
  };
  for (const dir of cgroupDirs(plan)) walk(dir, 0);
  return out;
}

/** Every process in the container's cgroup tree. */
export function cgroupTreePids(plan: Uint8Array): number[] { return pidsIn(cgroupTree(plan)); }
