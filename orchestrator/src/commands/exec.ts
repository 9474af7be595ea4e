// `planc exec`: plans a new process inside a running container (action exec: setns into its
// namespaces and cgroups) and has the shim run it. The process is the container's own
// process with runc's exec overrides, or the whole process.json given by --process.
import { readFileSync } from 'node:fs';
import { debug, goErrText, PlancError } from '../errors.js';
import { stderr } from '../out.js';
import type { Globals } from '../globals.js';
import { preservedFdCount } from '../launch.js';
import { containerStatus, forwardSignals, writePidFile } from '../lifecycle.js';
import { planWith, SpecErrors } from '../prepare.js';
import { shimFailure, spawnShim } from '../shim.js';
import { existingStateDir, readConfigCopy, readState, systemdOption } from '../state.js';
import { liveStatus } from '../status.js';

export interface ExecOptions {
  process?: string; cwd?: string; env?: string[]; tty?: boolean; user?: string; additionalGids?: string[];
  cap?: string[]; /** commander's reading of --no-new-privs */ newPrivs?: boolean; detach?: boolean; pidFile?: string; consoleSocket?: string;
  preserveFds?: string; pidfdSocket?: string; ignorePaused?: boolean; cgroup?: string[]; apparmor?: string; processLabel?: string;
}

type Json = Record<string, any>;

/** Go's strconv.Atoi as runc applies it to --user: anything but an integer is an error, never 0. */
function atoi(v: string, what: string): number {
  if (!/^[+-]?\d+$/.test(v)) throw new PlancError(`parsing ${v} as int for ${what} failed: strconv.Atoi: parsing ${JSON.stringify(v)}: invalid syntax`);
  return Number(v);
}

// runc's exec: the container's process with args replaced and the flags laid over it.
export function processFrom(config: Json, args: string[], o: ExecOptions): Json {
  const p: Json = structuredClone(config.process ?? {});
  p.args = args;
  p.terminal = o.tty === true;
  if (o.cwd) p.cwd = o.cwd;
  if (o.env?.length) p.env = [...(p.env ?? []), ...o.env];
  if (o.user) {
    // SECURITY: "-u abc" must fail, not become uid 0 (Number("abc") is NaN)
    const at = o.user.indexOf(':');
    const gid = at < 0 ? undefined : atoi(o.user.slice(at + 1), 'gid');
    const uid = atoi(at < 0 ? o.user : o.user.slice(0, at), 'uid');
    p.user = { ...(p.user ?? {}), uid, gid: gid ?? p.user?.gid ?? 0 };
  }
  if (o.additionalGids?.length) {
    const gids = o.additionalGids.map(Number);
    const bad = gids.find((g) => g < 0);
    if (bad !== undefined) throw new PlancError(`additional-gids must be a positive number ${bad}`);
    p.user = { ...(p.user ?? {}), additionalGids: [...(p.user?.additionalGids ?? []), ...gids] };
  }
  if (o.apparmor) p.apparmorProfile = o.apparmor;
  if (o.processLabel) p.selinuxLabel = o.processLabel;
  // runc 1.1.5 adds --cap to ambient too, whatever inheritable holds: the kernel raises only an
  // inheritable one (later runc adds it to ambient only when inheritable is set: the same result)
  if (o.cap?.length) {
    p.capabilities ??= {};
    for (const set of ['bounding', 'effective', 'permitted', 'ambient'] as const) p.capabilities[set] = [...(p.capabilities[set] ?? []), ...o.cap];
  }
  if (o.newPrivs === false) p.noNewPrivileges = true;
  return p;
}

/**
 * `--cgroup` as runc reads it: one `path` for every controller, or `controller[,controller]:path`
 * any number of times. The planner joins each below the container's cgroup and refuses an escape.
 */
export function subCgroups(args: readonly string[] | undefined): Record<string, string> | undefined {
  if (!args?.length) return undefined;
  const out: Record<string, string> = {};
  for (const a of args) {
    const parts = a.split(':');
    if (parts.length > 2) throw new PlancError(`invalid --cgroup argument: ${a}`);
    if (parts.length === 1) {
      if (args.length !== 1) throw new PlancError(`invalid --cgroup argument: ${a} (missing <controller>: prefix)`);
      out[''] = a;
    } else for (const ctl of parts[0]!.split(',')) out[ctl] = parts[1]!;
  }
  return out;
}

export async function execCommand(id: string, args: string[], o: ExecOptions, g: Globals): Promise<number> {
  const dir = existingStateDir(g.root, id);
  const s = readState(dir);
  const status = liveStatus(dir, s);
  if (status === 'stopped') throw new PlancError('cannot exec in a stopped container');
  if (status === 'paused' && !o.ignorePaused) throw new PlancError('cannot exec in a paused container (use --ignore-paused to override)');
  if (o.pidfdSocket) throw new PlancError('--pidfd-socket is not supported by planc');
  if (!o.process && args.length === 0) throw new PlancError('process args cannot be empty');
  const config = JSON.parse(new TextDecoder().decode(readConfigCopy(dir))) as Json;
  let bytes: Uint8Array;
  if (o.process) {
    try { bytes = new Uint8Array(readFileSync(o.process)); } catch (e) { throw new PlancError(`open ${o.process}: ${goErrText(e)}`, 1, { cause: e }); }
  } else bytes = new TextEncoder().encode(JSON.stringify(processFrom(config, args, o)));
  let proc: Json = {};
  try { proc = JSON.parse(new TextDecoder().decode(bytes)) as Json; } catch { /* the planner names the error */ }
  const sub = subCgroups(o.cgroup);
  const terminal = o.process ? proc.terminal === true : o.tty === true;
  if (terminal && o.detach && !o.consoleSocket) throw new PlancError('cannot allocate tty if planc will detach without setting console socket');
  if (!terminal && o.consoleSocket) throw new PlancError('cannot use console socket if planc will not detach or allocate tty');
  const preserveFds = preservedFdCount(o);
  const { resolve, join } = process.getBuiltinModule('node:path');
  const proxy = terminal && !o.consoleSocket ? join(dir, `exec-${process.pid}.sock`) : '';
  const p = await planWith({
    bundle: s.bundle, id, root: g.root, bytes, parsed: config, action: 'exec', container: { pid: s.pid, config },
    // HOME comes from /etc/passwd for the exec'd process's uid, not for the container's
    uid: typeof proc.user?.uid === 'number' ? proc.user.uid : 0,
    options: {
      ...systemdOption(s),
      ...(sub ? { sub_cgroups: sub } : {}),
      preserve_fds: preserveFds,
      console_socket: o.consoleSocket ? resolve(o.consoleSocket) : '',
      // foreground -t: the shim listens here and proxies the pty to our stdio
      console_proxy: proxy,
    },
  }).catch((e: unknown) => {
    // --cgroup errors are the context's, not the process's: runc's text without a pointer
    if (e instanceof SpecErrors && e.errors.every((x) => x.rule === 'context')) throw new PlancError(e.errors.map((x) => x.message.replace(/^context: /, '')).join('\n'));
    throw e;
  });
  const shim = spawnShim(o.detach ? 'create' : 'run', p.plan, { preserveFds });
  const stop = o.detach ? () => {} : forwardSignals(shim.child);
  try {
    const pid = await shim.created;
    debug(`exec ${id}: process pid ${pid}, plan of ${(p.opNames ?? p.ops).length} ops`);
    const x = await shim.exit;
    debug(`exec ${id}: shim ended: code ${x.code} signal ${x.signal} records ${JSON.stringify(x.records)}`);
    if (pid === null || (x.code !== 0 && !x.records.some((r) => r.type === 'exited'))) throw new PlancError(shimFailure(x, p.ops));
    if (o.pidFile) writePidFile(o.pidFile, pid);
    // past the ready point (execve itself failed) the process's own failure, as runc's init
    // prints it: "exec /run.sh: no such file or directory", and its status
    const late = x.records.find((r) => r.type === 'error' && r.lane !== 'teardown');
    if (late && late.type === 'error' && !o.detach) stderr(`${late.message}\n`);
    return o.detach ? 0 : containerStatus(x);
  } finally {
    stop();
    // exec plans have no teardown lane: the proxy socket the shim listened on is removed here
    if (proxy) process.getBuiltinModule('node:fs').rmSync(proxy, { force: true });
  }
}
