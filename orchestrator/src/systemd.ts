// The systemd cgroup driver's side of a plan: carries out its caller-lane ops (systemd_start_unit,
// systemd_set_unit_properties, systemd_stop_unit) over D-Bus, as runc's systemd manager does.
// Decides nothing: the unit, its mode and every property come from the plan.
import { Connection, DBusError, systemBusAddress, type DBusValue, type Message, type Variant } from './dbus.js';
import { PlancError, warn } from './errors.js';
import { FLAGS } from './gen/ops.js';
import type { PlanOp } from './plan/decode.js';
import { sys } from './sys.js';

const SYSTEMD = 'org.freedesktop.systemd1';
const PATH = '/org/freedesktop/systemd1';
const MANAGER = 'org.freedesktop.systemd1.Manager';
/** runc waits 30 s for a unit's job (tests shorten it) */
export const waits = { jobMs: 30_000 };

/**
 * A plan property "Name=sig:value" as the (sv) pair D-Bus carries. Values: b true/false, integers
 * in decimal, s as is, au a comma list ("$pid" is P's pid), ay hex bytes, other arrays JSON.
 */
export function propertyValue(prop: string, pid?: number): [string, Variant] {
  const eq = prop.indexOf('='), colon = prop.indexOf(':', eq);
  if (eq <= 0 || colon < 0) throw new PlancError(`malformed systemd property ${JSON.stringify(prop)} in the plan`);
  const name = prop.slice(0, eq), sig = prop.slice(eq + 1, colon), text = prop.slice(colon + 1);
  const num = (t: string): number => {
    if (t === '$pid') {
      if (pid === undefined) throw new PlancError(`systemd property ${name} needs a pid, and none is known here`);
      return pid;
    }
    if (!/^-?\d+$/.test(t)) throw new PlancError(`systemd property ${name}: ${JSON.stringify(t)} is not a number`);
    return Number(t);
  };
  let value: DBusValue;
  switch (sig) {
    case 'b': value = text === 'true'; break;
    case 'y': case 'n': case 'q': case 'i': case 'u': value = num(text); break;
    case 'x': case 't': value = BigInt(text); break;
    case 's': case 'o': value = text; break;
    case 'au': value = text === '' ? [] : text.split(',').map(num); break;
    case 'ay': value = Uint8Array.from(text.match(/../g) ?? [], (h) => parseInt(h, 16)); break;
    default: value = JSON.parse(text) as DBusValue;
  }
  return [name, { sig, value }];
}

function managerCall(c: Connection, member: string, signature: string, body: DBusValue[]): Promise<Message> {
  return c.call(SYSTEMD, PATH, MANAGER, member, signature, body);
}

/** Calls a job-returning method and waits for that job's JobRemoved; its result ("done", "failed", …). */
async function runJob(c: Connection, member: string, signature: string, body: DBusValue[], timeoutText: string): Promise<string> {
  const removed = new Map<string, string>();
  let wake: () => void = () => {};
  // ORDER: listen before the call: systemd may send JobRemoved before the call's reply arrives
  const off = c.onMessage((m) => {
    if (m.member === 'JobRemoved' && m.iface === MANAGER) { removed.set(m.body[1] as string, m.body[3] as string); wake(); }
  });
  try {
    const job = (await managerCall(c, member, signature, body)).body[0] as string;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const result = await new Promise<string>((res, rej) => {
      wake = () => { if (removed.has(job)) res(removed.get(job)!); };
      wake();
      timer = setTimeout(() => rej(new PlancError(timeoutText)), waits.jobMs);
    }).finally(() => clearTimeout(timer));
    return result;
  } finally { off(); }
}

async function resetFailed(c: Connection, unit: string): Promise<void> {
  await managerCall(c, 'ResetFailedUnit', 's', [unit]).catch(() => {});
}

async function startUnit(c: Connection, op: PlanOp, pid: number): Promise<void> {
  const unit = op.args.name as string, mode = op.args.mode as string;
  const props = (op.args.properties as string[]).map((p) => propertyValue(p, pid));
  const args: DBusValue[] = [unit, mode, props, []];
  const shown = (op.args.properties as string[]).map((p) => p.replace('$pid', String(pid))).join(' ');
  // runc's Apply wraps every start failure so: the unit, what was asked, and why
  const failed = (why: string, cause?: unknown): PlancError =>
    new PlancError(`unable to start unit "${unit}" (properties [${shown}]): ${why}`, 1, { cause });
  let result: string;
  try {
    result = await runJob(c, 'StartTransientUnit', 'ssa(sv)a(sa(sv))', args, `Timeout waiting for systemd to create ${unit}`)
      .catch(async (e: unknown) => {
        // a leftover failed unit of that name: reset it and try once more, as runc does
        if (!(e instanceof DBusError) || !e.dbusName.includes('org.freedesktop.systemd1.UnitExists')) throw e;
        await resetFailed(c, unit);
        return runJob(c, 'StartTransientUnit', 'ssa(sv)a(sa(sv))', args, `Timeout waiting for systemd to create ${unit}`);
      });
  } catch (e) {
    if (e instanceof PlancError) await resetFailed(c, unit);   /* the job's timeout */
    throw failed((e as Error).message, e);
  }
  if (result !== 'done') {
    await resetFailed(c, unit);
    throw failed(`error creating systemd unit \`${unit}\`: got \`${result}\``);
  }
}

async function setProperties(c: Connection, op: PlanOp): Promise<void> {
  const props = (op.args.properties as string[]).map((p) => propertyValue(p));
  try {
    await managerCall(c, 'SetUnitProperties', 'sba(sv)', [op.args.name as string, op.args.runtime !== 0, props]);
  } catch (e) {
    throw new PlancError(`unable to set unit properties: ${(e as Error).message}`, 1, { cause: e });
  }
}

async function stopUnit(c: Connection, op: PlanOp): Promise<void> {
  const unit = op.args.name as string;
  try {
    const r = await runJob(c, 'StopUnit', 'ss', [unit, op.args.mode as string], `Timed out while waiting for systemd to remove ${unit}`);
    if (r !== 'done') warn(`error removing unit \`${unit}\`: got \`${r}\`. Continuing...`);
  } catch (e) {
    // runc: a unit that cannot be stopped (already gone) is not an error; a timeout is
    if (e instanceof PlancError) throw e;
  }
  await resetFailed(c, unit);
}

/** The system bus, subscribed to JobRemoved; open it early to hide its set-up behind the shim's. */
export async function connectSystemBus(): Promise<Connection> {
  let c: Connection;
  try { c = await Connection.connect(systemBusAddress()); } catch (e) {
    // runc's text where it would have refused first: systemd is not this host's init (sd_booted)
    if (!sys().exists('/run/systemd/system')) throw new PlancError('systemd not running on this host, cannot use systemd cgroups manager', 1, { cause: e });
    throw new PlancError(`systemd cgroup driver: cannot reach the system bus: ${(e as Error).message}`, 1, { cause: e });
  }
  try { await c.addMatch(`type='signal',sender='${SYSTEMD}',interface='${MANAGER}',member='JobRemoved'`); } catch (e) { c.close(); throw e; }
  return c;
}

/** Runs f on `bus` (which the caller closes) or on a connection of its own. */
async function withBus<R>(bus: Promise<Connection> | undefined, f: (c: Connection) => Promise<R>): Promise<R> {
  if (bus) return f(await bus);
  const c = await connectSystemBus();
  try { return await f(c); } finally { c.close(); }
}

/** A caller_sync point's value from its flags.def name (CALLER_CGROUP_UNIT). */
export function callerPoint(name: string): number | undefined {
  return FLAGS.caller_sync!.entries.find(([n]) => n === name)?.[1];
}

/**
 * The start and property ops bound to a caller_sync point, in plan order; `pid` is P's, which
 * the unit is started with. `started` hears of each unit started (it must be stopped on failure).
 */
export async function runCallerPoint(ops: readonly PlanOp[], point: number, pid: number, started: (unit: string) => void, bus?: Promise<Connection>): Promise<void> {
  const here = ops.filter((o) => o.lane === 'caller' && o.op !== 'systemd_stop_unit' && o.args.point === point);
  if (here.length === 0) return;
  await withBus(bus, async (c) => {
    for (const op of here) {
      if (op.op === 'systemd_start_unit') { await startUnit(c, op, pid); started(op.args.name as string); }
      else await setProperties(c, op);
    }
  });
}

/** The plan's systemd_stop_unit ops (teardown), each unit once. */
export async function runStopOps(ops: readonly PlanOp[], bus?: Promise<Connection>): Promise<void> {
  const stops = ops.filter((o) => o.lane === 'caller' && o.op === 'systemd_stop_unit');
  if (stops.length === 0) return;
  await withBus(bus, async (c) => { for (const op of stops) await stopUnit(c, op); });
}
