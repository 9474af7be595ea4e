// `planc plan`: prints the plan a bundle would run, its digest and its stable digest. Needs no
// root; changes nothing. Never spawns the shim and never writes the state dir.
import { writeFileSync } from 'node:fs';
import { PlancError } from '../errors.js';
import type { Globals } from '../globals.js';
import { renderJson, renderText, planDigest } from '../plan/render.js';
import { launchInput, preparePlan, readConfig } from '../prepare.js';
import { resolve } from 'node:path';
import { stateDir, validateId } from '../state.js';
import { stdout } from '../out.js';
import { profilePath } from '../audit/profiles.js';
import { stableDigest } from '../audit/stable.js';

export interface PlanOptions { bundle?: string; format?: string; id?: string; hostFacts?: string; hostProfile?: string; output?: string; consoleSocket?: string; pivot?: boolean }

export async function planCommand(opts: PlanOptions, g: Globals): Promise<void> {
  const format = opts.format ?? 'text';
  if (format !== 'text' && format !== 'json') throw new PlancError(`invalid --format ${JSON.stringify(format)}: want text or json`);
  const id = opts.id ?? 'container';
  validateId(id);
  if (opts.hostFacts && opts.hostProfile) throw new PlancError('--host-facts and --host-profile exclude each other');
  const hostFactsFile = opts.hostFacts ?? (opts.hostProfile ? profilePath(opts.hostProfile) : undefined);
  const bundle = resolve(opts.bundle ?? '.');
  // as `run` (foreground) or `create --console-socket` would plan it
  const run = launchInput(readConfig(bundle).parsed, stateDir(g.root, id), { consoleSocket: opts.consoleSocket, noPivot: opts.pivot === false, systemdCgroup: g.systemdCgroup });
  const p = await preparePlan({ bundle, id, root: g.root, hostFactsFile, ...run });
  const placeholders = { id, bundle: p.bundle, stateDir: stateDir(g.root, id) };
  const stable = stableDigest(p.ops, placeholders);
  // --output: the exact bytes the shim would read, for pinning and `planc plan diff`
  if (opts.output) writeFileSync(opts.output, p.plan);
  if (format === 'json') {
    const r = renderJson(p.ops, p.plan);
    const json = {
      digest: r.digest, stable_digest: stable,
      placeholders: { id, bundle: placeholders.bundle, state_dir: placeholders.stateDir },
      ops: r.ops,
    };
    stdout(JSON.stringify(json, null, 2) + '\n');
  } else {
    // digest stays the last line: scripts read it with tail -1
    stdout(renderText(p.ops) + `stable-digest: ${stable}\ndigest: ${planDigest(p.plan)}\n`);
  }
}
