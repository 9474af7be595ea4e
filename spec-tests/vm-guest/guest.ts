// Shared by the guest suite (spec-tests/vm-guest/), which runs only inside the pure cgroup v2 +
// systemd guest that vm/run.sh boots: planc and Debian's runc run the same bundle one after the
// other, each with its own state root and cgroup under /planc-test, and nothing may be left.
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import { leftoverCgroups, processesOf, removeCgroups, rmTree, tempDir, writeConfig, type Config } from '../helpers/bundle.js';
import { normaliseProbe, runContainer } from '../helpers/runtimes.js';
import type { Ran } from '../helpers/planc.js';

export const parent = 'planc-test';
export const unified = '/sys/fs/cgroup';
export type Pair = Record<'planc' | 'runc', Ran & { id: string }>;

/** Why a guest test is skipped on a host that is not the pure v2 guest ('' when it is one). */
export function notGuest(): string {
  if (process.env.PLANC_VM_GUEST !== '1') return 'runs only in the vm/run.sh guest (PLANC_VM_GUEST=1)';
  if (!fs.existsSync(path.join(unified, 'cgroup.controllers'))) return 'needs a pure cgroup v2 host';
  if (process.getuid?.() !== 0) return 'needs root';
  return '';
}

/** Runs bundles under runc and planc, with unique ids (vm-<area>-<pid>-<n>-<runtime>). */
export class Runner {
  private n = 0;
  private readonly tmp = tempDir('vm-guest');
  private readonly roots = { planc: path.join(this.tmp, 'planc'), runc: path.join(this.tmp, 'runc') };
  constructor(private readonly area: string) {
    for (const r of Object.values(this.roots)) fs.mkdirSync(r);
  }

  id(rt: 'planc' | 'runc'): string {
    return `vm-${this.area}-${process.pid}-${++this.n}-${rt}`;
  }

  /** One run of `config` in `bundle` under `rt`; its cgroup, state and processes must be gone after. */
  async run(rt: 'planc' | 'runc', bundle: string, config: Config): Promise<Ran & { id: string }> {
    const id = this.id(rt);
    const c = structuredClone(config);
    c.linux.cgroupsPath = `/${parent}/${id}`;
    writeConfig(bundle, c);
    const r = await runContainer(rt, this.roots[rt], bundle, id);
    const left = [
      ...leftoverCgroups(parent, id).map((d) => `cgroup ${d}`),
      ...processesOf(parent, id).map((p) => `process ${p}`),
      ...fs.readdirSync(this.roots[rt]).map((e) => `state ${e}`),
    ];
    removeCgroups(parent, id);
    for (const e of fs.readdirSync(this.roots[rt])) rmTree(path.join(this.roots[rt], e));
    expect(left, `${rt} left these behind`).toEqual([]);
    return { ...r, stdout: normaliseProbe(r.stdout, bundle), id };
  }

  /** The same config under runc, then planc. */
  async both(bundle: string, config: Config): Promise<Pair> {
    const runc = await this.run('runc', bundle, config);
    const planc = await this.run('planc', bundle, config);
    return { runc, planc };
  }

  cleanup(): void {
    rmTree(this.tmp);
  }
}

/** The lines of the probe's "== cgroup" section. */
export function cgroupSection(probe: string): string[] {
  const m = /== cgroup\n([\s\S]*?)\n== /.exec(probe);
  return m ? m[1].split('\n') : [];
}
