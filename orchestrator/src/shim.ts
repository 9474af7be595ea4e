// Spawns build/planc-shim with a plan on a pipe (or an open plan file) and parses its report records
// (docs/plan-format.md §3). Never applies anything itself and never interprets the plan beyond naming the failed op.
import type { Readable, Writable } from 'node:stream';
import type { PlanOp } from './plan/decode.js';
import { shimPath } from './paths.js';
import { sys, type SysError } from './sys.js';

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
  /** a file that already holds exactly `plan`: under Bun the shim reads it through a read-only fd */
  planFile?: string;
  /** the shim's working directory (create and run: the state dir, where `delete` looks for a shim whose pid it never learnt) */
  cwd?: string;
}

/** The state-dir file naming the create/run shim ("<pid> <start time>"), written as soon as it is spawned. */
export const SHIM_PID = 'shim.pid';

interface BunSubprocess extends ShimChild {
  readonly stdio: (number | null | undefined)[];
  readonly exited: Promise<number>;
  readonly exitCode: number | null;
  readonly signalCode: string | null;
}
declare const Bun: {
  spawn(cmd: string[], o: { stdio: (string | number)[]; cwd?: string }): BunSubprocess;
  file(fd: number): { stream(): AsyncIterable<Uint8Array> };
} | undefined;

/** What callers may do with the running shim: signal it. */
export interface ShimChild { readonly pid?: number; kill(signal?: NodeJS.Signals | number): unknown }

export interface ShimProcess {
  child: ShimChild;
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

interface Layout { PLAN_FD: number; REPORT_FD: number; CONTROL_FD: number; preserved: number[]; args: string[] }

function layout(mode: ShimMode, o: ShimOptions): Layout {
  const n = o.preserveFds ?? 0;
  // ORDER: 0-2 and the preserved fds keep their numbers; the plan, report and (with onSync)
  // control pipes come right after them, so the container's fds are never shadowed.
  const PLAN_FD = 3 + n;
  const REPORT_FD = PLAN_FD + 1;
  const CONTROL_FD = PLAN_FD + 2;
  const preserved = Array.from({ length: n }, (_, i) => 3 + i);
  const args = [mode, String(PLAN_FD), String(REPORT_FD), ...(o.onSync ? [String(CONTROL_FD)] : [])];
  return { PLAN_FD, REPORT_FD, CONTROL_FD, preserved, args };
}

/** Turns report lines into records and settles `created`/`exit` as the shim's protocol says. */
class Reports {
  readonly records: ShimRecord[] = [];
  private buf = '';
  private onCreated: (pid: number | null) => void = () => {};
  private onFinal: () => void = () => {};
  readonly created = new Promise<number | null>((res) => { this.onCreated = res; });
  readonly finalSeen = new Promise<void>((res) => { this.onFinal = res; });
  constructor(private readonly mode: ShimMode, private readonly answer: (rec: Extract<ShimRecord, { type: 'sync' }>) => void) {}
  private take(line: string): void {
    if (line.trim() === '') return;
    let rec: ShimRecord;
    try { rec = parseRecord(line); } catch (e) { rec = { type: 'error', step: -1, message: (e as Error).message }; }
    this.records.push(rec);
    if (rec.type === 'sync') { this.answer(rec); return; }
    if (rec.type === 'created') this.onCreated(rec.pid);
    if (this.isFinal(rec)) this.onFinal();
  }
  /** The record after which the shim writes nothing more. `create`: `created` or P's error (init
   * may still hold the pipe, so EOF cannot be awaited). `run`: only `exited`; an error may be
   * init's own, written before P's `created` reaches the pipe. Other modes: none; EOF ends them. */
  private isFinal(rec: ShimRecord): boolean {
    return this.mode === 'create' ? rec.type !== 'sync' : this.mode === 'run' && rec.type === 'exited';
  }
  push(chunk: string): void {
    this.buf += chunk;
    for (let nl = this.buf.indexOf('\n'); nl >= 0; nl = this.buf.indexOf('\n')) { this.take(this.buf.slice(0, nl)); this.buf = this.buf.slice(nl + 1); }
  }
  /** The shim has exited: the report pipe may still hold the last records; read them before answering. After
   * `create`, init keeps its end open until execve, so EOF cannot be awaited: a final record (or a short grace
   * period) ends the wait instead. */
  async settle(reportDone: Promise<void>): Promise<void> {
    if (this.records.some((r) => this.isFinal(r))) this.onFinal();
    const grace = new Promise<void>((r) => setTimeout(r, 200).unref());
    await Promise.race([reportDone, this.finalSeen, grace]);
    this.take(this.buf); this.buf = '';
    this.onCreated(null);
  }
}

function answerer(o: ShimOptions, write: (b: string) => void): (rec: Extract<ShimRecord, { type: 'sync' }>) => void {
  // One byte per sync point: "0" goes on, "1" makes sync_caller fail (and the shim undo everything).
  return (rec) => {
    void (o.onSync?.(rec) ?? Promise.resolve(false))
      .catch(() => false)
      .then((ok) => { write(ok ? '0' : '1'); });
  };
}

export function spawnShim(mode: ShimMode, plan: Uint8Array, options: string | ShimOptions = {}): ShimProcess {
  const o: ShimOptions = typeof options === 'string' ? { shim: options } : options;
  return typeof Bun !== 'undefined' ? spawnBun(mode, plan, o) : spawnNode(mode, plan, o);
}

/** Writes all of `b` to a blocking or non-blocking fd; false if the reader is gone. */
function writeAll(fd: number, b: Uint8Array): boolean {
  const io = sys();
  for (let off = 0; off < b.length;) {
    try { off += io.write(fd, b, off, b.length - off); } catch (e) {
      if ((e as SysError).code !== 'EAGAIN') return false;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
    }
  }
  return true;
}

// Bun.spawn returns in about a millisecond where child_process (node:net streams for the extra
// pipes) takes ten; the plan is in the shim's hands at spawn, so it never waits on this event loop.
function spawnBun(mode: ShimMode, plan: Uint8Array, o: ShimOptions): ShimProcess {
  const { PLAN_FD, REPORT_FD, CONTROL_FD, preserved, args } = layout(mode, o);
  const io = sys();
  const planFd = o.planFile ? io.open(o.planFile, io.O.RDONLY) : -1;
  let proc: BunSubprocess;
  try {
    proc = Bun!.spawn([o.shim ?? shimPath(), ...args], {
      ...(o.cwd ? { cwd: o.cwd } : {}),
      stdio: ['inherit', 'inherit', 'inherit', ...preserved, planFd >= 0 ? planFd : 'pipe', 'pipe', ...(o.onSync ? ['pipe'] : [])],
    });
  } catch (e) {
    if (planFd >= 0) io.close(planFd);
    const err = e instanceof Error ? e : new Error(String(e));
    const exit = Promise.reject(err);
    exit.catch(() => {});
    return { child: { kill: () => false }, created: Promise.resolve(null), exit };
  }
  const stdio = proc.stdio;
  if (planFd >= 0) io.close(planFd);
  else {
    const fd = stdio[PLAN_FD]!;
    writeAll(fd, plan); // a short write means the shim died: its exit says why
    io.close(fd);
  }
  const controlFd = o.onSync ? stdio[CONTROL_FD]! : -1;
  const r = new Reports(mode, answerer(o, (b) => { if (controlFd >= 0) writeAll(controlFd, new TextEncoder().encode(b)); }));
  const reportFd = stdio[REPORT_FD]!;
  const reportDone = (async () => {
    const dec = new TextDecoder();
    try {
      for await (const chunk of Bun!.file(reportFd).stream()) r.push(dec.decode(chunk, { stream: true }));
    } catch { /* a broken report pipe ends it like EOF */ }
  })();
  const exit = proc.exited.then(async () => {
    await r.settle(reportDone);
    return { code: proc.exitCode, signal: proc.signalCode as NodeJS.Signals | null, records: r.records };
  });
  return { child: proc, created: r.created, exit };
}

function spawnNode(mode: ShimMode, plan: Uint8Array, o: ShimOptions): ShimProcess {
  const { PLAN_FD, REPORT_FD, CONTROL_FD, preserved, args } = layout(mode, o);
  // Loaded here, not at import: every builtin imported at top level is paid by `planc --version` too.
  const { spawn } = process.getBuiltinModule('node:child_process');
  const child = spawn(o.shim ?? shimPath(), args, {
    ...(o.cwd ? { cwd: o.cwd } : {}),
    stdio: ['inherit', 'inherit', 'inherit', ...preserved, 'pipe', 'pipe', ...(o.onSync ? ['pipe' as const] : [])],
  });
  const planPipe = child.stdio[PLAN_FD] as Writable;
  planPipe.on('error', () => { /* the shim died before reading it all: its exit says why */ });
  planPipe.end(plan);
  const report = child.stdio[REPORT_FD] as Readable;
  const control = o.onSync ? (child.stdio[CONTROL_FD] as Writable) : null;
  control?.on('error', () => { /* the shim died; its exit says why */ });
  const r = new Reports(mode, answerer(o, (b) => { control?.write(b); }));
  report.setEncoding('utf8');
  report.on('data', (chunk: string) => { r.push(chunk); });
  const reportDone = new Promise<void>((res) => { report.on('close', res); report.on('end', res); report.on('error', () => res()); });
  const exit = new Promise<ShimExit>((res, rej) => {
    child.on('error', rej);
    child.on('exit', (code, signal) => {
      void r.settle(reportDone).then(() => {
        report.destroy();
        control?.destroy();
        res({ code, signal, records: r.records });
      });
    });
  });
  return { child, created: r.created, exit };
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
