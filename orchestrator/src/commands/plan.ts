// `planc plan`: prints the plan a bundle would run, and its digest. Needs no root; changes nothing.
// Never spawns the shim and never writes the state dir.
import { PlancError } from '../errors.js';
import type { Globals } from '../globals.js';
import { renderJson, renderText, planDigest } from '../plan/render.js';
import { preparePlan } from '../prepare.js';
import { validateId } from '../state.js';
import { stdout } from '../out.js';

export interface PlanOptions { bundle?: string; format?: string; id?: string; hostFacts?: string }

export async function planCommand(opts: PlanOptions, g: Globals): Promise<void> {
  const format = opts.format ?? 'text';
  if (format !== 'text' && format !== 'json') throw new PlancError(`invalid --format ${JSON.stringify(format)}: want text or json`);
  const id = opts.id ?? 'container';
  validateId(id);
  const p = await preparePlan({ bundle: opts.bundle ?? '.', id, root: g.root, hostFactsFile: opts.hostFacts });
  if (format === 'json') {
    stdout(JSON.stringify(renderJson(p.ops, p.plan), null, 2) + '\n');
  } else {
    stdout(renderText(p.ops) + `digest: ${planDigest(p.plan)}\n`);
  }
}
