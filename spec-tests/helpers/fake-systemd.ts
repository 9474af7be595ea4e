// A private D-Bus daemon and a fake org.freedesktop.systemd1 on it, made with planc's own D-Bus
// client: it records the Manager calls it gets, answers with jobs and emits their JobRemoved.
// Creates no unit and no cgroup; the test stops the daemon it started by its pid.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Connection, MSG, type DBusValue, type Message, type Variant } from '../../orchestrator/src/dbus.js';

export interface Bus { address: string; daemon: ChildProcess; stop(): void }

/** dbus-daemon with a config of our own: one unix socket in dir, everyone may own and send. */
export async function startBus(dir: string): Promise<Bus> {
  const conf = path.join(dir, 'bus.conf');
  fs.writeFileSync(conf, `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>custom</type>
  <listen>unix:path=${path.join(dir, 'bus.sock')}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*" eavesdrop="true"/>
    <allow receive_sender="*"/>
  </policy>
</busconfig>
`);
  const daemon = spawn('dbus-daemon', [`--config-file=${conf}`, '--print-address', '--nofork'], { stdio: ['ignore', 'pipe', 'ignore'] });
  const address = await new Promise<string>((res, rej) => {
    let out = '';
    daemon.stdout!.on('data', (d) => { out += d; if (out.includes('\n')) res(out.trim()); });
    daemon.on('error', rej);
    daemon.on('exit', (code) => rej(new Error(`dbus-daemon exited with ${code}`)));
  });
  return { address, daemon, stop: () => { if (daemon.pid) process.kill(daemon.pid, 'SIGTERM'); } };
}

export interface Call { member: string; body: DBusValue[]; signature: string; pidInfo?: { cmdline: string[] } }

export interface FakeBehaviour {
  /** a D-Bus error for this call instead of an answer */
  error?: (m: Message) => { name: string; text: string } | undefined;
  /** the result JobRemoved carries ("done" unless this says otherwise) */
  result?: (m: Message) => string;
  /** send JobRemoved before the method's reply (systemd can) */
  signalFirst?: boolean;
  /** never send JobRemoved */
  noJobRemoved?: boolean;
  /** how long after the reply JobRemoved follows (5 ms unless this says otherwise) */
  jobDelayMs?: number;
}

/** The properties of an a(sv) list as { Name: {sig, value} }, in order. */
export function propsOf(list: DBusValue): [string, Variant][] {
  return (list as DBusValue[]).map((p) => { const [n, v] = p as [string, Variant]; return [n, v]; });
}

export class FakeSystemd {
  readonly calls: Call[] = [];
  behaviour: FakeBehaviour = {};
  private job = 0;
  private constructor(private readonly c: Connection) {}

  static async start(address: string): Promise<FakeSystemd> {
    const c = await Connection.connect(address);
    const f = new FakeSystemd(c);
    c.onMessage((m) => f.onMessage(m));
    const r = await c.call('org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus', 'RequestName', 'su', ['org.freedesktop.systemd1', 4]);
    if (r.body[0] !== 1) throw new Error(`RequestName answered ${String(r.body[0])}`);
    return f;
  }

  private onMessage(m: Message): void {
    if (m.type !== MSG.CALL || m.iface !== 'org.freedesktop.systemd1.Manager') return;
    const call: Call = { member: m.member!, body: m.body, signature: m.signature };
    if (m.member === 'StartTransientUnit') {
      // the process the unit is started with, read while it still waits for the answer
      const pids = propsOf(m.body[2]!).find(([n]) => n === 'PIDs')?.[1].value as number[] | undefined;
      try { call.pidInfo = { cmdline: fs.readFileSync(`/proc/${pids?.[0]}/cmdline`, 'utf8').split('\0').filter(Boolean) }; } catch { /* gone */ }
    }
    this.calls.push(call);
    const err = this.behaviour.error?.(m);
    if (err) { this.c.replyError(m, err.name, err.text); return; }
    switch (m.member) {
      case 'StartTransientUnit': case 'StopUnit': {
        const id = ++this.job, job = `/org/freedesktop/systemd1/job/${id}`;
        const removed = (): void => {
          if (!this.behaviour.noJobRemoved) {
            this.c.emitSignal('/org/freedesktop/systemd1', 'org.freedesktop.systemd1.Manager', 'JobRemoved', 'uoss',
              [id, job, m.body[0] as string, this.behaviour.result?.(m) ?? 'done']);
          }
        };
        if (this.behaviour.signalFirst) removed();
        this.c.reply(m, 'o', [job]);
        if (!this.behaviour.signalFirst) setTimeout(removed, this.behaviour.jobDelayMs ?? 5);
        return;
      }
      case 'SetUnitProperties': case 'ResetFailedUnit': this.c.reply(m, '', []); return;
      default: this.c.replyError(m, 'org.freedesktop.DBus.Error.UnknownMethod', `fake systemd has no ${m.member}`);
    }
  }

  byMember(member: string): Call[] { return this.calls.filter((c) => c.member === member); }
  close(): void { this.c.close(); }
}
