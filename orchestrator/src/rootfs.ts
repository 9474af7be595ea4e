// Reads a file inside a container rootfs the way the container would see it: symlinks and ".."
// resolve within the rootfs. Must never follow a link out of the rootfs to a host file.
import { join } from './posix-path.js';
import { sys, type SysError } from './sys.js';

const MAX_LINKS = 40; // the kernel's own limit for a path walk

/** The host path of `path` as resolved with `root` as "/", or null if a component is missing. */
export function resolveInRoot(root: string, path: string): string | null {
  const todo = path.split('/').filter((c) => c !== '' && c !== '.');
  const done: string[] = [];
  let links = 0;
  while (todo.length > 0) {
    const c = todo.shift()!;
    if (c === '..') { done.pop(); continue; } // ".." at the root stays at the root
    const host = join(root, ...done, c);
    // readlink answers lstat's question too: EINVAL is "there, and not a symlink"
    let target: string;
    try { target = sys().readlink(host); } catch (e) {
      if ((e as SysError).code !== 'EINVAL') return null;
      done.push(c);
      continue;
    }
    if (++links > MAX_LINKS) return null;
    if (target.startsWith('/')) done.length = 0;
    todo.unshift(...target.split('/').filter((x) => x !== '' && x !== '.'));
  }
  return join(root, ...done);
}

export function readInRoot(root: string, path: string): string | null {
  const host = resolveInRoot(root, path);
  if (host === null) return null;
  try { return sys().readText(host); } catch { return null; }
}

/** Home directory of `uid` in the rootfs's /etc/passwd, "/" when there is no entry. */
export function userHome(rootfs: string, uid: number): string {
  const passwd = readInRoot(rootfs, '/etc/passwd');
  for (const line of (passwd ?? '').split('\n')) {
    const f = line.split(':');
    if (f.length >= 7 && f[2] !== '' && Number(f[2]) === uid) return f[5] || '/';
  }
  return '/';
}
