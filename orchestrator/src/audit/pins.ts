// Enforces plan pins at create/run: --plan-digest or $PLANC_APPROVED_DIGESTS, the config's own
// `org.planc.plan-digest` annotation, and --pinned-plan; each is met by the exact or the stable
// digest. Runs after planning and before anything exists on the host; never alters the plan.
import { PlancError } from '../errors.js';
import { stderr } from '../out.js';
import { planDigest } from '../plan/render.js';
import type { Prepared } from '../prepare.js';
import { stableDigest, stabilize } from './stable.js';

export const PIN_ANNOTATION = 'org.planc.plan-digest';
const MAX_DIFF_LINES = 40;

export interface PinContext { id: string; root: string; stateDir: string; pinnedPlan?: string }

function annotationPin(config: unknown): string | null {
  const a = (config as { annotations?: Record<string, unknown> } | null)?.annotations;
  const v = a && typeof a === 'object' ? a[PIN_ANNOTATION] : undefined;
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : null;
}

export async function enforcePins(p: Prepared, approved: Set<string> | null, c: PinContext): Promise<void> {
  const ph = { id: c.id, bundle: p.bundle, stateDir: c.stateDir };
  const exact = planDigest(p.plan);
  const pins: { what: string; digests: Set<string> }[] = [];
  if (approved) pins.push({ what: 'approved digests', digests: approved });
  const ann = annotationPin(p.config);
  if (ann) pins.push({ what: `annotation ${PIN_ANNOTATION}`, digests: new Set([ann]) });
  let pinned: Awaited<ReturnType<typeof import('./plan-source.js')['loadPlanSource']>> | null = null;
  if (c.pinnedPlan) {
    const { loadPlanSource } = await import('./plan-source.js');
    pinned = await loadPlanSource(c.pinnedPlan, { id: c.id, root: c.root });
    pins.push({ what: `--pinned-plan ${c.pinnedPlan}`, digests: new Set([pinned.digest, ...(pinned.stable ? [pinned.stable] : [])]) });
  }
  if (pins.length === 0) return;
  const stable = stableDigest(p.ops, ph);
  for (const pin of pins) {
    if (pin.digests.has(exact) || pin.digests.has(stable)) continue;
    let msg = `plan ${exact} is not approved by ${pin.what} (stable digest ${stable}): expected ${[...pin.digests].join(' or ')}`;
    if (pinned) {
      const { diffPlans, renderDiffText } = await import('./diff.js');
      const mine = stabilize(p.ops, ph);
      const d = diffPlans(pinned.ops, mine);
      const lines = renderDiffText(d, pinned.ops, mine, [`pinned ${c.pinnedPlan}`, 'this plan']).trimEnd().split('\n');
      const shown = lines.slice(0, MAX_DIFF_LINES);
      if (lines.length > shown.length) shown.push(`… ${lines.length - shown.length} more line(s); see planc plan diff`);
      // the op diff goes to stderr as lines; the error itself stays one log line
      stderr(shown.join('\n') + '\n');
      msg += ` (ops that differ from ${c.pinnedPlan} are listed above)`;
    } else {
      msg += ' (pass --pinned-plan <file> to see which ops differ, or run planc plan diff)';
    }
    throw new PlancError(msg);
  }
}
