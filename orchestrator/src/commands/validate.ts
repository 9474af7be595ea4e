// `planc validate`: the planner's errors and security findings for one or many config.json files,
// as text, JSON or SARIF. Needs no root and no native code; exit 0 clean, 1 findings, 2 usage.
import { PlancError } from '../errors.js';
import { gatherHostFacts, type HostFacts } from '../facts.js';
import type { Globals } from '../globals.js';
import { loadPlanner } from '../planner.js';
import { stdout } from '../out.js';
import { profilePath } from '../audit/profiles.js';
import { toSarif } from '../audit/sarif.js';
import { collectConfigs, renderValidateText, totals, validateFile, type FileReport } from '../audit/validate.js';
import { readFileSync } from 'node:fs';
import { validateId } from '../state.js';

export interface ValidateOptions { config?: string; strict?: boolean; format?: string; hostFacts?: string; hostProfile?: string; id?: string }

declare const __PLANC_VERSION__: string | undefined;

function facts(o: ValidateOptions): HostFacts {
  const file = o.hostFacts ?? (o.hostProfile ? profilePath(o.hostProfile) : undefined);
  if (!file) return gatherHostFacts();
  try { return JSON.parse(readFileSync(file, 'utf8')) as HostFacts; } catch (e) {
    throw new PlancError(`reading host facts ${file}: ${(e as Error).message}`, 2, { cause: e });
  }
}

export async function validateCommand(paths: string[], o: ValidateOptions, g: Globals): Promise<number> {
  const format = o.format ?? 'text';
  if (!['text', 'json', 'sarif'].includes(format)) throw new PlancError(`invalid --format ${JSON.stringify(format)}: want text, json or sarif`, 2);
  const id = o.id ?? 'container';
  try { validateId(id); } catch (e) { throw new PlancError((e as Error).message, 2, { cause: e }); }
  const targets = [...paths];
  if (o.config) targets.push(o.config);
  const files = collectConfigs(targets.length ? targets : ['.']);
  const host = facts(o);
  const planner = await loadPlanner();
  const cwd = process.cwd();
  const reports: FileReport[] = files.map((f) => validateFile(planner, f, host, id, g.root, cwd, g.systemdCgroup));
  const t = totals(reports);
  if (format === 'text') stdout(renderValidateText(reports, o.strict === true));
  else if (format === 'json') stdout(JSON.stringify({ strict: o.strict === true, totals: t, files: reports }, null, 2) + '\n');
  else {
    const version = typeof __PLANC_VERSION__ === 'string' ? __PLANC_VERSION__ : '0.0.0';
    stdout(JSON.stringify(toSarif(reports, planner.rules(), o.strict === true, version), null, 2) + '\n');
  }
  return t.errors > 0 || (o.strict === true && t.warnings > 0) ? 1 : 0;
}
