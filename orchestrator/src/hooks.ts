// Runs the OCI hooks that belong to the runtime namespace (prestart and createRuntime at the plan's
// sync_caller point, poststart, poststop), each fed the container state on stdin. Hooks the plan
// does not give a place (no sync_caller, no run_hook op) are refused before anything is created.
import { PlancError } from './errors.js';
import type { State } from './state.js';

export interface Hook { path: string; args?: string[]; env?: string[]; timeout?: number }
export type HookKind = 'prestart' | 'createRuntime' | 'createContainer' | 'startContainer' | 'poststart' | 'poststop';

export interface RuntimeHooks { poststart?: Hook[]; poststop?: Hook[] }

export function hooksOf(config: unknown, kind: HookKind): Hook[] {
  const h = (config as { hooks?: Record<string, unknown> } | null)?.hooks?.[kind];
  return Array.isArray(h) ? (h as Hook[]) : [];
}

/** Whether prestart/createRuntime hooks exist: the planner is then asked for a sync_caller point. */
export function wantsCallerHooks(config: unknown): boolean {
  return hooksOf(config, 'prestart').length > 0 || hooksOf(config, 'createRuntime').length > 0;
}

/** The hooks planc runs after create, kept in state.json so delete need not reread the bundle. */
export function runtimeHooks(config: unknown): RuntimeHooks | undefined {
  const poststart = hooksOf(config, 'poststart');
  const poststop = hooksOf(config, 'poststop');
  if (poststart.length === 0 && poststop.length === 0) return undefined;
  return { poststart, poststop };
}

/** The state a hook reads on stdin (runtime-spec "state"). */
export function hookState(s: State, status: string): string {
  return JSON.stringify({ ociVersion: s.ociVersion, id: s.id, status, pid: s.pid, bundle: s.bundle, annotations: s.annotations ?? {} });
}

interface Ran { code: number | null; signal: string | null; stdout: string; stderr: string; timedOut: boolean }

// One hook process: argv[0] as given, the hook's env (planc's own when the hook has no "env", as
// Go's exec.Cmd gives runc's hooks runc's), state on stdin, killed at its timeout.
// node:child_process is loaded here rather than through execa: execa's import graph would add
// ~25 ms to every planc start-up, hooks or not.
function runHook(h: Hook, stdin: string): Promise<Ran> {
  const { spawn } = process.getBuiltinModule('node:child_process');
  const args = h.args ?? [h.path];
  const env = h.env == null ? process.env : Object.fromEntries(h.env.map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]));
  return new Promise((resolve) => {
    const child = spawn(h.path, args.slice(1), { argv0: args[0], env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const timer = h.timeout ? setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, h.timeout * 1000) : undefined;
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.stdin.on('error', () => { /* a hook need not read its stdin */ });
    child.stdin.end(stdin);
    child.on('error', (e) => { clearTimeout(timer); resolve({ code: 127, signal: null, stdout, stderr: stderr + e.message, timedOut }); });
    child.on('close', (code, signal) => { clearTimeout(timer); resolve({ code, signal, stdout, stderr, timedOut }); });
  });
}

/** Runs the hooks of one kind in order; the first failure throws with runc's wording. */
export async function runHooks(all: RuntimeHooks | undefined, kind: 'poststart' | 'poststop', stdin: string): Promise<void> {
  await runHookList(all?.[kind] ?? [], kind, stdin);
}

export async function runHookList(hooks: readonly Hook[], kind: HookKind, stdin: string): Promise<void> {
  for (const [i, h] of hooks.entries()) {
    const r = await runHook(h, stdin);
    // runc's wording, which engines show to users as is
    if (r.timedOut) throw new PlancError(`error running ${kind} hook #${i}: hook ran past specified timeout of ${h.timeout!.toFixed(1)}s`);
    if (r.code !== 0) {
      const how = r.signal ? `signal: ${r.signal === 'SIGKILL' ? 'killed' : r.signal}` : `exit status ${r.code}`;
      throw new PlancError(`error running ${kind} hook #${i}: error running hook: ${how}, stdout: ${r.stdout}, stderr: ${r.stderr}`);
    }
  }
}
