// `planc plan diff <a> <b>`: op-level diff of two plans (bundles, config files or saved plans) and
// what changed in privilege. Needs no root; exit 0 same, 1 different, 2 usage.
import { PlancError } from '../errors.js';
import type { Globals } from '../globals.js';
import { stdout } from '../out.js';
import { diffPlans, renderDiffText } from '../audit/diff.js';
import { loadPlanSource } from '../audit/plan-source.js';
import { profilePath } from '../audit/profiles.js';
import { validateId } from '../state.js';

export interface DiffOptions { format?: string; id?: string; hostFacts?: string; hostProfile?: string }

export async function diffCommand(a: string, b: string, o: DiffOptions, g: Globals): Promise<number> {
  const format = o.format ?? 'text';
  if (format !== 'text' && format !== 'json') throw new PlancError(`invalid --format ${JSON.stringify(format)}: want text or json`, 2);
  const id = o.id ?? 'container';
  validateId(id);
  const hostFactsFile = o.hostFacts ?? (o.hostProfile ? profilePath(o.hostProfile) : undefined);
  const src = { id, root: g.root, hostFactsFile };
  const x = await loadPlanSource(a, src);
  const y = await loadPlanSource(b, src);
  const d = diffPlans(x.ops, y.ops);
  if (format === 'json') {
    const json = (v: unknown): unknown => JSON.parse(JSON.stringify(v, (_, w) => (typeof w === 'bigint' ? w.toString() : w)));
    stdout(JSON.stringify(json({
      a: { source: a, digest: x.digest, stable_digest: x.stable ?? null },
      b: { source: b, digest: y.digest, stable_digest: y.stable ?? null },
      ...d,
    }), null, 2) + '\n');
  } else {
    stdout(renderDiffText(d, x.ops, y.ops, [a, b]));
  }
  return d.same ? 0 : 1;
}
