// `planc state`: prints a container's state as runc does (2-space JSON, live status, no newline).
// Read only.
import type { Globals } from '../globals.js';
import { stdout } from '../out.js';
import { existingStateDir, readState } from '../state.js';
import { liveStatus } from '../status.js';

export function stateCommand(id: string, g: Globals): void {
  const dir = existingStateDir(g.root, id);
  const s = readState(dir);
  const status = liveStatus(dir, s);
  const out: Record<string, unknown> = {
    ociVersion: s.ociVersion, id: s.id, pid: status === 'stopped' ? 0 : s.pid, status, bundle: s.bundle,
    rootfs: s.rootfs, created: s.created,
  };
  if (s.annotations && Object.keys(s.annotations).length > 0) out.annotations = s.annotations;
  out.owner = s.owner;
  out.planDigest = s.planDigest;
  stdout(JSON.stringify(out, null, 2));
}
