// Spawns build/planc-shim with a plan on a pipe and parses its report records (docs/plan-format.md §3).
// Never applies anything itself and never interprets the plan beyond naming the failed op.
import type { ChildProcess } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import type { PlanOp } from './plan/decode.js';
import { shimPath } from './paths.js';

export type ShimMode = 'create' | 'run' | 'teardown' | 'host';
export type ShimRecord =
  | { type: 'created'; pid: number }
  | { type: 'error'; step: number; lane?: string; op?: string; errno?: number; errname?: string; message: string }
  | { type: 'exited'; status: number }
  | { type: 'sync'; point: string; pid: number };
export interface ShimExit { code: number | null; signal: NodeJS.Signals | null; records: ShimRecord[] }

export interface ShimOptions {
  shim?: string;
  /** fds 3..3+n-1 of this process are passed to the container; the shim's own fds go above them */
  preserveFds?: number;
  /** answers a `sync` record (sync_caller): resolve true to let the shim go on, false to abort */
  onSync?: (rec: Extract<ShimRecord, { type: 'sync' }>) => Promise<boolean>;
}

export interface ShimProcess {
  child: ChildProcess;
  /** Resolves with C's pid on the `created` record; rejects never (check `exit` instead). */
  created: Promise<number | null>;
  exit: Promise<ShimExit>;
}


export function parseRecord(line: string): ShimRecord {
  const r = JSON.parse(line) as Record<string, unknown>;
  switch (r.type) {
    case 'created': if (typeof r.pid === 'number') return { type: 'created', pid: r.pid }; break;
    case 'exited': if (typeof r.status === 'number') return { type: 'exited', status: r.status }; break;
    case 'sync': if (typeof r.point === 'string' && typeof r.pid === 'number') return { type: 'sync', point: r.point, pid: r.pid }; break;
    case 'error':
      if (typeof r.step === 'number' && typeof r.message === 'string') return r as ShimRecord;
      break;
  }
  throw new Error(`malformed shim report record: ${line}`);
}

export function spawnShim(mode: ShimMode, plan: Uint8Array, options: string | ShimOptions = {}): ShimProcess {
  const o: ShimOptions = typeof options === 'string' ? { shim: options } : options;
  const n = o.preserveFds ?? 0;
  // ORDER: 0-2 and the preserved fds keep their numbers; the plan, report and (with onSync)
  // control pipes come right after them, so the container's fds are never shadowed.
  const PLAN_FD = 3 + n;
  const REPORT_FD = PLAN_FD + 1;
  const CONTROL_FD = PLAN_FD + 2;
  const preserved = Array.from({ length: n }, (_, i) => 3 + i);
  // Loaded here, not at import: every builtin imported at top level is paid by `planc --version` too.
  const { spawn } = process.getBuiltinModule('node:child_process');
  const args = [mode, String(PLAN_FD), String(REPORT_FD), ...(o.onSync ? [String(CONTROL_FD)] : [])];
  const child = spawn(o.shim ?? shimPath(), args, {
    stdio: ['inherit', 'inherit', 'inherit', ...preserved, 'pipe', 'pipe', ...(o.onSync ? ['pipe' as const] : [])],
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
    if (rec.type === 'sync') { answer(rec); return; }
    if (rec.type === 'created') onCreated(rec.pid);
    if (rec.type !== 'created' || mode === 'create') onFinal();
  };
  const control = o.onSync ? (child.stdio[CONTROL_FD] as Writable) : null;
  control?.on('error', () => { /* the shim died; its exit says why */ });
  // One byte per sync point: "0" goes on, "1" makes sync_caller fail (and the shim undo everything).
  const answer = (rec: Extract<ShimRecord, { type: 'sync' }>): void => {
    void (o.onSync?.(rec) ?? Promise.resolve(false))
      .catch(() => false)
      .then((ok) => { control?.write(ok ? '0' : '1'); });
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
      if (records.some((r) => r.type !== 'sync' && (r.type !== 'created' || mode === 'create'))) onFinal();
      const grace = new Promise<void>((r) => setTimeout(r, 200).unref());
      void Promise.race([reportDone, finalSeen, grace]).then(() => {
        take(buf); buf = '';
        report.destroy();
        control?.destroy();
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
