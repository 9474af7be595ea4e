// The stable plan digest: the plan with the container id, bundle path and state dir replaced by
// fixed placeholders, re-encoded and hashed, so equal configs pin equal plans wherever they run.
// Never changes the plan that is run; it only derives a second name for it.
import { encodePlan, type ArgValue, type PlanOp } from '../plan/decode.js';
import { planDigest } from '../plan/render.js';

export interface Placeholders { id: string; bundle: string; stateDir: string }
export const ID = '<id>';
export const BUNDLE = '<bundle>';
export const STATE = '<state>';

const reEscape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * A substituter: the state dir and bundle are replaced where they end at a path boundary; the id
 * only as a whole path component (the default cgroup path `/<id>`) or as the hook state's
 * `"id":"…"`, so an id never rewrites `container=podman` or a hostname that happens to equal it.
 */
export function substituter(ph: Placeholders): (s: string) => string {
  const paths: [RegExp, string][] = [[ph.stateDir, STATE], [ph.bundle, BUNDLE]]
    .filter(([p]) => p !== '' && p !== '/')
    .sort((a, b) => b[0]!.length - a[0]!.length)
    .map(([p, r]) => [new RegExp(reEscape(p!.replace(/\/+$/, '')) + '(?=$|[/"\\s])', 'g'), r!]);
  const id = ph.id ? new RegExp(`(?<=/)${reEscape(ph.id)}(?=$|/)|(?<="id":")${reEscape(ph.id)}(?=")`, 'g') : null;
  return (s) => {
    let r = s;
    for (const [re, rep] of paths) r = r.replace(re, rep);
    return id ? r.replace(id, ID) : r;
  };
}

export function stabilize(ops: readonly PlanOp[], ph: Placeholders): PlanOp[] {
  const sub = substituter(ph);
  const arg = (v: ArgValue): ArgValue => {
    if (typeof v === 'string') return sub(v);
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return (v as string[]).map(sub);
    return v;
  };
  return ops.map((o) => ({ ...o, args: Object.fromEntries(Object.entries(o.args).map(([k, v]) => [k, arg(v)])) }));
}

export function stableDigest(ops: readonly PlanOp[], ph: Placeholders): string {
  return planDigest(encodePlan(stabilize(ops, ph)));
}
