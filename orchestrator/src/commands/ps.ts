// `planc ps`: the container's processes, as a JSON pid list or as `ps` rows filtered to them.
// Read only; the pids come from the cgroups the plan placed init in.
import { PlancError } from '../errors.js';
import type { Globals } from '../globals.js';
import { stdout } from '../out.js';
import { containerPids } from '../procs.js';
import { existingStateDir, readPlan } from '../state.js';

export function psCommand(id: string, psArgs: string[], opts: { format?: string }, g: Globals): void {
  const dir = existingStateDir(g.root, id);
  const pids = containerPids(readPlan(dir));
  if (opts.format === 'json') { stdout(JSON.stringify(pids) + '\n'); return; }
  if (opts.format !== undefined && opts.format !== 'table') throw new PlancError('invalid format option');
  const r = process.getBuiltinModule('node:child_process').spawnSync('ps', psArgs.length ? psArgs : ['-ef'], { encoding: 'utf8' });
  if (r.status !== 0) throw new PlancError(`ps: ${r.stderr || r.error?.message}`);
  const [header = '', ...rows] = r.stdout.split('\n');
  const col = header.trim().split(/\s+/).indexOf('PID');
  if (col < 0) throw new PlancError("couldn't find PID field in ps output");
  const want = new Set(pids);
  stdout([header, ...rows.filter((l) => want.has(Number(l.trim().split(/\s+/)[col])))].join('\n') + '\n');
}
