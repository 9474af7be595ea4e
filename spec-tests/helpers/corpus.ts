// The corpus differential: every real engine config (spec-tests/corpus/**/config.json) and every
// fixture, adapted only where this machine forces it, run under planc and runc with the probe.
// Never edits seccomp, noNewPrivileges, user, capabilities, hooks, rlimits, resources or mounts.
//
// What is adapted, and why (each adaptation is also recorded per config in `adapted`):
// - root.path: a fresh busybox rootfs (scripts/mkrootfs.sh + spec-tests/probe.sh) for every run,
//   since the engine's image is not on this machine; owned by the mapped root when the config
//   has uidMappings, as an engine prepares it (the rootfs is otherwise unreachable in the userns).
// - process.args: the probe (`/bin/sh /probe.sh`), so both runtimes are asked the same questions.
// - process.terminal: false when it was true; output is collected through pipes, not a terminal.
// - linux.cgroupsPath: a unique absolute path under /planc-test/corpus-<unique>, so runs never
//   share or touch a cgroup that is not the test's own.
// - the source of a bind mount, where it does not exist here (the engine's per-container files):
//   created empty in the run's temp dir, a file when the destination names a file, a directory
//   otherwise. Sources that exist (/, /etc, /sys, /var/log) are kept; nothing else in mounts is.
// - namespaces with a path (a pod sandbox's) are pointed at a sandbox process the harness starts
//   in fresh ipc, net and uts namespaces (`unshare`); a path of any other type is dropped, so that
//   namespace is created instead. Nothing joins a process the harness did not start.
// What the probe prints that differs for reasons outside the runtime is normalised (normalise).
import { spawn, type ChildProcess, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fixtures, fixtureNames, mkrootfs, probeScript, repo } from './env.js';
import { removeCgroups, rmTree, tempDir, writeConfig, type Config } from './bundle.js';
import { runContainer, runtimeBins } from './runtimes.js';

export const corpusDir = path.join(repo, 'spec-tests', 'corpus');
export const cgroupParent = 'planc-test';

export type Outcome = 'same' | 'different' | 'planc-fails' | 'runc-fails' | 'both-fail';

export interface RunResult { code: number | null; signal: string | null; stdout: string; stderr: string; ok: boolean }

export interface CorpusResult {
  /** corpus/<engine>/<name> or fixture/<name> */
  name: string;
  outcome: Outcome;
  adapted: string[];
  planc: RunResult;
  runc: RunResult;
  /** the first probe line (after normalisation) where planc and runc differ, both sides */
  firstDiff?: string;
  /** the first line of the failing runtime's stderr */
  firstError?: string;
}

export interface CorpusEntry { name: string; file: string }

/** Every corpus config and fixture, in a stable order. */
export function corpusEntries(): CorpusEntry[] {
  const out: CorpusEntry[] = [];
  const walk = (dir: string): void => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name === 'config.json') out.push({ name: `corpus/${path.relative(corpusDir, dir)}`, file: p });
    }
  };
  walk(corpusDir);
  for (const f of fixtureNames(fs.readdirSync(fixtures))) out.push({ name: `fixture/${f}`, file: path.join(fixtures, `${f}.json`) });
  return out;
}

/** Destinations engines bind a single file onto (the rest of the missing sources are dirs). */
function namesAFile(destination: string): boolean {
  const base = path.posix.basename(destination);
  return base.includes('.') || ['hosts', 'hostname', 'termination-log'].includes(base);
}

export interface Sandbox { pid: number; stop(): void }

/** A process in fresh ipc, net and uts namespaces standing in for a pod's sandbox (pause). */
export async function startSandbox(): Promise<Sandbox> {
  const child: ChildProcess = spawn('unshare', ['--ipc', '--net', '--uts', 'sleep', '600'], { stdio: 'ignore' });
  const pid = child.pid!;
  const self = fs.readlinkSync('/proc/self/ns/net');
  const end = Date.now() + 5_000;
  // unshare execs sleep after unsharing: wait until the pid is sleep in its own namespaces
  for (;;) {
    try {
      if (fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'sleep' && fs.readlinkSync(`/proc/${pid}/ns/net`) !== self) break;
    } catch { /* not yet */ }
    if (Date.now() > end) { child.kill('SIGKILL'); throw new Error('sandbox process did not start'); }
    await new Promise((r) => setTimeout(r, 20));
  }
  return { pid, stop: () => { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } } };
}

/**
 * The config as run here: see the file header for what changes and why. `bindDir` receives the
 * stand-ins for missing bind sources; the cgroupsPath is set per run by the caller.
 */
export function adapt(config: Config, bindDir: string, sandboxPid: number): { config: Config; adapted: string[] } {
  const c = structuredClone(config);
  const adapted: string[] = [];
  c.root = { ...(c.root ?? {}), path: 'rootfs' };
  adapted.push('root.path: busybox rootfs');
  c.process = c.process ?? {};
  c.process.args = ['/bin/sh', '/probe.sh'];
  adapted.push('process.args: probe');
  if (c.process.terminal) { c.process.terminal = false; adapted.push('process.terminal: false'); }
  (c.mounts ?? []).forEach((m: Config, i: number) => {
    const isBind = m.type === 'bind' || (m.options ?? []).some((o: string) => o === 'bind' || o === 'rbind');
    if (!isBind || typeof m.source !== 'string' || !path.isAbsolute(m.source) || fs.existsSync(m.source)) return;
    const stand = path.join(bindDir, `${i}-${path.basename(m.source)}`);
    if (namesAFile(m.destination)) fs.writeFileSync(stand, '');
    else fs.mkdirSync(stand, { recursive: true });
    adapted.push(`mounts/${i}: missing source ${m.source} -> empty ${namesAFile(m.destination) ? 'file' : 'dir'}`);
    m.source = stand;
  });
  const ns: Config[] | undefined = c.linux?.namespaces;
  if (ns) {
    c.linux.namespaces = ns.map((n) => {
      if (!n.path) return n;
      if (['network', 'ipc', 'uts'].includes(n.type)) {
        adapted.push(`namespace ${n.type}: ${n.path} -> sandbox`);
        return { ...n, path: `/proc/${sandboxPid}/ns/${n.type === 'network' ? 'net' : n.type}` };
      }
      adapted.push(`namespace ${n.type}: path ${n.path} dropped`);
      const { path: _dropped, ...rest } = n;
      return rest;
    });
  }
  return { config: c, adapted };
}

/**
 * Removes from the probe output what differs for reasons outside the runtime's control:
 * - the bundle path and the per-run cgroup leaf (each run has its own);
 * - mounts the host itself has below a recursive bind of a host directory that holds other
 *   mounts (e.g. `/` on /host): other tests on this machine mount and unmount under /tmp and
 *   /run while the suite runs, so that part of the host's tree changes between two runs. The
 *   bind's own line, and every mount the runtime makes, stay.
 */
export function normalise(out: string, bundle: string, leaf: string, config: Config): string {
  const volatile = (config.mounts ?? [])
    .filter((m: Config) => (m.options ?? []).includes('rbind') && typeof m.source === 'string' && fs.existsSync(m.source))
    .flatMap((m: Config) => ['/tmp', '/run', '/var/lib/containers', '/var/lib/containerd']
      .map((sub) => path.posix.relative(m.source, sub))
      .filter((rel) => rel !== '' && !rel.startsWith('..'))
      .map((rel) => path.posix.join(m.destination, rel)));
  let inMounts = false;
  return out.split(bundle).join('<bundle>').split(leaf).join('<leaf>').split('\n').filter((line) => {
    if (line.startsWith('== ')) inMounts = line === '== mounts';
    if (!inMounts) return true;
    const mp = line.split(' ')[0];
    return !volatile.some((d: string) => mp === d || mp.startsWith(`${d}/`));
  }).join('\n');
}

function outcomeOf(p: RunResult, r: RunResult): Outcome {
  if (!p.ok && !r.ok) return 'both-fail';
  if (!p.ok) return 'planc-fails';
  if (!r.ok) return 'runc-fails';
  return p.stdout === r.stdout && p.code === r.code ? 'same' : 'different';
}

function firstDiff(a: string, b: string): string | undefined {
  const x = a.split('\n');
  const y = b.split('\n');
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    if (x[i] !== y[i]) return `line ${i + 1}: planc ${JSON.stringify(x[i] ?? '<none>')} runc ${JSON.stringify(y[i] ?? '<none>')}`;
  }
  return undefined;
}

/** The first error line of a runtime's stderr (warnings skipped), without runc's log prefix. */
function firstLine(s: string): string {
  const lines = s.split('\n').map((l) => l.trim()).filter(Boolean);
  const line = lines.find((l) => !/level=(warning|info|debug)/.test(l)) ?? lines[0] ?? '(no stderr)';
  const m = /msg="(.*)"$/.exec(line);
  return m ? m[1].replace(/\\"/g, '"') : line;
}

export interface Harness { results: CorpusResult[]; leftovers: string[] }

/**
 * Runs every entry under runc and planc, at most `parallel` containers at a time, and removes
 * everything it created (bundles, state, cgroups, the sandbox). `unique` names this harness run.
 */
export async function runCorpus(entries: CorpusEntry[], opts: { parallel?: number; unique?: string } = {}): Promise<Harness> {
  const unique = opts.unique ?? `corpus-${process.pid}`;
  const tmp = tempDir('corpus');
  // the mapped root of a user-namespaced config must reach its rootfs (mkdtemp makes 0700)
  fs.chmodSync(tmp, 0o711);
  const template = path.join(tmp, 'rootfs-template');
  execFileSync('bash', [mkrootfs, template], { stdio: ['ignore', 'ignore', 'inherit'] });
  fs.copyFileSync(probeScript, path.join(template, 'probe.sh'));
  fs.chmodSync(path.join(template, 'probe.sh'), 0o755);
  const sandbox = await startSandbox();
  const results: CorpusResult[] = [];
  const leftovers: string[] = [];
  const leaves: string[] = [];
  let serial = 0;

  async function one(entry: CorpusEntry, index: number): Promise<CorpusResult> {
    const dir = path.join(tmp, `c${index}`);
    const bundle = path.join(dir, 'bundle');
    const binds = path.join(dir, 'binds');
    fs.mkdirSync(bundle, { recursive: true, mode: 0o755 });
    fs.chmodSync(dir, 0o755);
    fs.mkdirSync(binds);
    const original = JSON.parse(fs.readFileSync(entry.file, 'utf8'));
    const { config, adapted } = adapt(original, binds, sandbox.pid);
    const runs = {} as Record<'planc' | 'runc', RunResult>;
    for (const rt of ['runc', 'planc'] as const) {
      const leaf = `${unique}-${++serial}-${rt}`;
      leaves.push(leaf);
      const id = leaf;
      const rootfs = path.join(bundle, 'rootfs');
      rmTree(rootfs);
      execFileSync('cp', ['-a', template, rootfs]);
      const maps = config.linux?.uidMappings?.find((m: Config) => m.containerID === 0);
      const gmaps = config.linux?.gidMappings?.find((m: Config) => m.containerID === 0);
      if (maps) execFileSync('chown', ['-R', `${maps.hostID}:${gmaps?.hostID ?? maps.hostID}`, rootfs]);
      const c = structuredClone(config);
      c.linux = c.linux ?? {};
      c.linux.cgroupsPath = `/${cgroupParent}/${leaf}`;
      writeConfig(bundle, c);
      const state = path.join(dir, `state-${rt}`);
      fs.mkdirSync(state);
      const r = await runContainer(rt, state, bundle, id, 30_000);
      const stdout = normalise(r.stdout, bundle, leaf, c);
      runs[rt] = { code: r.code, signal: r.signal, stdout, stderr: r.stderr, ok: r.code === 0 && stdout.includes('== end') };
      for (const e of fs.readdirSync(state)) {
        leftovers.push(`${entry.name}: ${rt} state ${e}`);
        // a state left behind: delete the container the runtime still knows
        execFileSync(runtimeBins[rt], ['--root', state, 'delete', '--force', e], { stdio: 'ignore' });
      }
      removeCgroups(cgroupParent, leaf);
    }
    const outcome = outcomeOf(runs.planc, runs.runc);
    const res: CorpusResult = { name: entry.name, outcome, adapted, planc: runs.planc, runc: runs.runc };
    if (outcome === 'different') res.firstDiff = firstDiff(runs.planc.stdout, runs.runc.stdout) ?? `exit planc ${runs.planc.code} runc ${runs.runc.code}`;
    if (outcome === 'planc-fails' || outcome === 'both-fail') res.firstError = `planc: ${firstLine(runs.planc.stderr)}`;
    if (outcome === 'runc-fails' || outcome === 'both-fail') res.firstError = [res.firstError, `runc: ${firstLine(runs.runc.stderr)}`].filter(Boolean).join('; ');
    if (process.env.CORPUS_KEEP) console.error(`kept ${entry.name}: ${dir}`);
    else rmTree(dir);
    return res;
  }

  try {
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < entries.length) {
        const i = next++;
        results[i] = await one(entries[i], i);
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, opts.parallel ?? 2) }, worker));
  } finally {
    sandbox.stop();
    for (const leaf of leaves) removeCgroups(cgroupParent, leaf);
    for (const m of fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) if (m.includes(tmp)) leftovers.push(`mount ${m}`);
    if (!process.env.CORPUS_KEEP) rmTree(tmp);
  }
  return { results, leftovers };
}

/** The table the test and the script print: one row per config, then the count per outcome. */
export function formatTable(results: CorpusResult[]): string {
  const w = Math.max(...results.map((r) => r.name.length));
  const rows = results.map((r) => {
    const note = r.firstDiff ?? r.firstError ?? '';
    return `${r.name.padEnd(w)}  ${r.outcome.padEnd(11)}  ${note}`;
  });
  const count = (o: Outcome) => results.filter((r) => r.outcome === o).length;
  rows.push('', `same ${count('same')} / ${results.length}; different ${count('different')}; planc fails ${count('planc-fails')}; runc fails ${count('runc-fails')}; both fail ${count('both-fail')}`);
  return rows.join('\n');
}
