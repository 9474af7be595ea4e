// Seccomp profiles the seccomp tests share. Test-only: builds inputs, decides nothing for planc.
import fs from 'node:fs';

type Profile = Record<string, any>;

/**
 * podman's default profile as it writes it for an amd64 container without capabilities: the
 * entries that need no capability and no other arch (containers/common's reading of
 * includes/excludes). Absent without podman's seccomp.json. Any profile in that format (Docker's
 * too) reads the same way.
 */
export function podmanProfile(f = '/usr/share/containers/seccomp.json'): Profile | undefined {
  if (!fs.existsSync(f)) return undefined;
  const src = JSON.parse(fs.readFileSync(f, 'utf8'));
  const arches = ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'];
  const syscalls = (src.syscalls as any[]).filter((s) => !s.includes?.caps?.length && (!s.includes?.arches?.length || s.includes.arches.includes('amd64')))
    .map((s) => ({ names: s.names, action: s.action, ...(s.errnoRet !== undefined ? { errnoRet: s.errnoRet } : {}), ...(s.args?.length ? { args: s.args } : {}) }));
  return { defaultAction: src.defaultAction, defaultErrnoRet: src.defaultErrnoRet, architectures: arches, syscalls };
}

