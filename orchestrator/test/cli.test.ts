// Pins the built CLI (build/planc.js on node, bin/planc on its shebang engine): version block,
// spec refusal, plan output and digest, spec errors with pointers, and run's refusals. No root needed.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultSpec, renderSpec } from '../src/spec-default.js';

const repo = join(__dirname, '..', '..');
const bundleJs = join(repo, 'build', 'planc.js');
const binPlanc = join(repo, 'bin', 'planc');
const haveCore = existsSync(join(repo, 'build', 'planc-core.wasm'));
const haveScript = spawnSync('script', ['-qec', 'true', '/dev/null']).status === 0;
const engines: [string, string[]][] = [['node', [process.execPath, bundleJs]], ['bin/planc', [binPlanc]]];
const tmp = mkdtempSync(join(tmpdir(), 'planc-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function bundle(name: string, edit: (c: Record<string, any>) => void = () => {}): string {
  const b = join(tmp, name);
  mkdirSync(join(b, 'rootfs', 'etc'), { recursive: true });
  writeFileSync(join(b, 'rootfs', 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
  const c = defaultSpec() as Record<string, any>;
  c.process.terminal = false;
  edit(c);
  writeFileSync(join(b, 'config.json'), renderSpec(c));
  return b;
}

describe.skipIf(!existsSync(bundleJs) || !existsSync(binPlanc))('planc CLI', () => {
  for (const [engine, cmd] of engines) {
    const planc = (args: string[], cwd = tmp) => spawnSync(cmd[0]!, [...cmd.slice(1), ...args], { cwd, encoding: 'utf8', env: { ...process.env } });

    describe(engine, () => {
      // SECURITY: run as root in the caller's directory (containerd: the bundle), the runtime must
      // not take code or settings from files there (Bun reads bunfig.toml and .env by default)
      it.skipIf(!haveCore)('takes no configuration from its working directory: no bunfig.toml preload, no .env', () => {
        const trap = join(tmp, `cwd-trap-${engine.replace('/', '-')}`);
        mkdirSync(trap, { recursive: true });
        const marker = join(trap, 'preloaded');
        writeFileSync(join(trap, 'bunfig.toml'), 'preload = ["./preload.js"]\n');
        writeFileSync(join(trap, 'preload.js'), `require('fs').writeFileSync(${JSON.stringify(marker)}, 'ran');\n`);
        writeFileSync(join(trap, '.env'), `PLANC_CORE_WASM=${join(trap, 'missing.wasm')}\nPLANC_SHIM=${join(trap, 'missing-shim')}\n`);
        const r = planc(['plan', '-b', bundle('cwd-trap')], trap);
        expect(r.stderr).toBe('');
        expect(r.status).toBe(0);
        expect(r.stdout).toMatch(/^digest: sha256:/m);
        expect(existsSync(marker)).toBe(false);
      });

      it('prints runc\'s version block plus the wasm-core digest', () => {
        const r = planc(['--version']);
        expect(r.status).toBe(0);
        expect(r.stdout).toMatch(/^planc version 0\.1\.0\ncommit: \S+\nspec: 1\.0\.2-dev\nwasm-core: (sha256:[0-9a-f]{64}|missing)\n$/);
        expect(planc(['-v']).stdout).toBe(r.stdout);
      });

      it('writes the default spec once, then refuses with runc\'s text', () => {
        const d = join(tmp, `spec-${engine.replace('/', '_')}`);
        mkdirSync(d);
        expect(planc(['spec', '-b', d]).status).toBe(0);
        expect(readFileSync(join(d, 'config.json'), 'utf8')).toBe(renderSpec(defaultSpec()));
        const again = planc(['spec', '-b', d]);
        expect(again.status).toBe(1);
        expect(again.stderr).toContain('File config.json exists. Remove it first');
      });

      it('rejects an invalid id before reading anything', () => {
        const r = planc(['--root', join(tmp, 'root'), 'run', '-b', '/nonexistent', 'a/b']);
        expect(r.status).toBe(1);
        expect(r.stderr).toContain('invalid container ID format');
      });

      it.skipIf(!haveCore)('prints the plan with a final digest line that equals the json digest', () => {
        const b = bundle(`plan-${engine.replace('/', '_')}`);
        const text = planc(['plan', '-b', b, '--id', 'c1']);
        expect(text.status).toBe(0);
        const lines = text.stdout.trimEnd().split('\n');
        expect(lines.at(-1)).toMatch(/^digest: sha256:[0-9a-f]{64}$/);
        expect(lines.some((l) => / container execve file=/.test(l))).toBe(true);
        const json = JSON.parse(planc(['plan', '-b', b, '--id', 'c1', '--format', 'json']).stdout);
        expect(`digest: ${json.digest}`).toBe(lines.at(-1));
        expect(`stable-digest: ${json.stable_digest}`).toBe(lines.at(-2));
        expect(json.ops).toHaveLength(lines.length - 2);
      });

      it.skipIf(!haveCore)('plans a terminal config as a foreground run would, or as create --console-socket would', () => {
        const b = bundle(`tty-${engine.replace('/', '_')}`, (c) => { c.process.terminal = true; });
        const root = join(tmp, 'tty-root');
        const fg = planc(['--root', root, 'plan', '-b', b, '--id', 't1', '--format', 'json']);
        expect(fg.status).toBe(0);
        const ops = (r: typeof fg) => (JSON.parse(r.stdout).ops as { op: string; args: { path?: string } }[]);
        expect(ops(fg).find((o) => o.op === 'console_listen')?.args.path).toBe(join(root, 't1', 'console.sock'));
        const sock = planc(['--root', root, 'plan', '-b', b, '--id', 't1', '--format', 'json', '--console-socket', '/tmp/c.sock']);
        expect(ops(sock).some((o) => o.op === 'console_listen')).toBe(false);
        expect(ops(sock).find((o) => o.op === 'console_connect')?.args.path).toBe('/tmp/c.sock');
      });

      it.skipIf(!haveCore)('prints each spec error as pointer: message and exits 1', () => {
        const b = bundle(`bad-${engine.replace('/', '_')}`, (c) => { c.process.args = []; c.process.rlimits[0].type = 'RLIMIT_NOPE'; });
        const r = planc(['plan', '-b', b]);
        expect(r.status).toBe(1);
        expect(r.stdout).toBe('');
        const lines = r.stderr.trimEnd().split('\n');
        expect(lines).toContain('/process/rlimits/0/type: unknown rlimit "RLIMIT_NOPE"');
        expect(lines.every((l) => /^(\/\S*|\(root\)): /.test(l))).toBe(true);
      });

      it('answers state, kill, start and delete of a missing container with runc\'s text; delete --force succeeds', () => {
        const root = join(tmp, `missing-${engine.replace('/', '_')}`);
        for (const args of [['state', 'nope'], ['kill', 'nope', 'KILL'], ['start', 'nope'], ['delete', 'nope']]) {
          const r = planc(['--root', root, ...args]);
          expect([args[0], r.status, r.stdout]).toEqual([args[0], 1, '']);
          expect(r.stderr).toMatch(/^time="[^"]+" level=error msg="container does not exist"\n$/);
        }
        const log = join(tmp, `missing-${engine.replace('/', '_')}.log`);
        const j = planc(['--root', root, '--log', log, '--log-format', 'json', 'state', 'nope']);
        expect(j.status).toBe(1);
        expect(JSON.parse(readFileSync(log, 'utf8'))).toMatchObject({ level: 'error', msg: 'container does not exist' });
        expect(planc(['--root', root, 'delete', '--force', 'nope']).status).toBe(0);
        // on a terminal, logrus's short form (stderr is a pty under script(1))
        if (haveScript) {
          const t = spawnSync('script', ['-qec', [...cmd, '--root', root, 'state', 'nope'].join(' '), '/dev/null'], { encoding: 'utf8' });
          expect(t.status).toBe(1);
          expect(t.stdout).toMatch(/^ERRO\[\d{4}\] container does not exist\r?\n$/);
        }
        expect(planc(['--root', root, 'state', '../x']).stderr).toContain('invalid container ID format');
      });

      it.skipIf(!haveCore)('refuses create of a terminal:true container without a console socket with runc\'s text, creating nothing', () => {
        const b = bundle(`tty-${engine.replace('/', '_')}`, (c) => { c.process.terminal = true; });
        const root = join(tmp, `root-${engine.replace('/', '_')}`);
        const r = planc(['--root', root, 'create', '-b', b, 'c1']);
        expect(r.status).toBe(1);
        expect(r.stderr).toContain('cannot allocate tty if planc will detach without setting console socket');
        expect(existsSync(join(root, 'c1'))).toBe(false);
      });
    });
  }

  it.skipIf(!haveCore)('plans the same from `planc facts` output as from this host, and differently for another host', () => {
    const b = bundle('facts');
    const run = (args: string[]) => execFileSync(binPlanc, args, { encoding: 'utf8' });
    const facts = join(tmp, 'facts.json');
    writeFileSync(facts, run(['facts']));
    const here = run(['plan', '-b', b]);
    expect(run(['plan', '-b', b, '--host-facts', facts])).toBe(here);
    const v2 = { cgroup: { v1: [], unified: '/sys/fs/cgroup', unified_controllers: ['cpu', 'memory', 'pids'] }, cpuset: { cpus: '0', mems: '0' }, proc_kcore: true };
    writeFileSync(facts, JSON.stringify(v2));
    expect(run(['plan', '-b', b, '--host-facts', facts])).not.toBe(here);
  });

  it('runs through a symlink to bin/planc, finding build/ next to the real file', () => {
    const dir = join(tmp, 'linked-bin');
    mkdirSync(dir);
    symlinkSync(binPlanc, join(dir, 'planc'));
    const r = spawnSync(join(dir, 'planc'), ['--version'], { cwd: tmp, encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(spawnSync(binPlanc, ['--version'], { encoding: 'utf8' }).stdout);
    if (haveCore) expect(r.stdout).toMatch(/wasm-core: sha256:/);
  });

  it.skipIf(!haveCore)('makes the same plan bytes on node and on bun', () => {
    const b = bundle('same');
    const outs = engines.map(([, cmd]) => execFileSync(cmd[0]!, [...cmd.slice(1), 'plan', '-b', b], { encoding: 'utf8' }));
    expect(outs[0]).toBe(outs[1]);
  });
});
