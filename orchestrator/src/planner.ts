// Hand-written canonical-ABI glue for build/planc-core.wasm (docs/plan-format.md §5).
// Must never grant the module an import: it gets bytes in and gives bytes back, nothing else.
import { corePath } from './paths.js';
import { sys } from './sys.js';

export interface SpecError { pointer: string; rule: string; message: string }
export type PlanResult = { ok: true; plan: Uint8Array } | { ok: false; errors: SpecError[] };
/** One result of `validate`: a planner error (severity "error") or a finding of findings.def. */
export interface Finding { pointer: string; rule: string; severity: 'error' | 'warning' | 'info'; message: string }
export interface RuleInfo { id: string; severity: 'error' | 'warning' | 'info'; description: string }
export interface Planner {
  plan(config: Uint8Array, context: Uint8Array): PlanResult;
  validate(config: Uint8Array, context: Uint8Array): Finding[];
  rules(): RuleInfo[];
}

interface CoreExports {
  memory: WebAssembly.Memory;
  cabi_realloc(oldPtr: number, oldSize: number, align: number, newSize: number): number;
  plan(configPtr: number, configLen: number, contextPtr: number, contextLen: number): number;
  cabi_post_plan(retPtr: number): void;
  validate(configPtr: number, configLen: number, contextPtr: number, contextLen: number): number;
  cabi_post_validate(retPtr: number): void;
  rules(): number;
}

const compiled = new Map<string, Promise<WebAssembly.Module>>();
/**
 * Starts compiling the module; the engine compiles off the main thread, so the reading and
 * checking that a command does before it plans overlaps the compile. loadPlanner awaits it.
 */
export function precompile(wasmPath: string = corePath()): Promise<WebAssembly.Module> {
  let m = compiled.get(wasmPath);
  if (!m) {
    m = (async () => WebAssembly.compile(sys().readFile(wasmPath)))(); // a read error rejects, like the compile
    m.catch(() => { /* reported by the loadPlanner that awaits it */ });
    compiled.set(wasmPath, m);
  }
  return m;
}

export async function loadPlanner(wasmPath: string = corePath()): Promise<Planner> {
  const module = await precompile(wasmPath);
  // SECURITY: purity is checked, not trusted: an import would be a channel to the host.
  if (WebAssembly.Module.imports(module).length !== 0) throw new Error(`${wasmPath}: planner module must import nothing`);
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  // A fresh instance per call, so no state from one plan can reach the next.
  const instance = () => new WebAssembly.Instance(module, {}).exports as unknown as CoreExports;
  // Calls a (config, context) export; returns what reading its return area needs.
  const call = (name: 'plan' | 'validate', config: Uint8Array, context: Uint8Array) => {
    const x = instance();
    const put = (b: Uint8Array): number => {
      const p = x.cabi_realloc(0, 0, 1, b.length);
      new Uint8Array(x.memory.buffer, p, b.length).set(b);
      return p;
    };
    const cp = put(config);
    const xp = put(context);
    const ret = x[name](cp, config.length, xp, context.length);
    const view = new DataView(x.memory.buffer);
    const u32 = (at: number): number => view.getUint32(at, true);
    const str = (at: number): string => utf8.decode(new Uint8Array(x.memory.buffer, u32(at), u32(at + 4)));
    return { x, ret, view, u32, str };
  };
  return {
    plan(config, context) {
      const { x, ret, view, u32, str } = call('plan', config, context);
      const tag = view.getUint8(ret);
      const ptr = u32(ret + 4);
      const len = u32(ret + 8);
      let result: PlanResult;
      if (tag === 0) {
        result = { ok: true, plan: new Uint8Array(x.memory.buffer, ptr, len).slice() };
      } else if (tag === 1) {
        const errors: SpecError[] = [];
        for (let i = 0; i < len; i++) {
          const at = ptr + i * 24;
          errors.push({ pointer: str(at), rule: str(at + 8), message: str(at + 16) });
        }
        result = { ok: false, errors };
      } else {
        throw new Error(`planner returned unknown result tag ${tag}`);
      }
      x.cabi_post_plan(ret);
      return result;
    },
    validate(config, context) {
      const { x, ret, u32, str } = call('validate', config, context);
      const ptr = u32(ret);
      const len = u32(ret + 4);
      const out: Finding[] = [];
      for (let i = 0; i < len; i++) {
        const at = ptr + i * 32;
        out.push({ pointer: str(at), rule: str(at + 8), severity: str(at + 16) as Finding['severity'], message: str(at + 24) });
      }
      x.cabi_post_validate(ret);
      return out;
    },
    rules() {
      const x = instance();
      const ret = x.rules();
      const view = new DataView(x.memory.buffer);
      const text = utf8.decode(new Uint8Array(x.memory.buffer, view.getUint32(ret, true), view.getUint32(ret + 4, true)));
      return (JSON.parse(text) as { rules: RuleInfo[] }).rules;
    },
  };
}
