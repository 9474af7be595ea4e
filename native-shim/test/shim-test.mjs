// shim-test.mjs — tests planc-shim: plans are encoded here by hand from docs/plan-format.md §1
// and the ops.def/flags.def tables, then decoded or applied for real; a last group applies
// plans made by build/planc-plan-native (hook timing, --no-pivot) against the same rootfs.
// Never leaves mounts, processes, cgroups or files behind; root-only cases skip without root.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../..');
const shim = process.env.PLANC_SHIM ?? path.join(repo, 'build/planc-shim');
const isRoot = process.getuid() === 0;

// ---- the tables, read from the same files the C decoder includes ----
const opsDef = fs.readFileSync(path.join(repo, 'wasm-core/ops.def'), 'utf8');
const OPS = {};
for (const m of opsDef.matchAll(/^OP\(\s*(\w+),\s*(\d+),\s*"(\w+)",\s*"(\w*)"/gm))
  OPS[m[3]] = { code: Number(m[2]), sig: m[4] };
const F = {};
for (const m of fs.readFileSync(path.join(repo, 'wasm-core/flags.def'), 'utf8')
  .matchAll(/^FLAG\(\s*(\w+),\s*(\w+),\s*(0x[0-9a-fA-F]+|\d+)\)/gm))
  F[m[2]] = Number(m[3]);
const LANES = { host: 0, container: 1, teardown: 2 };

// ---- encoder (§1) ----
const u32 = (v) => { const b = Buffer.alloc(4); b.writeUInt32LE(v >>> 0); return b; };
const u64 = (v) => { const b = Buffer.alloc(8); b.writeBigUInt64LE(BigInt(v)); return b; };
const str = (s) => { const b = Buffer.from(s, 'utf8'); return Buffer.concat([u32(b.length), b]); };
function encodeArg(t, v) {
  switch (t) {
    case 'u': case 'i': return u32(v);
    case 'U': return u64(v);
    case 's': return str(v);
    case 'S': return Buffer.concat([u32(v.length), ...v.map(str)]);
    case 'L': return Buffer.concat([u32(v.length), ...v.map(u32)]);
    case 'b': return Buffer.concat([u32(v.length), Buffer.from(v)]);
  }
  throw new Error(`bad sig ${t}`);
}
function encodeOp([lane, name, ...args], why = `test:${name}`) {
  const d = OPS[name];
  assert.ok(d, `unknown op ${name}`);
  assert.equal(args.length, d.sig.length, `${name} takes ${d.sig.length} args`);
  const body = Buffer.concat([str(why), ...[...d.sig].map((t, i) => encodeArg(t, args[i]))]);
  const hdr = Buffer.alloc(8);
  hdr.writeUInt16LE(d.code, 0); hdr.writeUInt8(LANES[lane], 2); hdr.writeUInt32LE(body.length, 4);
  return Buffer.concat([hdr, body]);
}
function encode(ops) {
  const hdr = Buffer.alloc(12);
  hdr.write('PLNC', 0); hdr.writeUInt16LE(1, 4); hdr.writeUInt32LE(ops.length, 8);
  return Buffer.concat([hdr, ...ops.map((o) => encodeOp(o))]);
}

// ---- running the shim ----
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'planc-shim-test.'));
let seq = 0;
function planFd(bytes) {
  const f = path.join(work, `plan.${seq++}`);
  fs.writeFileSync(f, bytes);
  return fs.openSync(f, 'r');
}

// runShim: resolves once the shim has exited and (unless detached) its stdio is closed
// control: fd 5 is the caller's control socket (written from onRecord via p.stdio[5]);
// wrap: a command line the shim runs under (the pty helper), whose stdin is then a pipe
function runShim(mode, bytes, { extraFds = [], onRecord, onStdout, detached = false, control = false, wrap = null } = {}) {
  return new Promise((resolve, reject) => {
    const fd = planFd(bytes);
    const args = mode === 'decode' ? ['decode', '3'] : [mode, '3', '4', ...(control ? ['5'] : [])];
    const stdio = [wrap ? 'pipe' : 'ignore', 'pipe', 'pipe', fd, mode === 'decode' ? 'ignore' : 'pipe',
      ...(control ? ['pipe'] : []), ...extraFds];
    const p = wrap ? spawn(wrap[0], [...wrap.slice(1), shim, ...args], { stdio }) : spawn(shim, args, { stdio });
    fs.closeSync(fd);
    const res = { pid: p.pid, stdout: '', stderr: '', records: [], code: null, signal: null };
    let pending = '';
    p.stdout.on('data', (d) => { res.stdout += d; onStdout?.(res.stdout, p); });
    p.stderr.on('data', (d) => { res.stderr += d; });
    p.stdio[4]?.on('end', () => { res.reportEnded = true; });
    p.stdio[4]?.on('data', (d) => {
      pending += d;
      let i;
      while ((i = pending.indexOf('\n')) >= 0) {
        const rec = JSON.parse(pending.slice(0, i));
        pending = pending.slice(i + 1);
        res.records.push(rec);
        onRecord?.(rec, p);
      }
    });
    const timer = setTimeout(() => { p.kill('SIGKILL'); reject(new Error(`shim ${mode} timed out`)); }, 15000);
    const done = () => { clearTimeout(timer); resolve(res); };
    if (detached) {
      // create mode: C keeps stdout and the report fd open; wait for P and its last record
      let exited = false;
      const check = () => exited && res.records.some((r) => r.type !== 'pending') && done();
      p.on('exit', (code, signal) => { res.code = code; res.signal = signal; exited = true; check(); });
      p.stdio[4].on('data', () => setImmediate(check));
    } else {
      p.on('close', (code, signal) => { res.code = code; res.signal = signal; done(); });
    }
    p.on('error', reject);
  });
}

const alive = (pid) => { try { process.kill(pid, 0); return true; } catch { return false; } };
const zombieOrGone = (pid) => {
  try { return /^State:\s+Z/m.test(fs.readFileSync(`/proc/${pid}/status`, 'utf8')); } catch { return true; }
};
const waitFor = async (pred, ms = 3000) => {
  for (const end = Date.now() + ms; Date.now() < end;) { if (pred()) return true; await new Promise((r) => setTimeout(r, 10)); }
  return pred();
};

// ---- fixtures ----
const rootfs = path.join(work, 'rootfs');
function makeRootfs() {
  const r = spawn('bash', [path.join(repo, 'scripts/mkrootfs.sh'), rootfs], { stdio: 'inherit' });
  return new Promise((res, rej) => r.on('close', (c) => (c === 0 ? res() : rej(new Error('mkrootfs failed')))));
}
const NS = (...names) => names.reduce((a, n) => a | F[`CLONE_NEW${n}`], 0);
const MS = (...names) => names.reduce((a, n) => a | F[`MS_${n}`], 0);

// the minimal container: the sequence of docs/plan-format.md §2 with a shell at the end
function containerPlan({ script, fifo, flags = NS('NS', 'PID', 'UTS'), extraHost = [], hostAfterClone = [], extraContainer = [], afterPivot = [], teardown = [], execve }) {
  return [
    ['host', 'mkfifo', fifo, 0o622],
    ...extraHost,
    ['host', 'clone', flags],
    ...hostAfterClone,
    ['host', 'sync_signal', F.SYNC_CHILD_MAY_RUN],
    ['host', 'sync_wait', F.SYNC_CHILD_READY],
    ['container', 'sync_wait', F.SYNC_CHILD_MAY_RUN],
    ['container', 'sethostname', 'planc-test'],
    ['container', 'mount', '', '/', '', MS('SLAVE', 'REC'), ''],
    ['container', 'mount', rootfs, rootfs, '', MS('BIND', 'REC'), ''],
    ['container', 'open_root', rootfs],
    ['container', 'mount_in_root', 'proc', F.SRC_STRING, '/proc', 'proc', MS('NOSUID', 'NODEV', 'NOEXEC'), '', 0],
    ['container', 'exec_fifo_open', fifo],
    ...extraContainer,
    ['container', 'pivot_root', rootfs],
    ...afterPivot,
    ['container', 'sync_signal', F.SYNC_CHILD_READY],
    ['container', 'exec_fifo_wait'],
    ['container', 'close_fds', 3],
    execve ?? ['container', 'execve', '/bin/sh', ['sh', '-c', script], ['PATH=/bin'], []],
    ['teardown', 'unlink', fifo],
    ...teardown,
  ];
}

// start: what the orchestrator's `start` does — open the exec fifo for reading, read "0"
async function start(fifo) {
  const h = await fs.promises.open(fifo, 'r').catch(() => null);
  if (!h) return 'no fifo';
  const { buffer, bytesRead } = await h.read(Buffer.alloc(8), 0, 8, null);
  await h.close();
  return buffer.subarray(0, bytesRead).toString();
}

// ---- tests ----
const tests = [];
// needs: returns why the host cannot run the test, or null
const test = (name, fn, { root = false, needs = () => null } = {}) => tests.push({ name, fn, root, needs });

test('decode prints every argument kind as the TypeScript decoder does', async () => {
  const plan = encode([
    ['host', 'mkdir', '/sys/fs/cgroup/memory/x', 0o755],
    ['host', 'clone', 0x20000n | 0x20000000n],
    ['container', 'setrlimit', F.RLIMIT_NOFILE, 0xffffffffffffffffn, 1024],
    ['container', 'setgroups', [0, 10, 4294967295]],
    ['container', 'execve', 'sh', ['sh', '-c', 'echo "hi"\n'], ['A=ü', 'B=🙂€'], ['/bin']],
    ['container', 'seccomp_set_filter', 1, [0x06, 0x00, 0xab, 0xff, 0, 0, 0, 0]],
    ['container', 'set_no_new_privs'],
  ]);
  const r = await runShim('decode', plan);
  assert.equal(r.code, 0, r.stdout);
  const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(lines[0], { index: 0, lane: 'host', op: 'mkdir', why: 'test:mkdir', args: ['/sys/fs/cgroup/memory/x', 0o755] });
  assert.deepEqual(lines[1].args, [String(0x20020000)]);
  assert.deepEqual(lines[2], { index: 2, lane: 'container', op: 'setrlimit', why: 'test:setrlimit', args: [7, '18446744073709551615', '1024'] });
  assert.deepEqual(lines[3].args, [[0, 10, 4294967295]]);
  assert.deepEqual(lines[4].args, ['sh', ['sh', '-c', 'echo "hi"\n'], ['A=ü', 'B=🙂€'], ['/bin']]);
  assert.deepEqual(lines[5].args, [1, '0600abff00000000']);
  assert.deepEqual(lines[6].args, []);
});

test('decode round-trips every op of ops.def with every argument kind', async () => {
  const sample = { u: [7, 7], i: [0xfffffffb, -5], U: [(1n << 40n) + 3n, String((1n << 40n) + 3n)], s: ['a"b\\c\u00e9', 'a"b\\c\u00e9'],
    S: [['x', ''], ['x', '']], L: [[1, 4294967295], [1, 4294967295]], b: [[0, 255, 16], '00ff10'] };
  const names = Object.keys(OPS);
  const lane = (n) => (n === 'clone' ? 'host' : 'teardown');   // no lane rule applies to decode
  const r = await runShim('decode', encode(names.map((n) => [lane(n), n, ...[...OPS[n].sig].map((t) => sample[t][0])])));
  assert.equal(r.code, 0, r.stdout);
  const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(lines.length, names.length);
  names.forEach((n, i) => assert.deepEqual(lines[i], {
    index: i, lane: lane(n), op: n, why: `test:${n}`, args: [...OPS[n].sig].map((t) => sample[t][1]),
  }));
});

// each malformed class, built from a good plan by one mutation, with the rule it must name
const good = () => encode([['host', 'mkdir', '/x', 0o755], ['host', 'clone', 0], ['container', 'chdir', '/']]);
const header = (count) => encode([]).fill(0, 8, 12).fill(count, 8, 9);
const mkdirOp = (delta, extra = []) => {
  const op = encodeOp(['host', 'mkdir', '/x', 0o755]);
  op.writeUInt32LE(op.readUInt32LE(4) + delta, 4);
  return Buffer.concat([header(1), op, Buffer.from(extra)]);
};
const malformed = {
  'bad magic': [(b) => { b.write('PLNX', 0); return b; }, /bad magic/],
  'bad version': [(b) => { b.writeUInt16LE(2, 4); return b; }, /unsupported version 2/],
  'reserved header field': [(b) => { b.writeUInt16LE(1, 6); return b; }, /reserved header field/],
  'unknown op code': [(b) => { b.writeUInt16LE(999, 12); return b; }, /op 0: unknown op code 999/],
  'unknown lane': [(b) => { b.writeUInt8(4, 14); return b; }, /op 0: unknown lane 4/],
  'reserved op field': [(b) => { b.writeUInt8(1, 15); return b; }, /op 0: reserved op field/],
  'body longer than its args': [() => mkdirOp(1, [0]), /op 0 mkdir: 1 bytes left in body/],
  'body shorter than its args': [() => mkdirOp(-2), /op 0 mkdir: arg 1: argument overruns/],
  'body_len beyond the plan': [() => mkdirOp(4), /op 0: body_len \d+ overruns the plan/],
  'string containing NUL': [() => encode([['host', 'mkdir', '/x\0y', 0o755]]), /op 0 mkdir: arg 0: string contains NUL/],
  'NUL in why': [() => Buffer.concat([header(1), encodeOp(['host', 'mkdir', '/x', 0o755], 'a\0b')]), /op 0 mkdir: why: string contains NUL/],
  'list count beyond the body': [() => { const b = encode([['host', 'setgroups', [1]]]); b.writeUInt32LE(0xffffff, b.length - 8); return b; }, /op 0 setgroups: arg 0: list overruns/],
  'trailing bytes': [(b) => Buffer.concat([b, Buffer.from([0])]), /1 trailing bytes after op 3/],
  'op_count larger than the ops': [(b) => { b.writeUInt32LE(4, 8); return b; }, /op_count 4 exceeds|op 3: truncated/],
  'op_count smaller than the ops': [(b) => { b.writeUInt32LE(2, 8); return b; }, /trailing bytes after op 2/],
  'truncated header': [(b) => b.subarray(0, 10), /truncated header/],
  'empty input': [() => Buffer.alloc(0), /bad magic/],
  'string that is not UTF-8': [() => { const b = encode([['host', 'mkdir', '/x\uFFFF', 0o755]]); b[b.length - 7] = 0xff; return b; }, /op 0 mkdir: arg 0: string is not UTF-8/],
  'overlong UTF-8': [() => { const b = encode([['host', 'mkdir', '/xx', 0o755]]); b.set([0xc0, 0xaf], b.length - 6); return b; }, /not UTF-8/],
};
test('decode accepts the unmutated plan', async () => {
  const r = await runShim('decode', good());
  assert.equal(r.code, 0, r.stdout);
  assert.equal(r.stdout.trim().split('\n').length, 3);
});
for (const [name, [mutate, rule]] of Object.entries(malformed)) {
  test(`decode rejects: ${name}`, async () => {
    const r = await runShim('decode', mutate(good()));
    assert.equal(r.code, 1, `accepted: ${r.stdout}`);
    const rec = JSON.parse(r.stdout.trim());
    assert.equal(rec.type, 'error');
    assert.equal(rec.step, -1);
    assert.equal(rec.errname, 'EINVAL');
    assert.match(rec.message, rule);
  });
}

test('a malformed plan applies nothing, not even the ops before the bad one', async () => {
  const dir = path.join(work, 'never-made');
  const bytes = encode([['host', 'mkdir', dir, 0o755], ['host', 'clone', 0], ['container', 'chdir', '/']]);
  const r = await runShim('run', Buffer.concat([bytes, Buffer.from([1])]));
  assert.equal(r.code, 1);
  assert.equal(r.records.length, 1);
  assert.equal(r.records[0].step, -1);
  assert.equal(fs.existsSync(dir), false);
}, { root: true });

for (const [name, ops, rule] of [
  ['a container op before clone', (d) => [['host', 'mkdir', d, 0o755], ['container', 'chdir', '/'], ['host', 'clone', 0]], /op 1 chdir: container op before clone/],
  ['a second clone', (d) => [['host', 'mkdir', d, 0o755], ['host', 'clone', 0], ['host', 'clone', 0]], /op 2: clone must be a single host op/],
  ['no clone at all', (d) => [['host', 'mkdir', d, 0o755]], /need a clone/],
]) {
  test(`create refuses ${name} before applying anything`, async () => {
    const dir = path.join(work, `never-made-${seq}`);
    const r = await runShim('create', encode(ops(dir)));
    assert.equal(r.code, 1);
    assert.equal(r.records.length, 1);
    assert.equal(r.records[0].step, -1);
    assert.match(r.records[0].message, rule);
    assert.equal(fs.existsSync(dir), false);
  }, { root: true });
}

test('run: minimal container sees its hostname and only its own mounts, exits with its status', async () => {
  const fifo = path.join(work, 'exec.fifo.run');
  const leak = fs.openSync(path.join(work, 'leak'), 'w');   // fd 5 in the shim, not O_CLOEXEC
  const plan = encode(containerPlan({ fifo, script: 'hostname; cat /proc/self/mountinfo; ls /proc/self/fd; exit 3' }));
  const t0 = Date.now();
  const r = await runShim('run', plan, {
    extraFds: [leak],
    onRecord: (rec) => { if (rec.type === 'created') start(fifo).then((v) => assert.equal(v, '0')); },
  });
  fs.closeSync(leak);
  assert.equal(r.code, 3, `${r.stderr} ${JSON.stringify(r.records)}`);
  assert.deepEqual(r.records.map((x) => x.type), ['created', 'exited']);
  assert.ok(r.records[0].pid > 0);
  assert.deepEqual(r.records[1], { type: 'exited', status: 3 });
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines[0], 'planc-test');
  const mounts = lines.filter((l) => / - /.test(l));
  assert.equal(mounts.length, 2, mounts.join('\n'));
  assert.match(mounts[0], /^\S+ \S+ \S+ \S+ \/ /);
  assert.match(mounts[1], / \/proc .* - proc /);
  const fds = lines.filter((l) => /^\d+$/.test(l));
  assert.deepEqual(fds, ['0', '1', '2', '3'], 'only stdio (and ls\'s own dir fd) reach the container');
  assert.equal(fs.existsSync(fifo), false, 'teardown removed the fifo');
  console.log(`      (run of a minimal container: ${Date.now() - t0} ms)`);
}, { root: true });

test('create: reports created and exits 0; the container waits sealed until the fifo is read', async () => {
  const fifo = path.join(work, 'exec.fifo.create');
  const plan = encode(containerPlan({ fifo, script: 'echo released' }));
  let out = '';
  const r = await runShim('create', plan, { detached: true, onStdout: (s) => { out = s; } });
  assert.equal(r.code, 0, JSON.stringify(r.records));
  assert.equal(r.records[0].type, 'created');
  const pid = r.records[0].pid;
  assert.ok(alive(pid), 'container init waits after the shim exits');
  // SECURITY invariant 5: what waits is the sealed memfd copy, not the binary on disk
  assert.match(fs.readlinkSync(`/proc/${pid}/exe`), /^\/memfd:planc-shim/);
  assert.throws(() => {
    const w = fs.openSync(`/proc/${pid}/exe`, 'r+');
    try { fs.writeSync(w, 'x', 0); } finally { fs.closeSync(w); }
  }, /EPERM|ETXTBSY|EACCES/, 'the sealed copy cannot be written');
  assert.equal(out, '', 'nothing ran before start');
  assert.ok(await waitFor(() => r.reportEnded), 'C let go of the report pipe: a reader sees EOF before start');
  assert.equal(await start(fifo), '0');
  assert.ok(await waitFor(() => out.includes('released')), 'start released the container');
  assert.ok(await waitFor(() => zombieOrGone(pid)), 'the container process ran to its end');
  fs.rmSync(fifo, { force: true });
}, { root: true });

test('create: an execve failure after created goes to the container stderr, not the closed report pipe', async () => {
  const fifo = path.join(work, 'exec.fifo.enoent');
  const plan = encode(containerPlan({ fifo, script: '', execve: ['container', 'execve', '/no/such/binary', ['x'], [], []] }));
  const r = await runShim('create', plan, { detached: true });
  assert.equal(r.code, 0);
  const pid = r.records[0].pid;
  assert.equal(await start(fifo), '0');
  assert.ok(await waitFor(() => zombieOrGone(pid)));
  assert.ok(await waitFor(() => r.stderr.includes('\n')), 'error line written');
  // a plain line for whoever reads the container's stderr, not a JSON record
  assert.equal(r.stderr, 'exec /no/such/binary: no such file or directory\n');
  assert.equal(r.records.length, 1, 'nothing more on the report pipe');
  fs.rmSync(fifo, { force: true });
}, { root: true });

test('run: forwarded SIGTERM reaches the container; a signal death is 128+sig', async () => {
  const fifo = path.join(work, 'exec.fifo.sig');
  const plan = encode(containerPlan({ fifo, script: 'trap "exit 7" TERM; echo ready; while :; do sleep 0.05; done' }));
  let sent = false;
  const r = await runShim('run', plan, {
    onRecord: (rec) => { if (rec.type === 'created') start(fifo); },
    onStdout: (s, p) => { if (!sent && s.includes('ready')) { sent = true; p.kill('SIGTERM'); } },
  });
  assert.equal(r.code, 7);
  assert.deepEqual(r.records.at(-1), { type: 'exited', status: 7 });

  const fifo2 = path.join(work, 'exec.fifo.kill');
  const r2 = await runShim('run', encode(containerPlan({ fifo: fifo2, flags: NS('NS', 'UTS'), script: 'kill -KILL $$' })), {
    onRecord: (rec) => { if (rec.type === 'created') start(fifo2); },
  });
  assert.equal(r2.code, 137);
  assert.deepEqual(r2.records.at(-1), { type: 'exited', status: 137 });
}, { root: true });

test('mounts, masks, nodes and credentials: each op has its effect inside the container', async () => {
  const fifo = path.join(work, 'exec.fifo.attrs');
  const hostDir = fs.mkdtempSync(path.join(work, 'hostdir.'));
  const hostFile = path.join(work, 'hostfile');
  fs.chmodSync(hostDir, 0o755);
  fs.writeFileSync(path.join(hostDir, 'seen'), '');
  fs.writeFileSync(hostFile, 'from-host\n');
  const bit = (...caps) => caps.reduce((a, c) => a | (1n << BigInt(F[c])), 0n);
  const kept = bit('CAP_NET_BIND_SERVICE', 'CAP_KILL');
  const allowAll = [0x06, 0, 0, 0, 0, 0, 0xff, 0x7f];   // BPF_RET|BPF_K SECCOMP_RET_ALLOW
  const script = [
    'grep -E "^(Uid|Gid|Groups|CapAmb|CapBnd|NoNewPrivs|Seccomp):" /proc/self/status',
    'echo nofile=$(ulimit -Sn)/$(ulimit -Hn) umask=$(umask) pwd=$(pwd)',
    'echo timer_list=$(wc -c </proc/timer_list) bus=$(ls /proc/bus | wc -l)',
    'echo host=$(ls /mnt/host) file=$(cat /etc/hostfile) passwd=$(head -c 4 /mnt/passwd)',
    'touch /mnt/host/x 2>/dev/null && echo rw || echo ro',
    'echo owner=$(stat -c %u:%g /home/u) fd=$(readlink /dev/fd) null=$(stat -c %t,%T /dev/null)',
    'ls /nope 2>/dev/null || echo nope-absent',
    'echo cgroupns=$(readlink /proc/self/ns/cgroup)',
  ].join('; ');
  const plan = encode(containerPlan({
    fifo, script,
    extraContainer: [
      ['container', 'unshare', NS('CGROUP')],
      ['container', 'mkdir_in_root', '/dev', 0o755],
      ['container', 'mknod_in_root', '/dev/null', 0o020666, 1, 3],
      ['container', 'symlink_in_root', '/proc/self/fd', '/dev/fd'],
      ['container', 'symlink_in_root', '/proc/self/fd', '/dev/fd'],    // same target again: success
      ['container', 'mask_path', '/proc/timer_list'],
      ['container', 'mask_path', '/proc/bus'],
      ['container', 'mask_path', '/proc/no-such-entry'],
      ['container', 'mount_in_root', hostDir, F.SRC_HOST_PATH, '/mnt/host', '', MS('BIND'), '', F.PATH_CREATE],
      ['container', 'mount_in_root', '', F.SRC_NONE, '/mnt/host', '', MS('REMOUNT', 'BIND', 'RDONLY'), '', 0],
      ['container', 'mount_in_root', hostFile, F.SRC_HOST_PATH, '/etc/hostfile', '', MS('BIND'), '', F.PATH_CREATE],
      ['container', 'mount_in_root', '/etc/passwd', F.SRC_IN_ROOT, '/mnt/passwd', '', MS('BIND'), '', F.PATH_CREATE],
      ['container', 'mount_in_root', 'tmpfs', F.SRC_STRING, '/nope', 'tmpfs', 0, '', F.PATH_MISSING_OK],
      ['container', 'mount_in_root', '/proc/absent', F.SRC_IN_ROOT, '/proc/absent', '', MS('BIND'), '', F.PATH_MISSING_OK],
      ['container', 'mount_in_root', '/nope2', F.SRC_IN_ROOT, '/etc', '', MS('BIND'), '', F.PATH_MISSING_OK],
      ['container', 'mkdir_in_root', '/home/u', 0o750],
      ['container', 'chown_in_root', '/home/u', 1000, 1000],
    ],
    afterPivot: [
      ['container', 'setrlimit', F.RLIMIT_NOFILE, 100, 200],
      ['container', 'umask', 0o027],
      ['container', 'capbset_drop', bit('CAP_SYS_ADMIN')],
      ['container', 'set_keepcaps', 1],
      ['container', 'setgroups', [1000, 1001]],
      ['container', 'setresgid', 1000, 1000, 1000],
      ['container', 'setresuid', 1000, 1000, 1000],
      ['container', 'capset', kept, kept, kept],
      ['container', 'cap_ambient_raise', bit('CAP_NET_BIND_SERVICE')],
      ['container', 'set_no_new_privs'],
      ['container', 'chdir', '/home/u'],
      ['container', 'seccomp_set_filter', 0, allowAll],
    ],
    execve: ['container', 'execve', 'sh', ['sh', '-c', script], ['PATH=/bin'], ['/no/such/dir', '/bin']],
  }));
  try {
    const r = await runShim('run', plan, { onRecord: (rec) => { if (rec.type === 'created') start(fifo); } });
    assert.equal(r.code, 0, `${r.stdout} ${JSON.stringify(r.records)}`);
    const out = r.stdout;
    assert.match(out, /^Uid:\s+1000\s+1000\s+1000\s+1000$/m);
    assert.match(out, /^Gid:\s+1000\s+1000\s+1000\s+1000$/m);
    assert.match(out, /^Groups:\s+1000 1001\s*$/m);
    assert.match(out, /^CapAmb:\s+0000000000000400$/m);
    const bnd = BigInt('0x' + out.match(/^CapBnd:\s+(\w+)$/m)[1]);
    assert.equal(bnd & bit('CAP_SYS_ADMIN'), 0n, 'CAP_SYS_ADMIN dropped from the bounding set');
    assert.notEqual(bnd & bit('CAP_CHOWN'), 0n, 'other bounding caps kept');
    assert.match(out, /^NoNewPrivs:\s+1$/m);
    assert.match(out, /^Seccomp:\s+2$/m);
    assert.match(out, /nofile=100\/200 umask=0027 pwd=\/home\/u/);
    assert.match(out, /timer_list=0 bus=0/);
    assert.match(out, /host=seen file=from-host passwd=root/);
    assert.match(out, /^ro$/m);
    assert.match(out, /owner=1000:1000 fd=\/proc\/self\/fd null=1,3/);
    assert.match(out, /nope-absent/);
    const ns = out.match(/cgroupns=(\S+)/)[1];
    assert.match(ns, /^cgroup:\[\d+\]$/);
    assert.notEqual(ns, fs.readlinkSync('/proc/self/ns/cgroup'), 'unshare made a new cgroup namespace');
    assert.equal(fs.existsSync(path.join(rootfs, 'nope')), false, 'PATH_MISSING_OK created nothing');
  } finally {
    for (const p of ['mnt', 'home', 'etc/hostfile', 'dev/null', 'dev/fd']) fs.rmSync(path.join(rootfs, p), { recursive: true, force: true });
  }
}, { root: true });

test('in-root paths: absolute and relative symlinks pointing outside stay inside the root', async () => {
  const outside = fs.mkdtempSync(path.join(work, 'outside.'));     // exists on the host ...
  fs.mkdirSync(path.join(rootfs, outside), { recursive: true });   // ... and at the same path in root
  fs.symlinkSync(outside, path.join(rootfs, 'evil'));
  fs.symlinkSync('../../../../../../../../..' + outside, path.join(rootfs, 'rel'));
  try {
    const plan = encode([
      ['host', 'clone', NS('NS')],
      ['container', 'mount', '', '/', '', MS('PRIVATE', 'REC'), ''],
      ['container', 'open_root', rootfs],
      ['container', 'mkdir_in_root', '/evil/newdir', 0o700],
      ['container', 'symlink_in_root', 'x', '/rel/marker'],
      ['container', 'mount_in_root', 'tmpfs', F.SRC_STRING, '/rel/mnt', 'tmpfs', 0, '', F.PATH_CREATE],
      ['container', 'execve', '/bin/cat', ['cat', '/proc/self/mountinfo'], [], []],
    ]);
    const r = await runShim('run', plan);
    assert.equal(r.code, 0, JSON.stringify(r.records));
    for (const n of ['newdir', 'marker', 'mnt']) {
      assert.equal(fs.existsSync(path.join(outside, n)), false, `${n} escaped to the host`);
      assert.ok(fs.lstatSync(path.join(rootfs, outside, n)), `${n} made inside the root`);
    }
    assert.equal(fs.statSync(path.join(rootfs, outside, 'newdir')).mode & 0o7777, 0o700);
    assert.match(r.stdout, new RegExp(` ${rootfs}${outside}/mnt .* - tmpfs `));
    assert.doesNotMatch(r.stdout, new RegExp(` ${outside}/mnt `));
    // a node is never made through a link, not even one that stays inside the root
    const nod = await runShim('run', encode([
      ['host', 'clone', NS('NS')],
      ['container', 'open_root', rootfs],
      ['container', 'mknod_in_root', '/evil/fifo', 0o010640, 0, 0],
      ['container', 'execve', '/bin/true', ['true'], [], []],
    ]));
    assert.equal(nod.records.find((x) => x.type === 'error')?.errname, 'ELOOP', JSON.stringify(nod.records));
    for (const d of [outside, path.join(rootfs, outside)]) assert.equal(fs.existsSync(path.join(d, 'fifo')), false);
  } finally {
    fs.rmSync(path.join(rootfs, 'evil')); fs.rmSync(path.join(rootfs, 'rel'));
    fs.rmSync(path.join(rootfs, work), { recursive: true, force: true });
  }
}, { root: true });

// C's pid as P sees it, written to pidFile by a hook C runs (the hook's stdin is prefix + pid + suffix)
const pidHook = (pidFile) => ['container', 'run_hook', '/bin/sh', ['sh', '-c', `cat > ${pidFile}`], [], '', '', 0];

// the failing host op comes once C has told P its pid is on disk (CHILD_HOOKS), so P fails while C waits
async function failingPlan(failing, { atContainer, flags = NS('NS', 'PID'), ...opts }) {
  const pidFile = path.join(work, `child.pid.${seq}`);
  const cg = path.join(work, `made-by-host-lane.${seq}`);
  fs.writeFileSync(pidFile, '');
  const ops = [
    ['host', 'mkdir', cg, 0o755],
    ['host', 'clone', flags],
    ['host', 'sync_signal', F.SYNC_CHILD_MAY_RUN],
    ['host', 'sync_wait', F.SYNC_CHILD_HOOKS],
    ...(atContainer ? [] : [failing]),
    ['host', 'sync_signal', F.SYNC_HOOKS_DONE],
    ['host', 'sync_wait', F.SYNC_CHILD_READY],
    ['container', 'sync_wait', F.SYNC_CHILD_MAY_RUN],
    pidHook(pidFile),
    ['container', 'sync_signal', F.SYNC_CHILD_HOOKS],
    ['container', 'sync_wait', F.SYNC_HOOKS_DONE],
    ['container', 'mount', '', '/', '', MS('SLAVE', 'REC'), ''],
    ['container', 'open_root', rootfs],
    ...(atContainer ? [failing] : []),
    ['container', 'sync_signal', F.SYNC_CHILD_READY],
    ['container', 'execve', '/bin/true', ['true'], [], []],
    ['teardown', 'rmdir', cg],
  ];
  const r = await runShim('create', encode(ops), opts);
  const pid = Number(fs.readFileSync(pidFile, 'utf8'));
  return { r, pid, cg, step: ops.indexOf(failing) };
}

test('a failing container op reports its step and errno once; no child, teardown applied', async () => {
  const failing = ['container', 'mount_in_root', 'x', F.SRC_STRING, '/proc', 'nosuchfs', 0, '', 0];
  const { r, pid, cg, step } = await failingPlan(failing, { atContainer: true });
  assert.equal(r.code, 1);
  assert.deepEqual(r.records, [{
    type: 'error', step, lane: 'container', op: 'mount_in_root', errno: 19, errname: 'ENODEV',
    message: 'mount_in_root x -> /proc: no such device',
  }]);
  assert.ok(pid > 0 && zombieOrGone(pid), 'child reaped');
  assert.equal(fs.existsSync(cg), false, 'teardown lane ran');
}, { root: true });

test('a failing host op after clone kills and reaps the waiting child', async () => {
  const failing = ['host', 'write_file', '/nonexistent/planc/cgroup.procs', '1'];
  const { r, pid, cg, step } = await failingPlan(failing, { atContainer: false });
  assert.equal(r.code, 1);
  assert.equal(r.records.length, 1);
  assert.deepEqual(r.records[0], {
    type: 'error', step, lane: 'host', op: 'write_file', errno: 2, errname: 'ENOENT',
    message: 'write_file /nonexistent/planc/cgroup.procs: no such file or directory',
  });
  assert.ok(pid > 0 && zombieOrGone(pid), 'child killed and reaped');
  assert.equal(fs.existsSync(cg), false, 'teardown lane ran');
}, { root: true });

// the cgroup2 mount and a v1 pids hierarchy, as on the hybrid hosts planc runs on
const cgroupMounts = () => {
  const mi = fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' '));
  const v2 = mi.find((f) => f[f.indexOf('-') + 1] === 'cgroup2')?.[4];
  const pids = mi.find((f) => f[f.indexOf('-') + 1] === 'cgroup' && /(^|,)pids(,|$)/.test(f[f.indexOf('-') + 3] ?? ''))?.[4];
  return { v2, pids };
};
const needsHybrid = () => (cgroupMounts().v2 && cgroupMounts().pids ? null : 'needs a cgroup2 mount and a v1 pids hierarchy');

test('clone_into_cgroup starts C in the cgroup2 cgroup; cgroup_join_self moves C into a v1 cgroup', async () => {
  const { v2, pids } = cgroupMounts();
  const leaf = `planc-test/shim-${process.pid}-${seq}`;
  const dirs = [path.join(v2, leaf), path.join(pids, leaf)];
  const r = await runShim('run', encode([
    ['host', 'mkdir', path.join(v2, 'planc-test'), 0o755], ['host', 'mkdir', dirs[0], 0o755],
    ['host', 'mkdir', path.join(pids, 'planc-test'), 0o755], ['host', 'mkdir', dirs[1], 0o755],
    ['host', 'write_file', path.join(dirs[1], 'pids.max'), '8'],
    ['host', 'clone_into_cgroup', NS('NS', 'PID'), dirs[0]],
    ['host', 'sync_signal', F.SYNC_CHILD_MAY_RUN],
    ['host', 'sync_wait', F.SYNC_CHILD_READY],
    ['container', 'sync_wait', F.SYNC_CHILD_MAY_RUN],
    ['container', 'cgroup_join_self', path.join(dirs[1], 'tasks')],
    ['container', 'sync_signal', F.SYNC_CHILD_READY],
    ['container', 'execve', '/bin/cat', ['cat', '/proc/self/cgroup'], [], []],
    ['teardown', 'rmdir', dirs[0]], ['teardown', 'rmdir', dirs[1]],
  ]));
  assert.equal(r.code, 0, JSON.stringify(r.records) + r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.ok(lines.includes(`0::/${leaf}`), `not born in the cgroup2 cgroup:\n${r.stdout}`);
  assert.ok(lines.some((l) => l.endsWith(`:pids:/${leaf}`)), `not in the pids cgroup:\n${r.stdout}`);
  for (const d of dirs) assert.equal(fs.existsSync(d), false, `${d} left behind`);
}, { root: true, needs: needsHybrid });

test('clone_into_cgroup and cgroup_join_self name the cgroup and errno when they fail; nothing is left', async () => {
  const { v2 } = cgroupMounts();
  const cg = path.join(work, `made-by-host-lane.${seq++}`);
  const missing = path.join(v2, 'planc-test', 'no-such-cgroup');
  const clone = await runShim('run', encode([
    ['host', 'mkdir', cg, 0o755],
    ['host', 'clone_into_cgroup', NS('NS'), missing],
    ['host', 'sync_signal', F.SYNC_CHILD_MAY_RUN],
    ['host', 'sync_wait', F.SYNC_CHILD_READY],
    ['container', 'sync_wait', F.SYNC_CHILD_MAY_RUN],
    ['container', 'sync_signal', F.SYNC_CHILD_READY],
    ['container', 'execve', '/bin/true', ['true'], [], []],
    ['teardown', 'rmdir', cg],
  ]));
  assert.equal(clone.code, 1);
  assert.deepEqual(clone.records, [{ type: 'error', step: 1, lane: 'host', op: 'clone_into_cgroup', errno: 2, errname: 'ENOENT',
    message: `clone_into_cgroup ${missing}: no such file or directory` }]);
  assert.equal(fs.existsSync(cg), false, 'teardown lane ran');
  const failing = ['container', 'cgroup_join_self', path.join(missing, 'tasks')];
  const { r, pid, step } = await failingPlan(failing, { atContainer: true });
  assert.equal(r.code, 1);
  assert.deepEqual(r.records, [{ type: 'error', step, lane: 'container', op: 'cgroup_join_self', errno: 2, errname: 'ENOENT',
    message: `cgroup_join_self ${path.join(missing, 'tasks')}: no such file or directory` }]);
  assert.ok(pid > 0 && zombieOrGone(pid), 'child reaped');
}, { root: true, needs: needsHybrid });

// eBPF for BPF_PROG_TYPE_CGROUP_DEVICE: deny c 1:3 (/dev/null), allow anything else
const ebpf = (code, dst, src, off, imm) => { const b = Buffer.alloc(8); b[0] = code; b[1] = dst | (src << 4); b.writeInt16LE(off, 2); b.writeInt32LE(imm, 4); return b; };
const denyNull = Buffer.concat([
  ebpf(0x61, 2, 1, 0, 0), ebpf(0x54, 2, 0, 0, 0xffff), ebpf(0x61, 4, 1, 4, 0), ebpf(0x61, 5, 1, 8, 0),
  ebpf(0x55, 2, 0, 4, 2), ebpf(0x55, 4, 0, 3, 1), ebpf(0x55, 5, 0, 2, 3),
  ebpf(0xb4, 0, 0, 0, 0), ebpf(0x95, 0, 0, 0, 0), ebpf(0xb4, 0, 0, 0, 1), ebpf(0x95, 0, 0, 0, 0),
]);

test('bpf_device_filter: C, cloned into the cgroup after it, cannot open the device the program denies', async () => {
  const { v2 } = cgroupMounts();
  const dir = path.join(v2, 'planc-test', `shim-bpf-${process.pid}-${seq}`);
  const r = await runShim('run', encode([
    ['host', 'mkdir', path.join(v2, 'planc-test'), 0o755], ['host', 'mkdir', dir, 0o755],
    ['host', 'bpf_device_filter', dir, 'Apache', [...denyNull]],
    ['host', 'clone_into_cgroup', NS('NS'), dir],
    ['host', 'sync_signal', F.SYNC_CHILD_MAY_RUN],
    ['host', 'sync_wait', F.SYNC_CHILD_READY],
    ['container', 'sync_wait', F.SYNC_CHILD_MAY_RUN],
    ['container', 'sync_signal', F.SYNC_CHILD_READY],
    ['container', 'execve', '/bin/sh', ['sh', '-c', '(exec 3</dev/zero) && echo zero-ok; (exec 3</dev/null) 2>&1 || echo null-denied; grep "^Max locked" /proc/self/limits'], ['PATH=/bin:/usr/bin'], []],
    ['teardown', 'rmdir', dir],
  ]));
  assert.equal(r.code, 0, JSON.stringify(r.records) + r.stderr);
  assert.match(r.stdout, /^zero-ok\n.*Operation not permitted\nnull-denied\n/s);
  // the memlock limit the load lifts is back to the caller's before the clone
  const memlock = fs.readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max locked'));
  assert.equal(r.stdout.trim().split('\n').at(-1), memlock?.trimEnd());
  assert.equal(fs.existsSync(dir), false, 'teardown removed the cgroup');
}, { root: true, needs: needsHybrid });

test('bpf_device_filter names the cgroup, the bpf step and errno when it fails', async () => {
  const { v2 } = cgroupMounts();
  const dir = path.join(v2, 'planc-test', `shim-bpf-${process.pid}-${seq}`);
  const missing = path.join(v2, 'planc-test', 'no-such-cgroup');
  const loop = [...ebpf(0x05, 0, 0, -1, 0)];   // ja -1: the verifier refuses a program that never exits
  const r = await runShim('host', encode([
    ['host', 'mkdir', path.join(v2, 'planc-test'), 0o755], ['host', 'mkdir', dir, 0o755],
    ['host', 'bpf_device_filter', dir, 'Apache', loop],
  ]));
  fs.rmdirSync(dir);
  assert.equal(r.code, 1);
  assert.deepEqual(r.records, [{ type: 'error', step: 2, lane: 'host', op: 'bpf_device_filter', errno: 22, errname: 'EINVAL',
    message: `bpf_device_filter ${dir}: BPF_PROG_LOAD: invalid argument` }]);
  const gone = await runShim('host', encode([['host', 'bpf_device_filter', missing, 'Apache', [...denyNull]]]));
  assert.deepEqual(gone.records.map((x) => [x.step, x.errname, x.message]), [[0, 'ENOENT', `bpf_device_filter ${missing}: no such file or directory`]]);
}, { root: true, needs: needsHybrid });

test('a sync point: C goes on only once P has signalled it, after the host ops planned before it', async () => {
  const mark = path.join(work, `joined.${seq}`);
  const r = await runShim('run', encode([
    ['host', 'clone', NS('NS', 'PID')],
    ['host', 'sync_signal', F.SYNC_CHILD_MAY_RUN],
    ['host', 'mkdir', mark, 0o755],
    ['host', 'sync_signal', F.SYNC_HOOKS_DONE],
    ['host', 'sync_wait', F.SYNC_CHILD_READY],
    ['container', 'sync_wait', F.SYNC_CHILD_MAY_RUN],
    ['container', 'sync_wait', F.SYNC_HOOKS_DONE],
    ['container', 'sync_signal', F.SYNC_CHILD_READY],
    ['container', 'execve', '/bin/sh', ['sh', '-c', `test -d ${mark}`], [], []],
    ['teardown', 'rmdir', mark],
  ]));
  assert.equal(r.code, 0, JSON.stringify(r.records) + r.stderr);
  assert.deepEqual(r.records.map((x) => x.type), ['created', 'exited']);
  assert.equal(r.records[1].status, 0, 'C saw what P made before the signal');
  assert.equal(fs.existsSync(mark), false);
}, { root: true });

test('container init dying before READY is reported by P', async () => {
  const { r, step } = await failingPlan(['container', 'execve', '/bin/true', ['true'], [], []], { atContainer: true });
  // C exec'd /bin/true instead of signalling READY: P sees EOF on the sync socket
  assert.equal(r.code, 1);
  assert.equal(r.records.length, 1);
  assert.equal(r.records[0].op, 'sync_wait');
  assert.equal(r.records[0].lane, 'host');
  assert.match(r.records[0].message, /container init exited before it was ready/);
  void step;
}, { root: true });

// one BPF instruction: return <ret> for every syscall
const filterAll = (ret) => Buffer.concat([Buffer.from([6, 0, 0, 0]), u32(ret)]);
const underFilter = (ret, after) => [
  ['host', 'clone', NS('PID')],
  ['host', 'sync_signal', F.SYNC_CHILD_MAY_RUN],
  ['host', 'sync_wait', F.SYNC_CHILD_READY],
  ['host', 'sync_wait', F.SYNC_CHILD_DONE],
  ['container', 'sync_wait', F.SYNC_CHILD_MAY_RUN],
  ['container', 'sync_signal', F.SYNC_CHILD_READY],
  ...(ret === null ? [] : [['container', 'seccomp_set_filter', 0, filterAll(ret)]]),
  ...after,
  ['container', 'sync_close', F.SYNC_CHILD_DONE],
  ['container', 'execve', '/bin/true', ['true'], [], []],
];

test('sync_close: the EOF at CHILD_DONE is the point; P reports created once C closed its end', async () => {
  const r = await runShim('run', encode(underFilter(null, [['container', 'chdir', '/']])));
  assert.equal(r.code, 0, JSON.stringify(r.records) + r.stderr);
  assert.deepEqual(r.records.map((x) => x.type), ['created', 'exited']);
}, { root: true });

for (const [what, ret, says] of [['denies', 0x00050001, /chdir \/: operation not permitted \(under the seccomp filter of step 6\)/],
  ['kills on', 0x80000000, /chdir killed by signal 31 .*\(under the seccomp filter of step 6\)/]]) {
  test(`a filter that ${what} every syscall after it: P writes C's record from the shared page, C does not spin`, async () => {
    const t0 = Date.now();
    const r = await runShim('run', encode(underFilter(ret, [['container', 'chdir', '/']])));
    assert.equal(r.code, 1, JSON.stringify(r.records) + r.stderr);
    assert.equal(r.records.length, 1, JSON.stringify(r.records));
    assert.equal(r.records[0].step, 7);
    assert.equal(r.records[0].op, 'chdir');
    assert.match(r.records[0].message, says);
    assert.ok(Date.now() - t0 < 2000, 'C ended by itself though exit was denied');
  }, { root: true });
}

test('exec_check fails create with Go\'s exec.LookPath text for a missing, unfound or non-executable command', async () => {
  // failingPlan does not pivot: C resolves in the host's root, so the paths name the rootfs
  const ne = path.join(rootfs, 'not-exec'), bin = path.join(rootfs, 'bin');
  fs.writeFileSync(ne, 'x');
  fs.chmodSync(ne, 0o644);
  const cases = [
    [['/nonexistent', []], 'ENOENT', 'exec_check exec: "/nonexistent": stat /nonexistent: no such file or directory'],
    [['nosuchcmd', [bin, '/nope']], 'ENOENT', 'exec_check exec: "nosuchcmd": executable file not found in $PATH'],
    [['sh', []], 'ENOENT', 'exec_check exec: "sh": executable file not found in $PATH'],
    [['not-exec', [rootfs]], 'ENOENT', 'exec_check exec: "not-exec": executable file not found in $PATH'],
    [[ne, []], 'EACCES', `exec_check exec: "${ne}": permission denied`],
    [[bin, []], 'EACCES', `exec_check exec: "${bin}": permission denied`],
  ];
  try {
    for (const [[file, search], errname, message] of cases) {
      const failing = ['container', 'exec_check', file, search];
      const { r, pid, cg, step } = await failingPlan(failing, { atContainer: true });
      assert.equal(r.code, 1, file);
      assert.deepEqual(r.records.map((x) => [x.step, x.op, x.errname, x.message]), [[step, 'exec_check', errname, message]]);
      assert.ok(pid > 0 && zombieOrGone(pid), 'child reaped');
      assert.equal(fs.existsSync(cg), false, 'teardown lane ran');
    }
  } finally {
    fs.rmSync(ne, { force: true });
  }
}, { root: true });

test('exec_check passes a command found in the search path (after pivot_root, in the container\'s root)', async () => {
  const fifo = path.join(work, 'exec.fifo.check');
  const plan = encode(containerPlan({
    fifo, script: 'echo checked', afterPivot: [['container', 'exec_check', 'sh', ['/no/such/dir', '/etc', '/bin']]],
  }));
  const r = await runShim('run', plan, { onRecord: (rec) => { if (rec.type === 'created') start(fifo); } });
  assert.equal(r.code, 0, JSON.stringify(r.records));
  assert.equal(r.stdout.trim(), 'checked');
}, { root: true });

test('mount_in_root PATH_COPY_UP: the new tmpfs holds the rootfs\'s files with owner, mode and times; the rootfs is untouched', async () => {
  const fifo = path.join(work, 'exec.fifo.copyup');
  const d = path.join(rootfs, 'cu');
  fs.mkdirSync(path.join(d, 'sub'), { recursive: true });
  fs.writeFileSync(path.join(d, 'f'), 'hello\n');
  fs.chownSync(path.join(d, 'f'), 1234, 5678);
  fs.chmodSync(path.join(d, 'f'), 0o4640);
  fs.utimesSync(path.join(d, 'f'), 1000000000, 1000000000);
  fs.writeFileSync(path.join(d, 'sub', 'g'), 'deep\n');
  fs.chmodSync(path.join(d, 'sub'), 0o710);
  fs.symlinkSync('/etc/passwd', path.join(d, 'l'));
  fs.lchownSync(path.join(d, 'l'), 42, 43);
  const script = [
    'grep " /cu " /proc/mounts | cut -d" " -f3',
    'stat -c "%n %a %u:%g %Y" /cu/f /cu/sub',
    'cat /cu/f /cu/sub/g',
    'echo link=$(readlink /cu/l) $(stat -c %u:%g /cu/l)',
    'touch /cu/new',
  ].join('; ');
  const plan = encode(containerPlan({
    fifo, script,
    extraContainer: [['container', 'mount_in_root', 'tmpfs', F.SRC_STRING, '/cu', 'tmpfs', 0, 'mode=755', F.PATH_COPY_UP]],
  }));
  try {
    const r = await runShim('run', plan, { onRecord: (rec) => { if (rec.type === 'created') start(fifo); } });
    assert.equal(r.code, 0, `${r.stdout} ${JSON.stringify(r.records)}`);
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines[0], 'tmpfs');
    assert.equal(lines[1], '/cu/f 4640 1234:5678 1000000000');
    assert.match(lines[2], /^\/cu\/sub 710 0:0 \d+$/);
    assert.deepEqual(lines.slice(3, 5), ['hello', 'deep']);
    assert.equal(lines[5], 'link=/etc/passwd 42:43');
    assert.equal(fs.existsSync(path.join(d, 'new')), false, 'writes went to the tmpfs, not the rootfs');
  } finally {
    fs.rmSync(d, { recursive: true, force: true });
  }
}, { root: true });

test('user namespace: clone NEWUSER, uid_map/gid_map from the host lane; C is root in it and mapped', async () => {
  const fifo = path.join(work, 'exec.fifo.userns');
  const plan = encode(containerPlan({
    fifo, flags: NS('NS', 'PID', 'UTS', 'USER'),
    script: 'cat /proc/self/uid_map /proc/self/gid_map; id -u; id -g; cat /proc/self/setgroups',
    hostAfterClone: [['host', 'write_child_proc', 'uid_map', '0 100000 65536\n'], ['host', 'write_child_proc', 'gid_map', '0 100000 65536\n']],
    extraContainer: [['container', 'mkdir_in_root', '/dev', 0o755],
      ['container', 'mount_in_root', '/dev/null', F.SRC_HOST_PATH, '/dev/null', 'bind', MS('BIND'), '', F.PATH_CREATE]],
    afterPivot: [['container', 'setresgid', 0, 0, 0], ['container', 'setresuid', 0, 0, 0]],
    execve: ['container', 'execve', '/bin/sh', ['sh', '-c', 'cat /proc/self/uid_map /proc/self/gid_map; id -u; id -g; echo x >/dev/null && echo null-ok'], ['PATH=/bin'], []],
  }));
  let host = '';
  try {
    const r = await runShim('run', plan, {
      onRecord: (rec) => {
        if (rec.type !== 'created') return;
        host = fs.readFileSync(`/proc/${rec.pid}/status`, 'utf8');
        start(fifo);
      },
    });
    assert.equal(r.code, 0, `${r.stdout} ${r.stderr} ${JSON.stringify(r.records)}`);
    const lines = r.stdout.trim().split('\n').map((l) => l.trim().split(/\s+/).join(' '));
    assert.deepEqual(lines, ['0 100000 65536', '0 100000 65536', '0', '0', 'null-ok']);
    assert.match(host, /^Uid:\s+100000\s+100000/m, 'the host sees the mapped uid');
  } finally {
    fs.rmSync(path.join(rootfs, 'dev/null'), { force: true });
  }
}, { root: true });

test('teardown mode applies every teardown op past failures and reports each', async () => {
  const d = path.join(work, 'td-dir');
  fs.mkdirSync(d);
  const r = await runShim('teardown', encode([
    ['host', 'mkdir', path.join(work, 'never'), 0o755],
    ['teardown', 'rmdir', work],                     // not empty: fails
    ['teardown', 'rmdir', d],
    ['teardown', 'unlink', path.join(work, 'absent')],
  ]));
  assert.equal(r.code, 1);
  assert.equal(r.records.length, 1);
  assert.equal(r.records[0].step, 1);
  assert.equal(r.records[0].errname, 'ENOTEMPTY');
  assert.equal(fs.existsSync(d), false);
  assert.equal(fs.existsSync(path.join(work, 'never')), false, 'host ops do not run in teardown');
}, { root: true });

// ---- host mode, the caller's sync point, /proc writes, hooks, consoles ----

test('host mode applies the host lane in order and stops at the first failure', async () => {
  const a = path.join(work, 'host-a'), b = path.join(work, 'host-b'), d = path.join(work, 'host-dir');
  fs.writeFileSync(a, ''); fs.writeFileSync(b, '');
  const ok = await runShim('host', encode([['host', 'write_file', a, 'FROZEN'], ['host', 'mkdir', d, 0o700]]));
  assert.equal(ok.code, 0, JSON.stringify(ok.records));
  assert.deepEqual(ok.records, [], 'host mode reports nothing on success');
  assert.equal(fs.readFileSync(a, 'utf8'), 'FROZEN');
  assert.ok(fs.statSync(d).isDirectory());
  const bad = await runShim('host', encode([
    ['host', 'write_file', a, 'THAWED'],
    ['host', 'write_file', path.join(work, 'no-such', 'freezer.state'), 'x'],
    ['host', 'write_file', b, 'never'],
  ]));
  assert.equal(bad.code, 1);
  assert.equal(bad.records.length, 1);
  assert.equal(bad.records[0].step, 1);
  assert.equal(bad.records[0].errname, 'ENOENT');
  assert.equal(fs.readFileSync(a, 'utf8'), 'THAWED');
  assert.equal(fs.readFileSync(b, 'utf8'), '', 'nothing after the failing op');
}, { root: true });

for (const [name, extra, rule] of [
  ['a clone', ['host', 'clone', 0], /op 1: host mode takes no clone/],
  ['a container op', ['container', 'chdir', '/'], /op 1 chdir: container op before clone/],
]) {
  test(`host mode refuses a plan with ${name} before applying anything`, async () => {
    const dir = path.join(work, `never-made-${seq}`);
    const r = await runShim('host', encode([['host', 'mkdir', dir, 0o755], extra]));
    assert.equal(r.code, 1);
    assert.equal(r.records.length, 1);
    assert.equal(r.records[0].step, -1);
    assert.match(r.records[0].message, rule);
    assert.equal(fs.existsSync(dir), false);
  }, { root: true });
}

test('sync_caller: the caller sees the point and C\'s pid; "0" on the control fd goes on', async () => {
  const fifo = path.join(work, 'exec.fifo.caller');
  const plan = encode(containerPlan({ fifo, script: 'exit 0', hostAfterClone: [['host', 'sync_caller', F.CALLER_CREATE_RUNTIME]] }));
  const r = await runShim('run', plan, {
    control: true,
    onRecord: (rec, p) => {
      if (rec.type === 'sync') p.stdio[5].write('0');
      if (rec.type === 'created') start(fifo);
    },
  });
  assert.equal(r.code, 0, JSON.stringify(r.records));
  assert.deepEqual(r.records.map((x) => x.type), ['sync', 'created', 'exited']);
  assert.deepEqual(r.records[0], { type: 'sync', point: 'createRuntime', pid: r.records[1].pid });
}, { root: true });

for (const [how, answer] of [['"1"', (s) => s.write('1')], ['EOF', (s) => s.end()]]) {
  test(`sync_caller: ${how} on the control fd fails that step, kills C, applies teardown`, async () => {
    const failing = ['host', 'sync_caller', F.CALLER_CREATE_RUNTIME];
    const { r, pid, cg, step } = await failingPlan(failing, {
      atContainer: false, control: true, onRecord: (rec, p) => { if (rec.type === 'sync') answer(p.stdio[5]); },
    });
    assert.equal(r.code, 1);
    assert.deepEqual(r.records.map((x) => x.type), ['sync', 'error']);
    assert.equal(r.records[0].pid, pid);
    assert.deepEqual(r.records[1], {
      type: 'error', step, lane: 'host', op: 'sync_caller', errno: 125, errname: 'ECANCELED',
      message: 'sync_caller createRuntime: the caller aborted',
    });
    assert.ok(pid > 0 && zombieOrGone(pid), 'child killed and reaped');
    assert.equal(fs.existsSync(cg), false, 'teardown lane ran');
  }, { root: true });
}

test('sync_caller without a control fd fails with EBADF', async () => {
  const { r, step } = await failingPlan(['host', 'sync_caller', F.CALLER_CREATE_RUNTIME], { atContainer: false });
  assert.equal(r.code, 1);
  assert.equal(r.records.length, 1);
  assert.equal(r.records[0].step, step);
  assert.equal(r.records[0].errname, 'EBADF');
}, { root: true });

test('write_child_proc writes C\'s own /proc file before it runs', async () => {
  const fifo = path.join(work, 'exec.fifo.proc');
  const plan = encode(containerPlan({
    fifo, script: 'cat /proc/self/oom_score_adj', hostAfterClone: [['host', 'write_child_proc', 'oom_score_adj', '500']],
  }));
  const r = await runShim('run', plan, { onRecord: (rec) => { if (rec.type === 'created') start(fifo); } });
  assert.equal(r.code, 0, JSON.stringify(r.records));
  assert.equal(r.stdout.trim(), '500');
}, { root: true });

test('write_child_proc refuses a file name with a slash', async () => {
  const { r, step } = await failingPlan(['host', 'write_child_proc', '../1/oom_score_adj', '0'], { atContainer: false });
  assert.equal(r.code, 1);
  assert.equal(r.records.length, 1);
  assert.equal(r.records[0].step, step);
  assert.equal(r.records[0].errname, 'EINVAL');
}, { root: true });

test('run_hook: stdin is prefix + C\'s pid as the caller sees it + suffix; argv and env reach the hook', async () => {
  const fifo = path.join(work, 'exec.fifo.hook');
  const out = path.join(work, 'hook.out');
  const hook = ['container', 'run_hook', '/bin/sh', ['sh', '-c', 'cat > "$OUT"; echo "$0 $1" >> "$OUT"', 'hk', 'a1'],
    [`OUT=${out}`], '{"pid":', ',"status":"creating"}', 5000];
  const plan = encode(containerPlan({ fifo, script: 'echo $$', extraContainer: [hook] }));
  const r = await runShim('run', plan, { onRecord: (rec) => { if (rec.type === 'created') start(fifo); } });
  assert.equal(r.code, 0, JSON.stringify(r.records));
  assert.equal(r.stdout.trim(), '1', 'C is pid 1 of its own namespace ...');
  const pid = r.records[0].pid;
  assert.ok(pid > 1);
  assert.equal(fs.readFileSync(out, 'utf8'), `{"pid":${pid},"status":"creating"}hk a1\n`, '... and the hook got its host pid');
}, { root: true });

test('run_hook: a hook past its timeout is killed (ETIMEDOUT); a failing hook names its status', async () => {
  const pidf = path.join(work, 'hook.pid');
  // the hook writes its pid as the host sees it (the ppid of cut, read from the host's /proc)
  const slow = ['container', 'run_hook', '/bin/sh', ['sh', '-c', `cut -d' ' -f4 /proc/self/stat > ${pidf}; exec sleep 10`], [], '', '', 200];
  const t0 = Date.now();
  const { r, step } = await failingPlan(slow, { atContainer: true });
  const took = Date.now() - t0;
  assert.equal(r.code, 1);
  assert.equal(r.records.length, 1);
  assert.equal(r.records[0].step, step);
  assert.equal(r.records[0].errname, 'ETIMEDOUT');
  assert.match(r.records[0].message, /^run_hook \/bin\/sh: after 200 ms: /);
  assert.ok(took >= 200 && took < 3000, `took ${took} ms`);
  const hookPid = Number(fs.readFileSync(pidf, 'utf8'));
  assert.ok(hookPid > 0 && zombieOrGone(hookPid), 'the hook was killed');

  const failing = ['container', 'run_hook', '/bin/sh', ['sh', '-c', 'exit 3'], [], '', '', 0];
  const f = await failingPlan(failing, { atContainer: true });
  assert.equal(f.r.code, 1);
  assert.deepEqual(f.r.records[0], {
    type: 'error', step: f.step, lane: 'container', op: 'run_hook', errno: 125, errname: 'ECANCELED',
    message: 'run_hook /bin/sh: exit status 3',
  });

  const missing = await failingPlan(['container', 'run_hook', '/no/such/hook', ['hook'], [], '', '', 0], { atContainer: true });
  assert.equal(missing.r.records[0].errname, 'ENOENT');
  assert.equal(missing.r.records[0].message, 'run_hook /no/such/hook: no such file or directory');
}, { root: true });

// the container side of a console: a fresh devpts in the root and /dev/ptmx pointing into it
const devpts = [
  ['container', 'mount_in_root', 'devpts', F.SRC_STRING, '/dev/pts', 'devpts', MS('NOSUID', 'NOEXEC'), 'newinstance,ptmxmode=0666,mode=0620', F.PATH_CREATE],
  ['container', 'symlink_in_root', 'pts/ptmx', '/dev/ptmx'],
];
const helper = path.join(repo, 'build/pty-helper');
const cleanDev = () => { for (const p of ['dev/pts', 'dev/ptmx']) fs.rmSync(path.join(rootfs, p), { recursive: true, force: true }); };

test('console: create sends the pty master to the console socket; it drives the container', async () => {
  const fifo = path.join(work, 'exec.fifo.tty');
  const sock = path.join(work, 'console.sock');
  const server = spawn(helper, ['serve', sock, 'echo $((40+2))\n'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '', initPid;
  server.stdout.on('data', (d) => { out += d; });
  const closed = new Promise((res) => server.on('close', res));
  try {
    assert.ok(await waitFor(() => out.includes('listening')), 'server up');
    const plan = encode(containerPlan({
      fifo, script: 'tty; stty size; read l; eval "$l"',
      extraContainer: [['container', 'console_connect', sock], ...devpts],
      afterPivot: [['container', 'console_setup', '/dev/ptmx', 24, 80]],
    }));
    const r = await runShim('create', plan, { detached: true });
    initPid = r.records[0]?.pid;
    assert.equal(r.code, 0, JSON.stringify(r.records));
    assert.ok(await waitFor(() => out.includes('name=')), 'the server received an fd');
    assert.match(out, /name=\/dev\/ptmx\n/);
    assert.equal(await start(fifo), '0');
    await Promise.race([closed, new Promise((res) => setTimeout(res, 5000))]);
    const lines = out.split(/\r?\n/);
    assert.ok(lines.includes('/dev/pts/0'), out);
    assert.ok(lines.includes('24 80'), out);
    assert.ok(lines.includes('42'), out);
    // the pty's last close comes before the exit itself: wait for it
    assert.ok(await waitFor(() => zombieOrGone(r.records[0].pid)));
  } finally {
    // a created init that never got started would block on its fifo forever
    if (initPid && !zombieOrGone(initPid)) process.kill(initPid, 'SIGKILL');
    server.kill('SIGKILL');
    fs.rmSync(fifo, { force: true });
    cleanDev();
  }
}, { root: true });

test('console: run proxies a raw terminal both ways, with its size and SIGWINCH, and restores it', async () => {
  const fifo = path.join(work, 'exec.fifo.proxy');
  const sock = path.join(work, 'proxy.sock');
  const plan = encode(containerPlan({
    fifo, script: 'tty; stty size; echo ready; read x; stty size; echo got:$x; exit 5',
    extraHost: [['host', 'console_listen', sock]],
    extraContainer: [['container', 'console_connect', sock], ...devpts],
    // as the planner plans a pty planc serves: ONLCR off, so P's terminal alone turns NL into CR NL
    afterPivot: [['container', 'console_setup', '/dev/ptmx', 0, 0], ['container', 'tty_clear_oflag', 0, 4]],
    teardown: [['teardown', 'unlink', sock]],
  }));
  let resized = false, typed = false;
  try {
    const r = await runShim('run', plan, {
      wrap: [helper, 'pty', '30', '100', '40', '120'],
      onRecord: (rec, p) => {
        if (rec.type === 'created') {
          assert.equal(fs.statSync(sock).mode & 0o777, 0o600);
          start(fifo);
        }
        void p;
      },
      onStdout: (s, p) => {
        if (!resized && s.includes('ready')) { resized = true; p.kill('SIGUSR1'); }
        if (!typed && s.includes('[resized]')) { typed = true; p.stdin.write('hello\n'); }
      },
    });
    const lines = r.stdout.split(/\r?\n/);
    assert.equal(r.code, 5, r.stdout + r.stderr);
    assert.deepEqual(r.records.map((x) => x.type), ['created', 'exited']);
    assert.deepEqual(r.records[1], { type: 'exited', status: 5 });
    assert.ok(lines.includes('/dev/pts/0'), r.stdout);
    assert.ok(lines.includes('30 100'), 'initial size copied');
    assert.ok(lines.includes('40 120'), 'SIGWINCH copied');
    assert.ok(lines.includes('got:hello'), 'stdin reached the container');
    assert.ok(lines.includes('[icanon=1]'), 'the terminal was restored');
    assert.equal(fs.existsSync(sock), false, 'teardown removed the socket');
  } finally {
    fs.rmSync(fifo, { force: true });
    fs.rmSync(sock, { force: true });
    cleanDev();
  }
}, { root: true });

// ---- plans made by the planner (build/planc-plan-native), applied by the shim ----
// The test plays the orchestrator: it answers sync_caller where the createRuntime hooks run.
const planner = path.join(repo, 'build/planc-plan-native');
function plannedBundle(name, { noPivot }) {
  const bundle = path.join(work, `bundle-${name}`), state = path.join(bundle, 'state');
  fs.mkdirSync(state, { recursive: true });
  const config = {
    ociVersion: '1.0.2', root: { path: rootfs },
    process: { args: ['sh', '-c', 'cat /proc/self/mountinfo; echo; ls /'], cwd: '/', env: ['PATH=/bin'] },
    mounts: [{ destination: '/proc', type: 'proc', source: 'proc' },
      { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'mode=755'] }],
    hooks: { createRuntime: [{ path: '/bin/true' }] },
    linux: { namespaces: [{ type: 'pid' }, { type: 'mount' }, { type: 'uts' }] },
  };
  const context = { id: name, bundle, state_dir: state, hooks_caller: true, options: { no_pivot: noPivot },
    host: { cgroup: { v1: [], unified: null } } };
  fs.writeFileSync(path.join(bundle, 'config.json'), JSON.stringify(config));
  fs.writeFileSync(path.join(bundle, 'context.json'), JSON.stringify(context));
  return { bundle, fifo: path.join(state, 'exec.fifo') };
}
async function runPlanned(name, noPivot) {
  const { bundle, fifo } = plannedBundle(name, { noPivot });
  const made = spawn(planner, [path.join(bundle, 'config.json'), path.join(bundle, 'context.json')], { stdio: ['ignore', 'pipe', 'pipe'] });
  const chunks = []; let err = '';
  made.stdout.on('data', (d) => chunks.push(d)); made.stderr.on('data', (d) => { err += d; });
  assert.equal(await new Promise((r) => made.on('close', r)), 0, err);
  let atHooks = null;
  const r = await runShim('run', Buffer.concat(chunks), {
    control: true,
    onRecord: (rec, p) => {
      if (rec.type === 'sync') {
        // what a createRuntime hook reading /proc/$pid/mountinfo and /proc/$pid/root would see
        atHooks = { mountinfo: fs.readFileSync(`/proc/${rec.pid}/mountinfo`, 'utf8'), root: fs.readlinkSync(`/proc/${rec.pid}/root`) };
        p.stdio[5].write('0');
      }
      if (rec.type === 'created') start(fifo);
    },
  });
  assert.equal(r.code, 0, JSON.stringify(r.records) + r.stderr);
  assert.deepEqual(r.records.map((x) => x.type), ['sync', 'created', 'exited']);
  const [mi, ls] = r.stdout.split('\n\n');
  const mounts = mi.trim().split('\n').map((l) => { const f = l.split(' '); return { root: f[3], at: f[4], fs: f[f.indexOf('-') + 1] }; });
  return { atHooks, mounts, ls: ls.trim().split(/\s+/).sort() };
}
const realRoot = () => fs.realpathSync(rootfs);
const hasMount = (mountinfo, at, type) => mountinfo.split('\n').some((l) => { const f = l.split(' '); return f[4] === at && f[f.indexOf('-') + 1] === type; });

let pivoted = null;
test('planned createRuntime hooks: the caller runs them once the container\'s mounts exist, before pivot_root', async () => {
  pivoted = await runPlanned('hooks', false);
  const { atHooks, mounts } = pivoted;
  assert.ok(atHooks, 'sync_caller reached');
  assert.ok(hasMount(atHooks.mountinfo, `${realRoot()}/proc`, 'proc'), `no container /proc at the hooks:\n${atHooks.mountinfo}`);
  assert.ok(hasMount(atHooks.mountinfo, `${realRoot()}/dev`, 'tmpfs'), 'no container /dev at the hooks');
  assert.equal(atHooks.root, '/', 'the root is not switched yet');
  assert.deepEqual(mounts.find((m) => m.at === '/'), { root: realRoot(), at: '/', fs: mounts.find((m) => m.at === '/').fs });
}, { root: true });

test('--no-pivot: move_root gives the container the same / and mounts as pivot_root, its root the rootfs', async () => {
  const moved = await runPlanned('nopivot', true);
  assert.ok(hasMount(moved.atHooks.mountinfo, `${realRoot()}/proc`, 'proc'), 'hooks before move_root see the mounts');
  assert.ok(pivoted, 'the pivot_root case ran');
  assert.deepEqual(moved.mounts.map(({ at, fs: t, root }) => [at, t, root]), pivoted.mounts.map(({ at, fs: t, root }) => [at, t, root]));
  assert.equal(moved.mounts[0].at, '/');
  assert.equal(moved.mounts[0].root, realRoot(), 'the mount at / is the rootfs');
  assert.deepEqual(moved.ls, fs.readdirSync(rootfs).sort());
  assert.ok(hasMount(fs.readFileSync('/proc/self/mountinfo', 'utf8'), '/proc', 'proc'), 'the host keeps its /proc');
}, { root: true });

// ---- runner ----
let failed = 0;
const t0 = Date.now();
try {
  if (isRoot) await makeRootfs();
  for (const t of tests) {
    if (t.root && !isRoot) { console.log(`  skip  ${t.name} (needs root)`); continue; }
    const missing = t.needs();
    if (missing) { console.log(`  skip  ${t.name} (${missing})`); continue; }
    try {
      await t.fn();
      console.log(`  ok    ${t.name}`);
    } catch (e) {
      failed++;
      console.log(`  FAIL  ${t.name}\n        ${String(e.stack ?? e).split('\n').slice(0, 6).join('\n        ')}`);
    }
  }
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}
console.log(`${tests.length - failed}/${tests.length} shim tests passed in ${Date.now() - t0} ms`);
process.exit(failed ? 1 : 0);
