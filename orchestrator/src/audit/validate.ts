// Validates config.json files in one process: the planner's errors plus its security findings,
// located to line and column. Loads the wasm once; reads files, never writes or plans for real.
import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { buildContext } from '../context.js';
import { PlancError } from '../errors.js';
import type { HostFacts } from '../facts.js';
import type { Finding, Planner } from '../planner.js';
import { launchInput } from '../prepare.js';
import { stateDir } from '../state.js';
import { locate, locateAll } from './json-locate.js';

export interface LocatedFinding extends Finding { line: number; column: number }
export interface FileReport { path: string; uri: string; findings: LocatedFinding[] }
export interface Totals { files: number; errors: number; warnings: number; info: number }

const SKIP = new Set(['node_modules', '.git']);

/**
 * The config files named by the arguments: a file as given; a directory holding config.json is a
 * bundle (its rootfs is not walked); any other directory is searched for bundles beneath it.
 */
export function collectConfigs(args: string[]): string[] {
  const out: string[] = [];
  const walk = (dir: string, top: boolean): void => {
    let names: string[];
    try { names = readdirSync(dir).sort(); } catch (e) {
      if (top) throw new PlancError(`${dir}: ${(e as Error).message}`, 2, { cause: e });
      return;
    }
    if (names.includes('config.json')) { out.push(join(dir, 'config.json')); return; }
    for (const n of names) {
      if (SKIP.has(n)) continue;
      const p = join(dir, n);
      try { if (lstatSync(p).isDirectory()) walk(p, false); } catch { /* vanished or unreadable: skipped */ }
    }
  };
  for (const a of args) {
    const p = resolve(a);
    let st;
    try { st = lstatSync(p); } catch (e) { throw new PlancError(`${a}: ${(e as Error).message}`, 2, { cause: e }); }
    if (st.isDirectory()) {
      const before = out.length;
      walk(p, true);
      if (out.length === before) throw new PlancError(`${a}: no config.json in or below this directory`, 2);
    } else {
      out.push(p);
    }
  }
  return out;
}

export function validateFile(planner: Planner, path: string, host: HostFacts, id: string, root: string, cwd: string, systemdCgroup = false): FileReport {
  let bytes: Uint8Array;
  try { bytes = new Uint8Array(readFileSync(path)); } catch (e) {
    throw new PlancError(`reading ${path}: ${(e as Error).message}`, 2, { cause: e });
  }
  const text = new TextDecoder().decode(bytes);
  let parsed: unknown = {};
  try { parsed = JSON.parse(text); } catch { /* the planner reports it */ }
  // validated as `planc run` would plan it (a terminal gets the foreground console proxy)
  const run = launchInput(parsed, stateDir(root, id), { systemdCgroup });
  const context = buildContext({ id, bundle: dirname(path), stateDir: stateDir(root, id), host, config: parsed, ...run });
  const found = planner.validate(bytes, context);
  const index = found.length ? locateAll(text) : new Map();
  const rel = relative(cwd, path);
  const uri = (rel.startsWith('..') ? path : rel).split(sep).join('/');
  return {
    path,
    uri,
    findings: found.map((f) => ({ ...f, ...(syntaxAt(f) ?? pick(locate(index, f.pointer))) })),
  };
}

const pick = (p: { line: number; column: number }): { line: number; column: number } => ({ line: p.line, column: p.column });
/** A syntax error has no pointer into a document that does not parse: the planner names its line and column. */
function syntaxAt(f: Finding): { line: number; column: number } | null {
  const m = f.rule === 'json-syntax' ? /at line (\d+), column (\d+)/.exec(f.message) : null;
  return m ? { line: Number(m[1]), column: Number(m[2]) } : null;
}

export function totals(files: FileReport[]): Totals {
  const t: Totals = { files: files.length, errors: 0, warnings: 0, info: 0 };
  for (const f of files) for (const x of f.findings) {
    if (x.severity === 'error') t.errors++; else if (x.severity === 'warning') t.warnings++; else t.info++;
  }
  return t;
}

export function renderValidateText(files: FileReport[], strict: boolean): string {
  const lines: string[] = [];
  for (const f of files) for (const x of f.findings) {
    const sev = strict && x.severity === 'warning' ? 'error' : x.severity;
    lines.push(`${f.uri}:${x.line}:${x.column}: ${sev} [${x.rule}] ${x.pointer || '/'}: ${x.message}`);
  }
  const t = totals(files);
  lines.push(`${t.files} file(s): ${t.errors} error(s), ${t.warnings} warning(s), ${t.info} info`);
  return lines.join('\n') + '\n';
}
