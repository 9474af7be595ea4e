// Maps JSON Pointers to line/column positions in a JSON text, for SARIF regions and editors.
// A scanner only: never judges the document (the planner reports syntax errors) and never throws.

export interface Position { line: number; column: number; offset: number }

const esc = (k: string): string => k.replace(/~/g, '~0').replace(/\//g, '~1');

/** Every value's pointer with the position of its first character (1-based line and column). */
export function locateAll(text: string): Map<string, Position> {
  const out = new Map<string, Position>();
  let i = 0;
  let line = 1;
  let lineStart = 0;
  const ws = (): void => {
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (c === 10) { line++; i++; lineStart = i; } else if (c === 32 || c === 9 || c === 13) i++; else break;
    }
  };
  const str = (): string => {
    const start = ++i;
    let raw = false;
    while (i < text.length && text[i] !== '"') { if (text[i] === '\\') { raw = true; i++; } i++; }
    const body = text.slice(start, i);
    i++;
    if (!raw) return body;
    try { return JSON.parse('"' + body + '"') as string; } catch { return body; }
  };
  const value = (ptr: string, depth: number): void => {
    ws();
    if (i >= text.length || depth > 256) return;
    out.set(ptr, { line, column: i - lineStart + 1, offset: i });
    const c = text[i];
    if (c === '{') {
      i++;
      for (;;) {
        ws();
        if (text[i] === '}') { i++; return; }
        if (text[i] !== '"') return;
        const key = str();
        ws();
        if (text[i] !== ':') return;
        i++;
        value(`${ptr}/${esc(key)}`, depth + 1);
        ws();
        if (text[i] === ',') { i++; continue; }
        if (text[i] === '}') { i++; return; }
        return;
      }
    }
    if (c === '[') {
      i++;
      for (let n = 0; ; n++) {
        ws();
        if (text[i] === ']') { i++; return; }
        value(`${ptr}/${n}`, depth + 1);
        ws();
        if (text[i] === ',') { i++; continue; }
        if (text[i] === ']') { i++; return; }
        return;
      }
    }
    if (c === '"') { str(); return; }
    while (i < text.length && !/[\s,\]}]/.test(text[i]!)) i++;
  };
  value('', 0);
  return out;
}

/** The position of a pointer, or of its nearest existing ancestor (a missing member sits in its parent). */
export function locate(index: Map<string, Position>, pointer: string): Position {
  let p = pointer;
  for (;;) {
    const hit = index.get(p);
    if (hit) return hit;
    if (p === '') return { line: 1, column: 1, offset: 0 };
    p = p.slice(0, p.lastIndexOf('/'));
  }
}
