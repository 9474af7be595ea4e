// Preloaded into the planc CLI (`bun --preload bench/marks-preload.mjs build/planc.js …`) by
// bench/profile.mjs: records when the bundle starts, compiles the planner, plans and spawns the shim.
const t = () => performance.now();
const marks = [['preload (runtime booted)', t()]];
const mark = (name) => marks.push([name, t()]);
const origCompile = WebAssembly.compile;
WebAssembly.compile = async function (...a) { mark('wasm compile start'); const m = await origCompile.apply(this, a); mark('wasm compile end'); return m; };
const OrigInstance = WebAssembly.Instance;
let instances = 0;
WebAssembly.Instance = new Proxy(OrigInstance, {
  construct(target, args) {
    const n = ++instances;
    mark(`instance ${n} start`);
    const inst = Reflect.construct(target, args);
    mark(`instance ${n} made`);
    const x = { ...inst.exports };
    for (const f of ['plan', 'validate']) {
      if (typeof x[f] === 'function') { const g = x[f]; x[f] = (...a) => { mark(`${f}() start`); const r = g(...a); mark(`${f}() end`); return r; }; }
    }
    return new Proxy(inst, { get: (t, p) => (p === 'exports' ? x : Reflect.get(t, p)) });
  },
});
const cp = process.getBuiltinModule('node:child_process');
const origSpawn = cp.spawn;
cp.spawn = function (...a) { mark(`spawn ${String(a[0]).split('/').pop()} ${a[1]?.[0] ?? ''}`); const c = origSpawn.apply(this, a); mark('spawn returned'); c.on('exit', () => mark('shim exit seen')); return c; };
setTimeout(() => mark('first timer turn (bundle evaluated)'), 0);
const origExit = process.exit;
process.exit = function (...a) {
  mark('process.exit');
  if (process.env.PLANC_BENCH_MARKS) process.getBuiltinModule('node:fs').writeFileSync(process.env.PLANC_BENCH_MARKS, JSON.stringify(marks) + '\n');
  return origExit.apply(this, a);
};
