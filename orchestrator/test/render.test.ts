// Pins the audit rendering: every op in the table renders every arg, flags and modes are symbolic.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { OPS } from '../src/gen/ops.js';
import { encodePlan, type PlanOp } from '../src/plan/decode.js';
import { planDigest, renderJson, renderOpLine, renderText } from '../src/plan/render.js';
import { everyOp } from './sample-ops.js';

const op = (o: Omit<PlanOp, 'index'>, index = 0): PlanOp => ({ index, ...o });

describe('renderText', () => {
  it('renders every op in the table with each of its args and its why', () => {
    const ops = everyOp();
    const all = renderText(ops).trimEnd().split('\n');
    // `|` lines are what a seccomp or device filter's program says, under its op, not ops
    const lines = all.filter((l) => !/^\s+\| /.test(l));
    expect(lines).toHaveLength(OPS.length);
    const withProgram = all.filter((l, i) => !/^\s+\| /.test(l) && /^\s+\| /.test(all[i + 1] ?? '')).map((l) => /^\s*\d+ \S+\s+(\S+)/.exec(l)?.[1]);
    expect(withProgram.sort()).toEqual(['bpf_device_filter', 'seccomp_set_filter']);
    OPS.forEach((def, i) => {
      expect(lines[i]).toContain(` ${def.name}`);
      for (const a of def.args) expect(lines[i]).toContain(` ${a.name}=`);
      expect(lines[i]).toMatch(new RegExp(`  # /mounts/${i} default:devices$`));
    });
  });

  it('prints mount flags symbolically and strings JSON-quoted', () => {
    const line = renderOpLine(op({
      lane: 'container', op: 'mount_in_root', why: '/mounts/0',
      args: { source: 'proc', src_kind: 1, target: '/proc', fstype: 'proc', flags: 0xen, data: '', path_flags: 2 },
    }), 2);
    expect(line).toBe(' 0 container mount_in_root source="proc" src_kind=SRC_STRING target="/proc" fstype="proc" flags=MS_NOSUID|MS_NODEV|MS_NOEXEC data="" path_flags=PATH_CREATE  # /mounts/0');
  });

  it('prints caps by name, octal modes with a leading zero, and unknown bits in hex', () => {
    expect(renderOpLine(op({ lane: 'container', op: 'capset', why: 'w', args: { effective: 0x20n, permitted: (1n << 5n) | (1n << 10n), inheritable: 0n } })))
      .toContain('effective=CAP_KILL permitted=CAP_KILL|CAP_NET_BIND_SERVICE inheritable=0');
    expect(renderOpLine(op({ lane: 'host', op: 'mkdir', why: 'w', args: { path: '/a', mode: 0o755 } }))).toContain('mode=0755');
    expect(renderOpLine(op({ lane: 'container', op: 'umask', why: 'w', args: { mask: 0o22 } }))).toContain('mask=0022');
    expect(renderOpLine(op({ lane: 'host', op: 'clone', why: 'w', args: { flags: 0x20000n | 0x4n } }))).toContain('flags=CLONE_NEWNS|0x4');
    expect(renderOpLine(op({ lane: 'container', op: 'setrlimit', why: 'w', args: { resource: 7, soft: 1024n, hard: 0xffffffffffffffffn } })))
      .toContain('resource=RLIMIT_NOFILE soft=1024 hard=RLIM_INFINITY');
    expect(renderOpLine(op({ lane: 'host', op: 'sync_wait', why: 'w', args: { point: 2 } }))).toContain('point=SYNC_CHILD_READY');
  });
});

describe('renderJson and planDigest', () => {
  it('gives bigints as decimal strings, bytes as hex, and the sha256 of the bytes', () => {
    const ops = [op({ lane: 'container', op: 'seccomp_set_filter', why: '/linux/seccomp', args: { flags: 0, filter: new Uint8Array([6, 0, 0xff]) } }),
      op({ lane: 'host', op: 'clone', why: 'w', args: { flags: 18446744073709551615n } }, 1)];
    const bytes = encodePlan(ops);
    const j = renderJson(ops, bytes);
    expect(j.digest).toBe('sha256:' + createHash('sha256').update(bytes).digest('hex'));
    expect(planDigest(bytes)).toBe(j.digest);
    expect(j.ops[0]!.args.filter).toBe('0600ff');
    expect(j.ops[1]!.args.flags).toBe('18446744073709551615');
    expect(JSON.parse(JSON.stringify(j))).toEqual(j);
  });
});

describe('sha256Hex', () => {
  it('matches node:crypto on lengths around every padding boundary', async () => {
    const { sha256Hex } = await import('../src/sha256.js');
    for (const n of [0, 1, 55, 56, 63, 64, 65, 119, 120, 1000, 70_001]) {
      const b = new Uint8Array(n).map((_, i) => (i * 31 + n) & 0xff);
      expect(sha256Hex(b)).toBe(createHash('sha256').update(b).digest('hex'));
    }
  });
});
