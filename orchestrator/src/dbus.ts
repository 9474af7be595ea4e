// A small D-Bus client over a unix socket: SASL EXTERNAL, Hello, method calls with marshalled
// bodies, replies and errors, signals, and (for tests) answering calls. Imported only by the
// systemd cgroup driver; never at the CLI's top level.
import type { Socket } from 'node:net';

/** A D-Bus value as JS holds it: numbers (bigint for x/t), strings, booleans, arrays, variants. */
export type DBusValue = number | bigint | string | boolean | Uint8Array | DBusValue[] | Variant;
export interface Variant { sig: string; value: DBusValue }

export class DBusError extends Error {
  constructor(readonly dbusName: string, message: string) {
    super(message);
    this.name = 'DBusError';
  }
}

export interface Message {
  type: number; flags: number; serial: number;
  path?: string; iface?: string; member?: string; errorName?: string;
  replySerial?: number; destination?: string; sender?: string; signature: string;
  body: DBusValue[];
}

const T = { CALL: 1, RETURN: 2, ERROR: 3, SIGNAL: 4 } as const;
const NO_REPLY_EXPECTED = 1;

// ---- signatures ----

/** Splits a signature into its complete types: "sa(sv)" → ["s", "a(sv)"]. */
export function splitSignature(sig: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < sig.length;) {
    const end = typeEnd(sig, i);
    out.push(sig.slice(i, end));
    i = end;
  }
  return out;
}

function typeEnd(sig: string, i: number): number {
  const c = sig[i];
  if (c === 'a') return typeEnd(sig, i + 1);
  if (c === '(' || c === '{') {
    const close = c === '(' ? ')' : '}';
    let j = i + 1;
    while (sig[j] !== close) {
      if (j >= sig.length) throw new Error(`bad D-Bus signature ${sig}`);
      j = typeEnd(sig, j);
    }
    return j + 1;
  }
  if (c === undefined || !'ybnqiuxtdsogvh'.includes(c)) throw new Error(`bad D-Bus signature ${sig}`);
  return i + 1;
}

function alignOf(t: string): number {
  switch (t[0]) {
    case 'y': case 'g': case 'v': return 1;
    case 'n': case 'q': return 2;
    case 'x': case 't': case 'd': case '(': case '{': return 8;
    default: return 4;
  }
}

// ---- marshalling (little endian) ----

class Writer {
  buf = new Uint8Array(256);
  view = new DataView(this.buf.buffer);
  len = 0;
  private room(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.len + n) cap *= 2;
    const b = new Uint8Array(cap);
    b.set(this.buf.subarray(0, this.len));
    this.buf = b;
    this.view = new DataView(b.buffer);
  }
  align(n: number): void { const pad = (n - (this.len % n)) % n; this.room(pad); this.len += pad; }
  u8(v: number): void { this.room(1); this.buf[this.len++] = v; }
  u32(v: number): void { this.align(4); this.room(4); this.view.setUint32(this.len, v, true); this.len += 4; }
  bytes(b: Uint8Array): void { this.room(b.length); this.buf.set(b, this.len); this.len += b.length; }
  value(t: string, v: DBusValue): void {
    const enc = new TextEncoder();
    switch (t[0]) {
      case 'y': this.u8(Number(v)); return;
      case 'b': this.u32(v ? 1 : 0); return;
      case 'n': case 'q': this.align(2); this.room(2); this.view[t === 'n' ? 'setInt16' : 'setUint16'](this.len, Number(v), true); this.len += 2; return;
      case 'i': this.align(4); this.room(4); this.view.setInt32(this.len, Number(v), true); this.len += 4; return;
      case 'u': case 'h': this.u32(Number(v)); return;
      case 'x': case 't': this.align(8); this.room(8); this.view[t === 'x' ? 'setBigInt64' : 'setBigUint64'](this.len, BigInt(v as number | bigint), true); this.len += 8; return;
      case 'd': this.align(8); this.room(8); this.view.setFloat64(this.len, Number(v), true); this.len += 8; return;
      case 's': case 'o': { const b = enc.encode(String(v)); this.u32(b.length); this.bytes(b); this.u8(0); return; }
      case 'g': { const b = enc.encode(String(v)); this.u8(b.length); this.bytes(b); this.u8(0); return; }
      case 'v': { const x = v as Variant; this.value('g', x.sig); this.value(x.sig, x.value); return; }
      case '(': case '{': {
        this.align(8);
        const parts = splitSignature(t.slice(1, -1));
        const items = v as DBusValue[];
        parts.forEach((p, k) => this.value(p, items[k]!));
        return;
      }
      case 'a': {
        const elem = t.slice(1);
        this.u32(0);
        const at = this.len - 4;
        // the padding to the first element is not counted in the array's length
        this.align(alignOf(elem));
        const start = this.len;
        const items = v instanceof Uint8Array ? Array.from(v) : (v as DBusValue[]);
        for (const x of items) this.value(elem, x);
        this.view.setUint32(at, this.len - start, true);
        return;
      }
    }
    throw new Error(`cannot marshal D-Bus type ${t}`);
  }
}

class Reader {
  pos = 0;
  private readonly view: DataView;
  constructor(readonly buf: Uint8Array) { this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength); }
  align(n: number): void { this.pos += (n - (this.pos % n)) % n; }
  private need(n: number): void { if (this.pos + n > this.buf.length) throw new Error('truncated D-Bus message'); }
  u8(): number { this.need(1); return this.buf[this.pos++]!; }
  u32(): number { this.align(4); this.need(4); const v = this.view.getUint32(this.pos, true); this.pos += 4; return v; }
  value(t: string): DBusValue {
    const dec = new TextDecoder();
    switch (t[0]) {
      case 'y': return this.u8();
      case 'b': return this.u32() !== 0;
      case 'n': case 'q': { this.align(2); this.need(2); const v = t === 'n' ? this.view.getInt16(this.pos, true) : this.view.getUint16(this.pos, true); this.pos += 2; return v; }
      case 'i': { this.align(4); this.need(4); const v = this.view.getInt32(this.pos, true); this.pos += 4; return v; }
      case 'u': case 'h': return this.u32();
      case 'x': case 't': { this.align(8); this.need(8); const v = t === 'x' ? this.view.getBigInt64(this.pos, true) : this.view.getBigUint64(this.pos, true); this.pos += 8; return v; }
      case 'd': { this.align(8); this.need(8); const v = this.view.getFloat64(this.pos, true); this.pos += 8; return v; }
      case 's': case 'o': { const n = this.u32(); this.need(n + 1); const s = dec.decode(this.buf.subarray(this.pos, this.pos + n)); this.pos += n + 1; return s; }
      case 'g': { const n = this.u8(); this.need(n + 1); const s = dec.decode(this.buf.subarray(this.pos, this.pos + n)); this.pos += n + 1; return s; }
      case 'v': { const sig = this.value('g') as string; return { sig, value: this.value(sig) }; }
      case '(': case '{': { this.align(8); return splitSignature(t.slice(1, -1)).map((p) => this.value(p)); }
      case 'a': {
        const n = this.u32();
        const elem = t.slice(1);
        this.align(alignOf(elem));
        const end = this.pos + n;
        this.need(n);
        if (elem === 'y') { const b = this.buf.slice(this.pos, end); this.pos = end; return b; }
        const out: DBusValue[] = [];
        while (this.pos < end) out.push(this.value(elem));
        return out;
      }
    }
    throw new Error(`cannot read D-Bus type ${t}`);
  }
}

const FIELDS: [keyof Message, number, string][] = [
  ['path', 1, 'o'], ['iface', 2, 's'], ['member', 3, 's'], ['errorName', 4, 's'],
  ['replySerial', 5, 'u'], ['destination', 6, 's'], ['sender', 7, 's'], ['signature', 8, 'g'],
];

export function encodeMessage(m: Message): Uint8Array {
  const body = new Writer();
  const types = splitSignature(m.signature);
  if (types.length !== m.body.length) throw new Error(`D-Bus body has ${m.body.length} values for signature ${m.signature}`);
  types.forEach((t, i) => body.value(t, m.body[i]!));
  const w = new Writer();
  for (const c of ['l', m.type, m.flags, 1]) w.u8(typeof c === 'string' ? c.charCodeAt(0) : c);
  w.u32(body.len);
  w.u32(m.serial);
  const fields: DBusValue[] = [];
  for (const [key, code, sig] of FIELDS) {
    const v = m[key];
    if (v === undefined || (key === 'signature' && v === '')) continue;
    fields.push([code, { sig, value: v as DBusValue }]);
  }
  w.value('a(yv)', fields);
  w.align(8);
  w.bytes(body.buf.subarray(0, body.len));
  return w.buf.slice(0, w.len);
}

/** The length of the first whole message in buf, or 0 if it is not all there yet. */
function messageLength(buf: Uint8Array): number {
  if (buf.length < 16) return 0;
  if (buf[0] !== 0x6c) throw new Error('only little-endian D-Bus messages are supported');
  const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const bodyLen = v.getUint32(4, true), fieldsLen = v.getUint32(12, true);
  const total = 16 + fieldsLen + ((8 - ((16 + fieldsLen) % 8)) % 8) + bodyLen;
  return buf.length >= total ? total : 0;
}

export function decodeMessage(buf: Uint8Array): Message {
  const r = new Reader(buf);
  r.pos = 1;
  const type = r.u8(), flags = r.u8();
  r.u8();
  const bodyLen = r.u32(), serial = r.u32();
  const m: Message = { type, flags, serial, signature: '', body: [] };
  for (const f of r.value('a(yv)') as DBusValue[][]) {
    const def = FIELDS.find(([, code]) => code === f[0]);
    if (def) (m as unknown as Record<string, unknown>)[def[0]] = (f[1] as Variant).value;
  }
  r.align(8);
  const body = new Reader(buf.subarray(r.pos, r.pos + bodyLen));
  m.body = splitSignature(m.signature).map((t) => body.value(t));
  return m;
}

// ---- the connection ----

/** unix:path=… or unix:abstract=… (the first unix entry of a ;-separated address list). */
export function socketPath(address: string): string {
  for (const entry of address.split(';')) {
    const m = /^unix:(.*)$/.exec(entry);
    if (!m) continue;
    const kv = Object.fromEntries(m[1]!.split(',').map((p) => { const i = p.indexOf('='); return [p.slice(0, i), unescapeAddr(p.slice(i + 1))]; }));
    if (kv.path) return kv.path;
    if (kv.abstract) return '\0' + kv.abstract;
  }
  throw new Error(`unsupported D-Bus address ${address}`);
}
function unescapeAddr(s: string): string { return s.replace(/%([0-9a-fA-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))); }

/** The system bus, as libdbus and godbus find it. */
export function systemBusAddress(env: Record<string, string | undefined> = process.env): string {
  return env.DBUS_SYSTEM_BUS_ADDRESS || 'unix:path=/run/dbus/system_bus_socket';
}

type Pending = { resolve: (m: Message) => void; reject: (e: Error) => void };

export class Connection {
  private serial = 0;
  private buf = new Uint8Array(0);
  private readonly pending = new Map<number, Pending>();
  private readonly listeners: ((m: Message) => void)[] = [];
  private closedError: Error | null = null;
  uniqueName = '';
  /** settles with the bus's answer to Hello; a call sent before it is queued behind it */
  hello: Promise<void> = Promise.resolve();

  private constructor(private readonly sock: Socket) {
    sock.on('data', (chunk: Buffer) => this.onData(new Uint8Array(chunk)));
    const fail = (e: Error): void => {
      this.closedError ??= e;
      for (const p of this.pending.values()) p.reject(this.closedError);
      this.pending.clear();
    };
    sock.on('error', fail);
    sock.on('close', () => fail(new Error('D-Bus connection closed')));
  }

  /** Connects, authenticates as this process's uid (SASL EXTERNAL) and says Hello. */
  static async connect(address: string): Promise<Connection> {
    const { createConnection } = process.getBuiltinModule('node:net') as typeof import('node:net');
    const sock = createConnection({ path: socketPath(address) });
    await new Promise<void>((res, rej) => { sock.once('connect', res); sock.once('error', rej); });
    const uid = String(process.getuid?.() ?? 0);
    const hex = Array.from(new TextEncoder().encode(uid), (b) => b.toString(16).padStart(2, '0')).join('');
    const line = await new Promise<string>((res, rej) => {
      let got = '';
      const onData = (c: Buffer): void => {
        got += c.toString('latin1');
        if (!got.includes('\r\n')) return;
        sock.off('data', onData);
        res(got);
      };
      sock.on('data', onData);
      sock.once('error', rej);
      sock.write(`\0AUTH EXTERNAL ${hex}\r\n`);
    });
    if (!line.startsWith('OK ')) { sock.destroy(); throw new Error(`D-Bus authentication refused: ${line.trim()}`); }
    sock.write('BEGIN\r\n');
    const c = new Connection(sock);
    c.hello = c.call('org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus', 'Hello', '', []).then((m) => { c.uniqueName = m.body[0] as string; });
    // PERF: later calls go out right behind Hello (the bus handles a connection's messages in order)
    c.hello.catch(() => {});
    return c;
  }

  private onData(chunk: Uint8Array): void {
    const b = new Uint8Array(this.buf.length + chunk.length);
    b.set(this.buf);
    b.set(chunk, this.buf.length);
    this.buf = b;
    for (let n = messageLength(this.buf); n > 0; n = messageLength(this.buf)) {
      const m = decodeMessage(this.buf.subarray(0, n));
      this.buf = this.buf.slice(n);
      const p = m.replySerial !== undefined && (m.type === T.RETURN || m.type === T.ERROR) ? this.pending.get(m.replySerial) : undefined;
      if (p) {
        this.pending.delete(m.replySerial!);
        if (m.type === T.ERROR) p.reject(new DBusError(m.errorName ?? '', typeof m.body[0] === 'string' ? m.body[0] : m.errorName ?? 'D-Bus error'));
        else p.resolve(m);
        continue;
      }
      for (const l of this.listeners) l(m);
    }
  }

  private send(m: Omit<Message, 'serial'>): number {
    if (this.closedError) throw this.closedError;
    const serial = ++this.serial;
    this.sock.write(encodeMessage({ ...m, serial }));
    return serial;
  }

  call(destination: string, path: string, iface: string, member: string, signature: string, body: DBusValue[]): Promise<Message> {
    return new Promise<Message>((resolve, reject) => {
      try {
        const serial = this.send({ type: T.CALL, flags: 0, destination, path, iface, member, signature, body });
        this.pending.set(serial, { resolve, reject });
      } catch (e) { reject(e as Error); }
    });
  }

  /** Every message that is not a reply to one of our calls: signals, and calls made to us. */
  onMessage(l: (m: Message) => void): () => void {
    this.listeners.push(l);
    return () => { const i = this.listeners.indexOf(l); if (i >= 0) this.listeners.splice(i, 1); };
  }

  addMatch(rule: string): Promise<Message> {
    return this.call('org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus', 'AddMatch', 's', [rule]);
  }

  reply(to: Message, signature: string, body: DBusValue[]): void {
    this.send({ type: T.RETURN, flags: NO_REPLY_EXPECTED, replySerial: to.serial, destination: to.sender, signature, body });
  }

  replyError(to: Message, name: string, text: string): void {
    this.send({ type: T.ERROR, flags: NO_REPLY_EXPECTED, replySerial: to.serial, destination: to.sender, errorName: name, signature: 's', body: [text] });
  }

  emitSignal(path: string, iface: string, member: string, signature: string, body: DBusValue[]): void {
    this.send({ type: T.SIGNAL, flags: NO_REPLY_EXPECTED, path, iface, member, signature, body });
  }

  close(): void { this.sock.destroy(); }
}

export const MSG = T;
