// The CLI's one error type and its one reporter, which writes errors the way runc does
// (logrus text or json to --log, plain text to stderr). Never exits the process itself.
import { stderr } from './out.js';
import { sys } from './sys.js';

export class PlancError extends Error {
  constructor(message: string, readonly exitCode = 1, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PlancError';
  }
}

// runc prefixes errors of run and create with "runc <cmd> failed: "; planc does the same.
// exec's errors are "exec failed: ..." with status 255, so callers can tell them from the process's own.
export async function failedAs<T>(cmd: string, fn: () => Promise<T>): Promise<T> {
  try { return await fn(); } catch (e) {
    if (!(e instanceof Error)) throw e;
    if (cmd === 'exec') throw new PlancError(`exec failed: ${e.message}`, 255, { cause: e });
    if (e.name === 'SpecErrors') throw e;
    throw new PlancError(`planc ${cmd} failed: ${e.message}`, e instanceof PlancError ? e.exitCode : 1, { cause: e });
  }
}

/** Go's text for the errnos a path can fail with (glibc's strerror, lowercased), as runc prints them. */
const GO_ERRNO: Record<string, string> = {
  ENOENT: 'no such file or directory', EACCES: 'permission denied', EPERM: 'operation not permitted', EISDIR: 'is a directory',
  ENOTDIR: 'not a directory', EROFS: 'read-only file system', ELOOP: 'too many levels of symbolic links', ENOSPC: 'no space left on device',
  ENAMETOOLONG: 'file name too long', ENXIO: 'no such device or address', ETXTBSY: 'text file busy', EEXIST: 'file exists',
};
export function goErrText(e: unknown): string {
  const code = (e as { code?: unknown }).code;
  return (typeof code === 'string' && GO_ERRNO[code]) || (e instanceof Error ? e.message : String(e));
}

export interface LogOptions { log?: string; logFormat?: string; debug?: boolean }
let logOptions: LogOptions = {};
/** Sets where logs go. As runc, opens --log first (creating it): a path that cannot be opened fails the command. */
export function setLogOptions(o: LogOptions): void {
  logOptions = { ...o, log: undefined };
  if (o.log && o.log !== '/dev/stderr') {
    try { appendFileSync(o.log, ''); } catch (e) { throw new PlancError(`open ${o.log}: ${goErrText(e)}`, 1, { cause: e }); }
  }
  logOptions = o;
}

const started = Date.now();
const isatty = (fd: number): boolean => sys().isatty(fd);
const appendFileSync = (path: string, text: string): void => sys().appendFile(path, text);
function rfc3339(d: Date): string { return d.toISOString().replace(/\.\d{3}Z$/, 'Z'); }
// logrus quotes a value when it holds anything beyond a conservative character set.
function logrusValue(s: string): string { return /^[\w\-./:@^+]+$/.test(s) ? s : JSON.stringify(s); }

function formatLine(level: string, msg: string, tty: boolean): string {
  if (logOptions.logFormat === 'json') return JSON.stringify({ level, msg, time: rfc3339(new Date()) }) + '\n';
  if (tty) {
    const secs = String(Math.floor((Date.now() - started) / 1000)).padStart(4, '0');
    return `${level.slice(0, 4).toUpperCase()}[${secs}] ${msg}\n`;
  }
  return `time="${rfc3339(new Date())}" level=${level} msg=${logrusValue(msg)}\n`;
}

/** Reports a fatal error: to the log (if any) as a log line, and to stderr. */
export function reportError(msg: string): void {
  if (logOptions.log && logOptions.log !== '/dev/stderr') {
    try { appendFileSync(logOptions.log, formatLine('error', msg, false)); } catch { /* stderr still gets it */ }
    stderr(msg + '\n');
    return;
  }
  stderr(formatLine('error', msg, isatty(2)));
}

/** An error for the log alone (when there is one): stderr has had it in another form. */
export function logError(msg: string): void {
  if (!logOptions.log || logOptions.log === '/dev/stderr') return;
  try { appendFileSync(logOptions.log, formatLine('error', msg, false)); } catch { /* stderr has it */ }
}

/** A warning: the operation goes on (a failed poststop hook, for one). */
export function warn(msg: string): void {
  if (logOptions.log && logOptions.log !== '/dev/stderr') {
    try { appendFileSync(logOptions.log, formatLine('warning', msg, false)); } catch { /* best effort */ }
    return;
  }
  stderr(formatLine('warning', msg, isatty(2)));
}

/** A debug line, written only with --debug and only to the log. */
export function debug(msg: string): void {
  if (!logOptions.debug) return;
  if (logOptions.log) { try { appendFileSync(logOptions.log, formatLine('debug', msg, false)); } catch { /* best effort */ } return; }
  stderr(formatLine('debug', msg, isatty(2)));
}

// --debug timing: each phase's end, in ms since the process started (performance's time origin),
// so a slow start-up, planner, shim or container phase shows up in one log line.
const marks: [string, number][] = [];
export function mark(phase: string): void {
  if (logOptions.debug) marks.push([phase, performance.now()]);
}
export function debugTimings(label: string): void {
  if (!logOptions.debug || marks.length === 0) return;
  let prev = 0;
  const parts = marks.map(([phase, t]) => { const d = t - prev; prev = t; return `${phase} ${d.toFixed(1)}ms`; });
  debug(`${label} timing: ${parts.join(', ')}; total ${prev.toFixed(1)}ms`);
}
