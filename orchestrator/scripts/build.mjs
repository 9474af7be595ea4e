// Builds the CLI: generates the op table, bundles orchestrator/src/cli.ts into build/planc.js plus
// the chunks it imports (build/planc-chunks/), and writes bin/planc, which runs build/planc.js with the
// fastest engine. Never touches build/ artifacts of other parts.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { generate } from './gen-ops.mjs';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const out = join(repo, 'build', 'planc.js');
const bin = join(repo, 'bin', 'planc');

function commit() {
  try { return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repo, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim(); } catch { return 'unknown'; }
}

// Bun starts ~10x faster than node here; use it only if it really runs.
function engine() {
  try {
    const bun = realpathSync(join(repo, 'node_modules', '.bin', 'bun'));
    execFileSync(bun, ['--version'], { stdio: 'ignore' });
    return bun;
  } catch { return '/usr/bin/env node'; }
}

const g = generate();
const version = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')).version;
mkdirSync(dirname(out), { recursive: true });
const src = join(repo, 'orchestrator', 'src');
const cli = join(src, 'cli.ts');
const chunks = join(repo, 'build', 'planc-chunks');
rmSync(chunks, { recursive: true, force: true });
const common = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  minify: true,
  legalComments: 'none',
  metafile: true,
  define: { __PLANC_COMMIT__: JSON.stringify(commit()), __PLANC_VERSION__: JSON.stringify(version) },
  // `// @bun` marks each file as needing no transpiling by Bun (plain ESM; a comment to Node).
  // commander is CommonJS and only requires node builtins; serve them without loading node:module.
  banner: { js: '// @bun\nconst require=(m)=>process.getBuiltinModule(m);' },
  logLevel: 'warning',
};

// Two parts, so that a command parses only the code it runs (parsing the whole 150 KB bundle costs
// Bun ~4 ms) and what every command runs is one file (each extra file costs Bun's loader too):
//  - hot: cli.ts and everything it imports statically (the engine fast path), as build/planc.js;
//  - cold: the modules hot code imports dynamically (commander's tree, create/run's planner, ...),
//    split into build/planc-chunks/, which import hot modules from build/planc.js itself, so every
//    module exists once (one PlancError class, one set of log options).
const graph = (await build({ ...common, entryPoints: [cli], write: false, outdir: '/nonexistent' })).metafile.inputs;
const abs = (p) => join(repo, p);
const hot = new Set([cli]);
for (const todo = [cli]; todo.length > 0;) {
  for (const i of graph[relative(repo, todo.pop())].imports) {
    if (i.kind === 'import-statement' && !i.external && !hot.has(abs(i.path))) { hot.add(abs(i.path)); todo.push(abs(i.path)); }
  }
}
const cold = new Map(); // module → its entry name in build/planc-chunks/
for (const m of hot) {
  for (const i of graph[relative(repo, m)].imports) {
    if (i.kind === 'dynamic-import' && !hot.has(abs(i.path))) cold.set(abs(i.path), relative(src, abs(i.path)).replace(/\.ts$/, '').replaceAll('/', '-'));
  }
}
// build/planc.js exports every hot module's exports under its own name: a name two modules export would be ambiguous
const exportsOf = new Map();
for (const m of hot) {
  const r = await build({ ...common, entryPoints: [m], bundle: false, write: false, outdir: '/nonexistent', minify: false, banner: {} });
  for (const name of Object.values(r.metafile.outputs)[0].exports) {
    if (exportsOf.has(name) && name !== 'default') throw new Error(`${name} is exported by both ${exportsOf.get(name)} and ${m}; rename one`);
    exportsOf.set(name, m);
  }
}
const resolveTs = (a) => join(a.resolveDir, a.path).replace(/\.js$/, '.ts');
const hotResult = await build({
  ...common,
  stdin: { contents: [...hot].map((m) => `export * from ${JSON.stringify(m)};`).join('\n'), resolveDir: src, sourcefile: 'planc-entry.js', loader: 'js' },
  outfile: out,
  plugins: [{
    name: 'cold-chunks',
    setup(b) {
      b.onResolve({ filter: /^\./ }, (a) => {
        const m = resolveTs(a);
        if (a.kind === 'dynamic-import' && cold.has(m)) return { path: `./planc-chunks/${cold.get(m)}.js`, external: true };
        return undefined;
      });
    },
  }],
});
const coldResult = await build({
  ...common,
  entryPoints: Object.fromEntries([...cold].map(([m, name]) => [name, m])),
  outdir: chunks,
  chunkNames: '[name]-[hash]',
  splitting: true,
  plugins: [{
    name: 'hot-from-entry',
    setup(b) {
      b.onResolve({ filter: /^\./ }, (a) => (hot.has(resolveTs(a)) ? { path: '../planc.js', external: true } : undefined));
    },
  }],
});
// build/planc.js is what every command loads: it must not import node:fs or node:path at top level
// (a top-level builtin import is loaded before any code runs, needed or not).
const outputs = { ...hotResult.metafile.outputs, ...coldResult.metafile.outputs };
for (const [file, o] of Object.entries(coldResult.metafile.outputs)) {
  const twice = Object.keys(o.inputs).filter((m) => hot.has(abs(m)));
  if (twice.length > 0) throw new Error(`${file} holds a second copy of ${twice.join(', ')}`);
}
for (const i of hotResult.metafile.outputs[relative(repo, out)].imports) {
  if (i.kind === 'import-statement' && /^node:(fs|path)$/.test(i.path)) throw new Error(`${out} loads ${i.path} at start-up; use sys.ts / posix-path.ts`);
}
const bytes = Object.values(outputs).reduce((n, o) => n + o.bytes, 0);
mkdirSync(dirname(bin), { recursive: true });
const shebang = `#!${engine()}\n`;
// bin/planc is only a shebang in front of build/planc.js: the chunks resolve relative to that file.
writeFileSync(bin, `${shebang}// @bun\nimport '../build/planc.js';\n`);
chmodSync(bin, 0o755);
console.log(`cli: ${g.ops} ops; ${out} + ${Object.keys(outputs).length - 1} chunks (${bytes} bytes); ${bin} via ${shebang.trim()}`);
