// Plan pinning: refuses to create a container whose plan digest was not approved, either by
// --plan-digest or by the list in $PLANC_APPROVED_DIGESTS (one digest per line, # comments).
// Runs after planning and before anything exists on the host; never alters the plan.
import { PlancError } from './errors.js';
import { sys } from './sys.js';

export function approvedDigests(flag: string | undefined, env = process.env.PLANC_APPROVED_DIGESTS): Set<string> | null {
  if (flag) return new Set([flag.trim()]);
  if (!env) return null;
  let text: string;
  try { text = sys().readText(env); } catch (e) {
    // SECURITY: an unreadable approval list fails closed, never open.
    throw new PlancError(`reading approved plan digests ${env}: ${(e as Error).message}`, 1, { cause: e });
  }
  return new Set(text.split('\n').map((l) => l.replace(/#.*/, '').trim()).filter((l) => l !== ''));
}

export function checkPinned(digest: string, approved: Set<string> | null): void {
  if (approved === null || approved.has(digest)) return;
  throw new PlancError(`plan ${digest} is not approved (see planc plan for what it would do)`);
}
