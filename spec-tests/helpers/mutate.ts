// Malformed configs, made from a valid one: every member and element of it replaced, in turn, by
// values of the wrong type, null, numbers out of every range, empty, relative, escaping and huge
// strings, unknown enum names, duplicated and emptied arrays, and text no JSON writer makes
// (exact number spellings, broken UTF-8). Deterministic: the same base gives the same list.
export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

export interface Mutation {
  /** what was done, e.g. "/process/args/0 = null" */
  name: string;
  /** the JSON Pointer of the value replaced (or of the container changed) */
  pointer: string;
  /** the whole config.json text */
  text: string;
}

const esc = (k: string): string => k.replace(/~/g, '~0').replace(/\//g, '~1');

/** Every value of the document with its pointer, the root excluded, in document order. */
export function leaves(doc: Json, ptr = ''): { pointer: string; value: Json }[] {
  const out: { pointer: string; value: Json }[] = [];
  if (Array.isArray(doc)) doc.forEach((v, i) => { out.push({ pointer: `${ptr}/${i}`, value: v }, ...leaves(v, `${ptr}/${i}`)); });
  else if (doc !== null && typeof doc === 'object') {
    for (const [k, v] of Object.entries(doc)) out.push({ pointer: `${ptr}/${esc(k)}`, value: v }, ...leaves(v, `${ptr}/${esc(k)}`));
  }
  return out;
}

function setAt(doc: Json, pointer: string, value: Json): Json {
  const copy = JSON.parse(JSON.stringify(doc)) as Json;
  const parts = pointer.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  let at: any = copy;
  for (const p of parts.slice(0, -1)) at = at[Array.isArray(at) ? Number(p) : p];
  const last = parts[parts.length - 1]!;
  at[Array.isArray(at) ? Number(last) : last] = value;
  return copy;
}

/** A placeholder string, replaced in the text by `raw` (a number spelling or bytes no writer makes). */
const MARK = '\u0001planc-raw\u0001';
function withRaw(doc: Json, pointer: string, raw: string): string {
  return JSON.stringify(setAt(doc, pointer, MARK)).replace(JSON.stringify(MARK), raw);
}

const huge = 'x'.repeat(200_000);

/** The replacement values for one value, by its type. */
function replacements(v: Json): { label: string; value?: Json; raw?: string }[] {
  const common: { label: string; value?: Json; raw?: string }[] = [{ label: 'null', value: null }];
  if (typeof v === 'string') {
    return [...common, { label: 'a number', value: 7 }, { label: 'a boolean', value: true }, { label: 'an object', value: {} },
      { label: 'an array', value: [v] }, { label: '""', value: '' }, { label: 'a relative path', value: 'rel/path' },
      { label: 'an escaping path', value: '../../../etc' }, { label: 'a NUL', value: `${v}\u0000x` }, { label: 'BOGUS', value: 'BOGUS_VALUE' },
      { label: 'a 200 kB string', value: huge }, { label: 'broken UTF-8', raw: '"\xff\xfe"' }];
  }
  if (typeof v === 'number') {
    return [...common, { label: 'a string', value: String(v) }, { label: 'a boolean', value: false }, { label: '-1', value: -1 },
      { label: '1.5', value: 1.5 }, { label: '-0', raw: '-0' }, { label: '1e400', raw: '1e400' }, { label: '2^64', raw: '18446744073709551616' },
      { label: '-2^63-1', raw: '-9223372036854775809' }, { label: '2^32', value: 4294967296 }];
  }
  if (typeof v === 'boolean') return [...common, { label: 'a string', value: String(v) }, { label: '1', value: 1 }, { label: 'an array', value: [v] }];
  if (Array.isArray(v)) {
    const out = [...common, { label: 'an object', value: {} }, { label: 'a string', value: 'x' }, { label: '[]', value: [] },
      { label: '[null]', value: [null] }];
    if (v.length) out.push({ label: 'its first element twice', value: [v[0]!, ...v] }, { label: 'a null element added', value: [...v, null] });
    return out;
  }
  if (v !== null && typeof v === 'object') {
    return [...common, { label: 'an array', value: [] }, { label: 'a string', value: 'x' }, { label: '{}', value: {} },
      { label: 'an unknown member', value: { ...v, 'x-planc-unknown': { deep: [1, { a: null }] } } }];
  }
  return [{ label: 'a string', value: 'x' }, { label: 'an object', value: {} }];
}

/** Every mutation of `base`, in a fixed order. */
export function mutations(base: Json): Mutation[] {
  const out: Mutation[] = [];
  for (const { pointer, value } of leaves(base)) {
    for (const r of replacements(value)) {
      const text = r.raw !== undefined ? withRaw(base, pointer, r.raw) : JSON.stringify(setAt(base, pointer, r.value!));
      out.push({ name: `${pointer} = ${r.label}`, pointer, text });
    }
  }
  // whole-document damage
  const t = JSON.stringify(base);
  out.push({ name: 'truncated', pointer: '', text: t.slice(0, t.length >> 1) });
  out.push({ name: 'a duplicate member', pointer: '', text: t.replace('"ociVersion":', '"ociVersion":"1.0.2","ociVersion":') });
  out.push({ name: 'a byte order mark', pointer: '', text: `\ufeff${t}` });
  out.push({ name: 'not an object', pointer: '', text: '[]' });
  return out;
}

/** The value a JSON Pointer names in `doc`, or undefined; a pointer to a missing member of an
 * existing object resolves to its parent (the planner names members that are required). */
export function resolves(doc: Json, pointer: string): boolean {
  if (pointer === '') return true;
  const parts = pointer.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  let at: any = doc;
  for (let i = 0; i < parts.length; i++) {
    if (at === null || typeof at !== 'object') return false;
    const key = Array.isArray(at) ? Number(parts[i]) : parts[i]!;
    if (!(key in at)) return i === parts.length - 1 && !Array.isArray(at);
    at = at[key];
  }
  return true;
}
