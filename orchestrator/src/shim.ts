// Spawns build/planc-shim with a plan on a pipe and parses its report records (docs/plan-format.md §3).
// Never applies anything itself and never interprets the plan beyond naming the failed op.
import type { ChildProcess } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import type { PlanOp } from './plan/decode.js';
import { shimPath } from './paths.js';

export type ShimMode = 'create' | 'run' | 'teardown';
export type ShimRecord =
  | { type: 'created'; pid: number }
  | { type: 'error'; step: number; lane?: string; op?: string; errno?: number; errname?: string; message: string }
  | { type: 'exited'; status: number };
export interface ShimExit { code: number | null; signal: NodeJS.Signals | null; records: ShimRecord[] }

export interface ShimProcess {
  child: ChildProcess;
  /** Resolves with C's pid on the `created` record; rejects never (check `exit` instead). */
  created: Promise<number | null>;
  exit: Promise<ShimExit>;
}

const PLAN_FD = 3;
const REPORT_FD = 4;

export function parseRecord(line: string): ShimRecord {
  const r = JSON.parse(line) as Record<string, unknown>;
  switch (r.type) {
    case 'created': if (typeof r.pid === 'number') return { type: 'created', pid: r.pid }; break;
    case 'exited': if (typeof r.status === 'number') return { type: 'exited', status: r.status }; break;
    case 'error':
      if (typeof r.step === 'number' && typeof r.message === 'string') return r as ShimRecord;
      break;
  }
  throw new Error(`malformed shim report record: ${line}`);
}

export function spawnShim(mode: ShimMode, plan: Uint8Array, shim: string = shimPath()): ShimProcess {
  // ORDER: the plan pipe is fd 3 and the report pipe fd 4 in the shim; 0-2 are the caller's own.
  // Loaded here, not at import: every builtin imported at top level is paid by `planc --version` too.
  const { spawn } = process.getBuiltinModule('node:child_process');
  const child = spawn(shim, [mode, String(PLAN_FD), String(REPORT_FD)], {
    stdio: ['inherit', 'inherit', 'inherit', 'pipe', 'pipe'],
  });
  const records: ShimRecord[] = [];
  let onCreated: (pid: number | null) => void = () => {};
  const created = new Promise<number | null>((res) => { onCreated = res; });
  const planPipe = child.stdio[PLAN_FD] as Writable;
  planPipe.on('error', () => { /* the shim died before reading it all: its exit says why */ });
  planPipe.end(plan);
  const report = child.stdio[REPORT_FD] as Readable;
  let buf = '';
  const take = (line: string): void => {
    if (line.trim() === '') return;
    let rec: ShimRecord;
    try { rec = parseRecord(line); } catch (e) { rec = { type: 'error', step: -1, message: (e as Error).message }; }
    records.push(rec);
    if (rec.type === 'created') onCreated(rec.pid);
    if (rec.type !== 'created' || mode === 'create') onFinal();
  };
  report.setEncoding('utf8');
  report.on('data', (chunk: string) => {
    buf += chunk;
    for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) { take(buf.slice(0, nl)); buf = buf.slice(nl + 1); }
  });
  const reportDone = new Promise<void>((res) => { report.on('close', res); report.on('end', res); report.on('error', () => res()); });
  let onFinal: () => void = () => {};
  const finalSeen = new Promise<void>((res) => { onFinal = res; });
  const exit = new Promise<ShimExit>((res, rej) => {
    child.on('error', rej);
    child.on('exit', (code, signal) => {
      // The report pipe may still hold the last records; read them before answering. After
      // `create`, init keeps its end open until execve, so EOF cannot be awaited: a final record
      // (or a short grace period) ends the wait instead.
      if (records.some((r) => r.type !== 'created' || mode === 'create')) onFinal();
      const grace = new Promise<void>((r) => setTimeout(r, 200).unref());
      void Promise.race([reportDone, finalSeen, grace]).then(() => {
        take(buf); buf = '';
        report.destroy();
        onCreated(null);
        res({ code, signal, records });
      });
    });
  });
  return { child, created, exit };
}

/** `step 14 mount_in_root proc -> /proc: Operation not permitted (/mounts/0)`: the op, errno text and its why. */
export function formatShimError(rec: Extract<ShimRecord, { type: 'error' }>, ops?: readonly PlanOp[]): string {
  if (rec.step < 0) return `shim rejected the plan: ${rec.message}`;
  const why = ops?.[rec.step]?.why;
  return `step ${rec.step} ${rec.message}${why ? ` (${why})` : ''}`;
}

/** The first error the shim reported, or a description of how it ended without one. */
export function shimFailure(x: ShimExit, ops?: readonly PlanOp[]): string {
  const err = x.records.find((r): r is Extract<ShimRecord, { type: 'error' }> => r.type === 'error');
  if (err) return formatShimError(err, ops);
  if (x.signal) return `planc-shim killed by ${x.signal}`;
  return `planc-shim exited with status ${x.code} without a report`;
}
