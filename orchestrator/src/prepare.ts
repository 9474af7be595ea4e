// Turns a bundle into a plan: reads config.json, gathers host facts, builds the context, runs the planner.
// Touches nothing on the host; any spec error comes back as a SpecErrors carrying JSON Pointers.
import { buildContext, rootfsOf, type PlanAction, type RuntimeOptions } from './context.js';
import { PlancError } from './errors.js';
import { wantsCallerHooks } from './hooks.js';
import { gatherHostFacts, type HostFacts } from './facts.js';
import { loadPlanner, type SpecError } from './planner.js';
import { decodePlan, planOpNames, type PlanOp } from './plan/decode.js';
import { join, resolve } from './posix-path.js';
import { stateDir } from './state.js';
import { sys } from './sys.js';

export class SpecErrors extends PlancError {
  constructor(readonly errors: SpecError[]) {
    super(errors.map((e) => `${e.pointer || '(root)'}: ${e.message}`).join('\n'));
    this.name = 'SpecErrors';
  }
}

export interface PrepareInput {
  bundle: string;
  id: string;
  root: string;
  hostFactsFile?: string;
  options?: Partial<RuntimeOptions>;
  hooksCaller?: boolean;
}
export interface Prepared {
  bundle: string; config: unknown; configBytes: Uint8Array; rootfs: string; plan: Uint8Array;
  /** the op names in order, read from the op headers only (else taken from `ops`) */
  opNames?: readonly string[];
  /** the decoded plan, decoded on first use (error messages, pins, audits) */
  readonly ops: PlanOp[];
}

export function readConfig(bundle: string): { bytes: Uint8Array; parsed: unknown } {
  const path = join(bundle, 'config.json');
  let bytes: Uint8Array;
  try {
    bytes = sys().readFile(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new PlancError('JSON specification file config.json not found', 1, { cause: e });
    throw new PlancError(`reading ${path}: ${(e as Error).message}`, 1, { cause: e });
  }
  // Parsed here only for the few host-side facts (rootfs, uid); the planner reports JSON errors.
  let parsed: unknown = {};
  try { parsed = JSON.parse(new TextDecoder().decode(bytes)); } catch { /* the planner names the error */ }
  return { bytes, parsed };
}

function loadFacts(file?: string): HostFacts {
  if (!file) return gatherHostFacts();
  try { return JSON.parse(sys().readText(file)) as HostFacts; } catch (e) {
    throw new PlancError(`reading host facts ${file}: ${(e as Error).message}`, 1, { cause: e });
  }
}

/**
 * The runtime options and hook mode `create`/`run` plan with. `planc plan` uses the same, so
 * the plan it prints (and its digest) is the one those commands would run.
 */
export function launchInput(config: unknown, stateDirPath: string, o: { consoleSocket?: string; noPivot?: boolean; newKeyring?: boolean; preserveFds?: number; systemdCgroup?: boolean }): Pick<PrepareInput, 'options' | 'hooksCaller'> {
  const terminal = (config as { process?: { terminal?: unknown } } | null)?.process?.terminal === true;
  return {
    hooksCaller: wantsCallerHooks(config),
    options: {
      no_pivot: o.noPivot === true,
      no_new_keyring: o.newKeyring === false,
      preserve_fds: o.preserveFds ?? 0,
      console_socket: o.consoleSocket ? resolve(o.consoleSocket) : '',
      // a foreground run with a terminal: the shim listens here and proxies the pty
      console_proxy: terminal && !o.consoleSocket ? join(stateDirPath, 'console.sock') : '',
      ...(o.systemdCgroup ? { systemd_cgroup: true } : {}),
    },
  };
}

export async function preparePlan(input: PrepareInput): Promise<Prepared> {
  // The bundle as the kernel names it, links resolved: runc chdirs into it and takes getcwd,
  // so a relative root.path under a linked bundle dir is a real path (and state shows it)
  let bundle = resolve(input.bundle);
  try { bundle = sys().realpath(bundle); } catch { /* missing: readConfig says so */ }
  return planWith({ ...input, bundle, ...readConfig(bundle) });
}

/**
 * Plans from given config bytes: the stored config of an existing container for pause/resume,
 * or an exec process / update resources, whose errors then point into those bytes.
 */
export async function planWith(input: PrepareInput & {
  bytes: Uint8Array; parsed: unknown; action?: PlanAction; container?: { pid: number; config: unknown }; uid?: number;
}): Promise<Prepared> {
  const bundle = resolve(input.bundle);
  const { bytes, parsed } = input;
  const context = buildContext({
    id: input.id, bundle, stateDir: stateDir(input.root, input.id), action: input.action, container: input.container,
    options: input.options, hooksCaller: input.hooksCaller, host: loadFacts(input.hostFactsFile), config: parsed, uid: input.uid,
  });
  const planner = await loadPlanner();
  const r = planner.plan(bytes, context);
  if (!r.ok) throw new SpecErrors(r.errors);
  const plan = r.plan;
  let ops: PlanOp[] | undefined;
  return {
    bundle, config: parsed, configBytes: bytes, rootfs: rootfsOf(bundle, parsed), plan, opNames: planOpNames(plan),
    get ops(): PlanOp[] { return (ops ??= decodePlan(plan)); },
  };
}
