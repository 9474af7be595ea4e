// Pins how `exec` derives the new process from the container's: runc's overrides, nothing else changed.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { processFrom, subCgroups } from '../src/commands/exec.js';
import { buildContext } from '../src/context.js';
import { decodePlan } from '../src/plan/decode.js';
import { loadPlanner } from '../src/planner.js';
import { defaultSpec } from '../src/spec-default.js';

describe('processFrom', () => {
  it('replaces args and terminal, keeps everything else of the container process', () => {
    const config = defaultSpec() as Record<string, any>;
    const p = processFrom(config, ['ls', '-l'], {});
    expect(p).toEqual({ ...config.process, args: ['ls', '-l'], terminal: false });
    expect(config.process.args).toEqual(['sh']); // the stored config is not touched
  });

  it('lays --env, --cwd, --user, --additional-gids, --cap and --no-new-privs over it', () => {
    const config = defaultSpec() as Record<string, any>;
    const p = processFrom(config, ['id'], { env: ['A=1'], cwd: '/tmp', user: '1000:100', additionalGids: ['5', '6'], cap: ['CAP_SYS_ADMIN'], newPrivs: false, tty: true });
    expect(p.env.at(-1)).toBe('A=1');
    expect(p.cwd).toBe('/tmp');
    expect(p.user).toEqual({ uid: 1000, gid: 100, additionalGids: [5, 6] });
    expect(p.capabilities.bounding).toContain('CAP_SYS_ADMIN');
    expect(p.capabilities.ambient).toContain('CAP_SYS_ADMIN');
    expect(p.noNewPrivileges).toBe(true);
    expect(p.terminal).toBe(true);
    expect(processFrom(config, ['id'], { user: '7' }).user).toEqual({ uid: 7, gid: 0 });
    expect(() => processFrom(config, ['id'], { user: 'root' })).toThrow('parsing root as int for uid failed');
    expect(() => processFrom(config, ['id'], { user: '1:' })).toThrow('parsing  as int for gid failed');
  });
});

describe('exec --cgroup', () => {
  it('reads the flag as runc does: one path for every controller, or controller[,controller]:path', () => {
    expect(subCgroups(undefined)).toBeUndefined();
    expect(subCgroups(['sub'])).toEqual({ '': 'sub' });
    expect(subCgroups(['memory,pids:a', 'cpu:b'])).toEqual({ memory: 'a', pids: 'a', cpu: 'b' });
    expect(() => subCgroups(['a', 'b'])).toThrow('invalid --cgroup argument: a (missing <controller>: prefix)');
    expect(() => subCgroups(['a:b:c'])).toThrow('invalid --cgroup argument: a:b:c');
  });

  const built = existsSync(join(__dirname, '..', '..', 'build', 'planc-core.wasm'));
  it.skipIf(!built)('plans the join into the sub-cgroups below the container\'s, and refuses escapes, unknown controllers and create', async () => {
    const planner = await loadPlanner();
    const config = { ...(defaultSpec() as Record<string, any>), linux: { ...(defaultSpec() as Record<string, any>).linux, cgroupsPath: '/c1' } };
    const host = JSON.parse(readFileSync(join(__dirname, '..', '..', 'spec-tests', 'fixtures', 'host-v1.json'), 'utf8'));
    const ctx = (sub: Record<string, string>, action: 'exec' | 'create' = 'exec'): Uint8Array => buildContext({
      id: 'c1', bundle: '/b', stateDir: '/run/planc/c1', action, host, config, options: { sub_cgroups: sub },
      ...(action === 'exec' ? { container: { pid: 42, config } } : {}),
    });
    const process = new TextEncoder().encode(JSON.stringify(processFrom(config, ['true'], {})));
    const joins = (sub: Record<string, string>): string[] => {
      const r = planner.plan(process, ctx(sub));
      if (!r.ok) return r.errors.map((e) => e.message);
      return decodePlan(r.plan).filter((o) => o.op === 'cgroup_join_self').map((o) => String(o.args.path));
    };
    const all = joins({ '': 'a/b' });
    expect(all.length).toBeGreaterThan(1);
    for (const p of all) expect(p).toMatch(/\/c1\/a\/b\/(tasks|cgroup\.procs)$/);
    const mem = joins({ memory: '/m' });
    expect(mem.filter((p) => p.includes('/c1/m/'))).toEqual([expect.stringMatching(/\/memory\/c1\/m\/tasks$/)]);
    expect(joins({ pids: '../../x' })).toEqual(['context: ../../x is not a sub cgroup path']);
    expect(joins({ nosuch: 'x' })).toEqual(['unknown controller nosuch in SubCgroupPaths']);
    const create = planner.plan(new TextEncoder().encode(JSON.stringify({ ...config, root: { path: '/b/rootfs' } })), ctx({ '': 'x' }, 'create'));
    expect(create.ok ? [] : create.errors.map((e) => e.message)).toEqual(['context: "sub_cgroups" is for exec only']);
  });
});
