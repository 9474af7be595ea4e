// `planc features`: the runtime-spec features document, built from the planner's own tables (flags.def)
// and a probe of which hooks it plans. Read only; claims nothing the planner would refuse.
import { FLAGS } from '../gen/ops.js';
import { stdout } from '../out.js';

// Mount options the planner's table (wasm-core/src/tables.c) maps to flags; the recursive (r*)
// ones and tmpcopyup are refused there, so they are not listed.
const MOUNT_OPTIONS = [
  'acl', 'async', 'atime', 'bind', 'defaults', 'dev', 'diratime', 'dirsync', 'exec', 'iversion', 'lazytime', 'loud',
  'mand', 'noacl', 'noatime', 'nodev', 'nodiratime', 'noexec', 'noiversion', 'nolazytime', 'nomand', 'norelatime',
  'nostrictatime', 'nosuid', 'nosymfollow', 'private', 'rbind', 'relatime', 'remount', 'ro', 'rprivate', 'rshared',
  'rslave', 'runbindable', 'rw', 'shared', 'silent', 'slave', 'strictatime', 'suid', 'symfollow', 'sync', 'unbindable',
];
const NAMESPACES = ['cgroup', 'ipc', 'mount', 'network', 'pid', 'time', 'user', 'uts'];
// Process attributes the planner plans (wasm-core/src/spec_sched.c) that the features schema has
// no field for; memoryPolicy has one (linux.memoryPolicy), from flags.def's tables.
const PROCESS_ATTRS = ['dev.planc.process.scheduler', 'dev.planc.process.ioPriority', 'dev.planc.process.execCPUAffinity',
  'dev.planc.linux.personality', 'dev.planc.linux.timeOffsets'];
const names = (table: string) => (FLAGS[table]?.entries ?? []).map(([n]) => n).sort();
// SCMP_ACT_NOTIFY: the listener goes to linux.seccomp.listenerPath (not as the default action).
const SECCOMP_ACTIONS = ['SCMP_ACT_ALLOW', 'SCMP_ACT_ERRNO', 'SCMP_ACT_KILL', 'SCMP_ACT_KILL_PROCESS', 'SCMP_ACT_KILL_THREAD', 'SCMP_ACT_LOG', 'SCMP_ACT_NOTIFY', 'SCMP_ACT_TRACE', 'SCMP_ACT_TRAP'];
// the flags the planner accepts (wasm-core/src/seccomp.c); TSYNC is accepted and needs no passing (one thread)
const SECCOMP_FLAGS = ['SECCOMP_FILTER_FLAG_LOG', 'SECCOMP_FILTER_FLAG_SPEC_ALLOW', 'SECCOMP_FILTER_FLAG_TSYNC', 'SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV'];
const SECCOMP_OPERATORS = ['SCMP_CMP_EQ', 'SCMP_CMP_GE', 'SCMP_CMP_GT', 'SCMP_CMP_LE', 'SCMP_CMP_LT', 'SCMP_CMP_MASKED_EQ', 'SCMP_CMP_NE'];
const SECCOMP_ARCHS = [
  'SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM', 'SCMP_ARCH_MIPS', 'SCMP_ARCH_MIPS64', 'SCMP_ARCH_MIPS64N32', 'SCMP_ARCH_MIPSEL',
  'SCMP_ARCH_MIPSEL64', 'SCMP_ARCH_MIPSEL64N32', 'SCMP_ARCH_PARISC', 'SCMP_ARCH_PARISC64', 'SCMP_ARCH_PPC', 'SCMP_ARCH_PPC64',
  'SCMP_ARCH_PPC64LE', 'SCMP_ARCH_RISCV64', 'SCMP_ARCH_S390', 'SCMP_ARCH_S390X', 'SCMP_ARCH_X32', 'SCMP_ARCH_X86', 'SCMP_ARCH_X86_64',
];

export function featuresDocument(hooks: string[]): Record<string, unknown> {
  const caps = [...(FLAGS.caps?.entries ?? [])].sort((a, b) => a[1] - b[1]).map(([n]) => n);
  return {
    ociVersionMin: '1.0.0',
    ociVersionMax: '1.0.2-dev',
    hooks,
    mountOptions: MOUNT_OPTIONS,
    linux: {
      namespaces: NAMESPACES,
      capabilities: caps,
      cgroup: { v1: true, v2: true, systemd: true, systemdUser: false },
      seccomp: { enabled: true, actions: SECCOMP_ACTIONS, operators: SECCOMP_OPERATORS, archs: SECCOMP_ARCHS, knownFlags: SECCOMP_FLAGS, supportedFlags: SECCOMP_FLAGS },
      apparmor: { enabled: false },
      selinux: { enabled: false },
      memoryPolicy: { modes: names('mpol_mode'), flags: names('mpol_flags') },
      netDevices: { enabled: true },
    },
    annotations: {
      'org.opencontainers.runc.checkpoint.enabled': 'false', 'dev.planc.plan.pinning': 'true',
      ...Object.fromEntries(PROCESS_ATTRS.map((k) => [k, 'true'])),
    },
  };
}

/** The hook kinds the planner gives a place: it is asked to plan a config holding one of each. */
async function plannedHooks(): Promise<string[]> {
  const kinds = ['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart', 'poststop'];
  try {
    const [{ loadPlanner }, { buildContext }, { emptyFacts }, { decodePlan }, { defaultSpec }] = await Promise.all([
      import('../planner.js'), import('../context.js'), import('../facts.js'), import('../plan/decode.js'), import('../spec-default.js')]);
    const config = defaultSpec() as Record<string, any>;
    config.root.path = '/nonexistent-rootfs';
    config.process.terminal = false;
    config.hooks = Object.fromEntries(kinds.map((k) => [k, [{ path: '/bin/true' }]]));
    const ctx = buildContext({ id: 'features', bundle: '/', stateDir: '/run/planc/features', hooksCaller: true, host: emptyFacts(), config });
    const r = (await loadPlanner()).plan(new TextEncoder().encode(JSON.stringify(config)), ctx);
    if (!r.ok) return ['poststart', 'poststop'];
    const ops = new Set(decodePlan(r.plan).map((o) => o.op));
    return kinds.filter((k) => k === 'poststart' || k === 'poststop'
      || ((k === 'prestart' || k === 'createRuntime') && ops.has('sync_caller'))
      || ((k === 'createContainer' || k === 'startContainer') && ops.has('run_hook')));
  } catch { return ['poststart', 'poststop']; }
}

export async function featuresCommand(): Promise<void> {
  stdout(JSON.stringify(featuresDocument(await plannedHooks()), null, '    ') + '\n');
}
