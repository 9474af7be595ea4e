// abi_check.mjs — drives build/planc-core.wasm through its canonical-ABI exports exactly as a
// host would: plan twice (determinism), an error case, and memory reuse. Never edits files.
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';

const [wasmPath, configPath, contextPath] = process.argv.slice(2);
const mod = new WebAssembly.Module(readFileSync(wasmPath));
if (WebAssembly.Module.imports(mod).length !== 0) throw new Error('module imports something');
const { memory, cabi_realloc, plan, cabi_post_plan } = new WebAssembly.Instance(mod, {}).exports;

function call(config, context) {
  const put = (bytes) => {
    const p = cabi_realloc(0, 0, 1, bytes.length);
    new Uint8Array(memory.buffer, p, bytes.length).set(bytes);
    return p;
  };
  const cp = put(config), xp = put(context);
  const ret = plan(cp, config.length, xp, context.length);
  const dv = new DataView(memory.buffer);
  const disc = dv.getUint8(ret), ptr = dv.getUint32(ret + 4, true), len = dv.getUint32(ret + 8, true);
  const str = (p, n) => new TextDecoder().decode(new Uint8Array(memory.buffer, p, n));
  let out;
  if (disc === 0) out = { ok: new Uint8Array(memory.buffer, ptr, len).slice() };
  else {
    const errs = [];
    for (let i = 0; i < len; i++) {
      const b = ptr + i * 24, f = (k) => str(dv.getUint32(b + k * 8, true), dv.getUint32(b + k * 8 + 4, true));
      errs.push({ pointer: f(0), rule: f(1), message: f(2) });
    }
    out = { err: errs };
  }
  cabi_post_plan(ret);
  return out;
}

const config = readFileSync(configPath), context = readFileSync(contextPath);
const digests = new Set();
let before;
for (let i = 0; i < 50; i++) {
  const r = call(config, context);
  if (!r.ok) { console.log(JSON.stringify(r.err, null, 1)); process.exit(1); }
  digests.add(createHash('sha256').update(r.ok).digest('hex'));
  if (i === 1) before = memory.buffer.byteLength;
  // interleave failing calls: they must not change the next plan
  const bad = call(Buffer.from('{"ociVersion": "2.0", "process": {"args": []}}'), context);
  if (!bad.err || bad.err.length < 2) throw new Error('expected errors');
}
if (digests.size !== 1) throw new Error('plan bytes differ between calls');
if (memory.buffer.byteLength !== before) throw new Error(`memory grew from ${before} to ${memory.buffer.byteLength}`);
// empty lists: the host may pass the aligned dummy pointer cabi_realloc gives for size 0
const empty = call(Buffer.alloc(0), context);
if (!empty.err || empty.err[0].rule !== 'json-syntax') throw new Error('empty config not refused');
console.log('ok sha256:' + [...digests][0]);
console.log(JSON.stringify(call(Buffer.from('{"ociVersion": "1.0.2", "x": [1,}'), context).err));
