// Named host-facts records shipped in orchestrator/profiles/: plan or validate for a kind of host
// (cgroup v1, v2, v2 under systemd) without being on one. Read only.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PlancError } from '../errors.js';
import { installRoot } from '../paths.js';

export interface ProfileInfo { name: string; description: string; path: string }

export function profilesDir(): string {
  return process.env.PLANC_PROFILES_DIR || join(installRoot(), 'orchestrator', 'profiles');
}

export function listProfiles(): ProfileInfo[] {
  let names: string[];
  try { names = readdirSync(profilesDir()).filter((f) => f.endsWith('.json')).sort(); } catch { return []; }
  return names.map((f) => {
    const path = join(profilesDir(), f);
    let description = '';
    try { description = String((JSON.parse(readFileSync(path, 'utf8')) as { description?: unknown }).description ?? ''); } catch { /* listed anyway */ }
    return { name: f.replace(/\.json$/, ''), description, path };
  });
}

/** The host-facts file of a profile, for --host-profile. */
export function profilePath(name: string): string {
  const hit = listProfiles().find((p) => p.name === name);
  if (!hit) {
    const known = listProfiles().map((p) => p.name).join(', ') || 'none installed';
    throw new PlancError(`unknown host profile ${JSON.stringify(name)} (known: ${known})`, 2);
  }
  return hit.path;
}
