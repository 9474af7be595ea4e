// POSIX path arithmetic with node:path's results (join, resolve, normalize, dirname, basename),
// for the modules on the per-container commands' path: loading node:path costs Bun ~1 ms at start-up.
// Pure string work: never touches the filesystem (resolve reads only the cwd).

function segments(p: string, aboveRoot: boolean): string {
  const out: string[] = [];
  for (const s of p.split('/')) {
    if (s === '' || s === '.') continue;
    if (s === '..') {
      if (out.length > 0 && out[out.length - 1] !== '..') out.pop();
      else if (aboveRoot) out.push('..');
      continue;
    }
    out.push(s);
  }
  return out.join('/');
}

export function isAbsolute(p: string): boolean { return p.startsWith('/'); }

export function normalize(p: string): string {
  if (p === '') return '.';
  const abs = isAbsolute(p);
  const trailing = p.endsWith('/');
  let r = segments(p, !abs);
  if (r === '') return abs ? '/' : trailing ? './' : '.';
  if (trailing) r += '/';
  return abs ? `/${r}` : r;
}

export function join(...parts: string[]): string {
  const j = parts.filter((s) => s !== '').join('/');
  return j === '' ? '.' : normalize(j);
}

/** An absolute, normalised path: the parts right to left until one is absolute, then the cwd. */
export function resolve(...parts: string[]): string {
  let r = '';
  for (let i = parts.length - 1; i >= -1 && !isAbsolute(r); i--) {
    const s = i >= 0 ? parts[i]! : process.cwd();
    if (s !== '') r = r === '' ? s : `${s}/${r}`;
  }
  return `/${segments(r, false)}`;
}

export function dirname(p: string): string {
  if (p === '') return '.';
  const root = isAbsolute(p);
  let end = -1;
  let trailing = true;
  for (let i = p.length - 1; i >= 1; i--) {
    if (p[i] === '/') { if (!trailing) { end = i; break; } } else trailing = false;
  }
  if (end === -1) return root ? '/' : '.';
  if (root && end === 1) return '//';
  return p.slice(0, end);
}

export function basename(p: string): string {
  let end = p.length;
  while (end > 0 && p[end - 1] === '/') end--;
  return p.slice(p.lastIndexOf('/', end - 1) + 1, end);
}
