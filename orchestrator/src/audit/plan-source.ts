// Reads "a plan" from what a user has at hand: a bundle dir, a config.json (planned here), a saved
// `planc plan --format json` file or raw plan bytes (`planc plan --output`). Read only.
import { readFileSync, statSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { PlancError } from '../errors.js';
import { OPS, type Lane } from '../gen/ops.js';
import { decodePlan, PLAN_MAGIC, type ArgValue, type PlanOp } from '../plan/decode.js';
import { planDigest } from '../plan/render.js';
import { launchInput, planWith, preparePlan, readConfig } from '../prepare.js';
import { stateDir } from '../state.js';
import { stabilize, stableDigest, type Placeholders } from './stable.js';

export interface LoadedPlan {
  label: string;
  ops: PlanOp[];              /* with placeholders substituted when they are known */
  digest: string;             /* of the exact bytes, when known */
  stable?: string;
}
export interface PlanSourceOptions { id: string; root: string; hostFactsFile?: string }

const BY_NAME = new Map(OPS.map((o) => [o.name as string, o]));

function fromHex(s: string): Uint8Array {
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** The inverse of renderJson's arg mapping, typed by the op table. */
export function opsFromJson(json: { ops: { index: number; lane: string; op: string; why: string; args: Record<string, unknown> }[] }): PlanOp[] {
  return json.ops.map((o, index) => {
    const def = BY_NAME.get(o.op);
    if (!def) throw new PlancError(`saved plan: unknown op ${JSON.stringify(o.op)}`);
    const args: Record<string, ArgValue> = {};
    for (const a of def.args) {
      const v = o.args[a.name];
      if (a.fmt === 'U') args[a.name] = BigInt(v as string);
      else if (a.fmt === 'b') args[a.name] = fromHex(v as string);
      else args[a.name] = v as ArgValue;
    }
    return { index, lane: o.lane as Lane, op: o.op, why: o.why, args };
  });
}

/**
 * Raw bytes carry no context: the state dir is the exec fifo's directory (its last component the
 * id) and the bundle the rootfs's parent, which holds for the usual relative `root.path`.
 */
export function inferPlaceholders(ops: readonly PlanOp[]): Placeholders | null {
  const fifo = ops.find((o) => o.op === 'exec_fifo_open' || o.op === 'mkfifo')?.args.path;
  const root = ops.find((o) => o.op === 'open_root')?.args.path;
  if (typeof fifo !== 'string' || typeof root !== 'string') return null;
  const state = dirname(fifo);
  return { id: basename(state), stateDir: state, bundle: dirname(root) };
}

function fromPrepared(label: string, plan: Uint8Array, ops: PlanOp[], ph: Placeholders): LoadedPlan {
  return { label, ops: stabilize(ops, ph), digest: planDigest(plan), stable: stableDigest(ops, ph) };
}

export async function loadPlanSource(arg: string, o: PlanSourceOptions): Promise<LoadedPlan> {
  const path = resolve(arg);
  let st;
  try { st = statSync(path); } catch (e) { throw new PlancError(`${arg}: ${(e as Error).message}`, 2, { cause: e }); }
  const ph = (bundle: string): Placeholders => ({ id: o.id, bundle, stateDir: stateDir(o.root, o.id) });
  if (st.isDirectory()) {
    const run = launchInput(readConfig(path).parsed, stateDir(o.root, o.id), {});
    const p = await preparePlan({ bundle: path, id: o.id, root: o.root, hostFactsFile: o.hostFactsFile, ...run });
    return fromPrepared(arg, p.plan, p.ops, ph(p.bundle));
  }
  const bytes = new Uint8Array(readFileSync(path));
  if (bytes.length >= 4 && String.fromCharCode(...bytes.subarray(0, 4)) === PLAN_MAGIC) {
    const ops = decodePlan(bytes);
    const inferred = inferPlaceholders(ops);
    return inferred
      ? { label: arg, ops: stabilize(ops, inferred), digest: planDigest(bytes), stable: stableDigest(ops, inferred) }
      : { label: arg, ops, digest: planDigest(bytes) };
  }
  let parsed: unknown;
  try { parsed = JSON.parse(new TextDecoder().decode(bytes)); } catch (e) {
    throw new PlancError(`${arg}: neither plan bytes nor JSON`, 2, { cause: e });
  }
  const saved = parsed as { ops?: unknown; digest?: string; stable_digest?: string; placeholders?: { id: string; bundle: string; state_dir: string } };
  if (Array.isArray(saved.ops) && typeof saved.digest === 'string') {
    const ops = opsFromJson(saved as never);
    const p = saved.placeholders;
    return {
      label: arg, digest: saved.digest, stable: saved.stable_digest,
      ops: p ? stabilize(ops, { id: p.id, bundle: p.bundle, stateDir: p.state_dir }) : ops,
    };
  }
  // a config.json of its own: planned with its directory as the bundle
  const bundle = dirname(path);
  const p = await planWith({ bundle, id: o.id, root: o.root, hostFactsFile: o.hostFactsFile, bytes, parsed, ...launchInput(parsed, stateDir(o.root, o.id), {}) });
  return fromPrepared(arg, p.plan, p.ops, ph(p.bundle));
}
