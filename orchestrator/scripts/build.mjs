// Builds the CLI: generates the op table, bundles orchestrator/src/cli.ts into build/planc.js plus
// the chunks it imports (build/planc-chunks/), and makes bin/planc: with Bun, a link to build/planc-bun,
// those files compiled by Bun into one executable with their bytecode; else a node script importing
// build/planc.js. Never touches build/ artifacts of other parts.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
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

// A command should parse only the code it runs (parsing the whole 150 KB bundle costs Bun ~4 ms),
// in as few files as possible (each file costs Bun's loader too: create's 11 split chunks took
// ~3.6 ms to load where one 28 KB file takes ~1.5). So the CLI is built in parts:
//  - build/planc.js: cli.ts and everything it imports statically (--version, state, kill, delete,
//    start, and the dispatch of create and run), one file;
//  - build/planc-chunks/launch.js: what create and run import statically beyond that, one file;
//  - the rest of build/planc-chunks/: whatever those import dynamically (commander's tree, the
//    audit code, ...), split by esbuild.
// A part imports the modules of the parts before it from their files, never a copy, so every module
// exists once at run time (one PlancError class, one set of log options).
const graph = (await build({ ...common, entryPoints: [cli], write: false, outdir: '/nonexistent' })).metafile.inputs;
const abs = (p) => join(repo, p);
const importsOf = (m) => graph[relative(repo, m)].imports.filter((i) => !i.external).map((i) => ({ kind: i.kind, path: abs(i.path) }));
const parts = [
  { file: out, roots: [cli] },
  { file: join(chunks, 'launch.js'), roots: [join(src, 'commands', 'create.ts'), join(src, 'commands', 'run.ts')] },
];
const partOf = new Map(); // module → its part
for (const part of parts) {
  part.modules = new Set();
  for (const todo = part.roots.filter((m) => !partOf.has(m)); todo.length > 0;) {
    const m = todo.pop();
    if (partOf.has(m)) continue;
    partOf.set(m, part);
    part.modules.add(m);
    for (const i of importsOf(m)) if (i.kind === 'import-statement' && !partOf.has(i.path)) todo.push(i.path);
  }
}
const cold = new Map(); // module → its entry name in build/planc-chunks/
for (const m of partOf.keys()) {
  for (const i of importsOf(m)) {
    if (i.kind === 'dynamic-import' && !partOf.has(i.path)) cold.set(i.path, relative(src, i.path).replace(/\.ts$/, '').replaceAll('/', '-'));
  }
}
const resolveTs = (a) => join(a.resolveDir, a.path).replace(/\.js$/, '.ts');
const fileOf = (m) => partOf.get(m)?.file ?? (cold.has(m) ? join(chunks, `${cold.get(m)}.js`) : null);
const relativeImport = (from, to) => { const r = relative(dirname(from), to); return r.startsWith('.') ? r : `./${r}`; };
// an import of a module that lives in another part's file (or is a cold entry) becomes an import of that file
const elsewhere = (file) => ({
  name: 'parts',
  setup(b) {
    b.onResolve({ filter: /^\./ }, (a) => {
      const m = resolveTs(a);
      const target = fileOf(m);
      if (target === null || target === file) return undefined;
      if (a.kind !== 'dynamic-import' && !partOf.has(m)) return undefined;
      return { path: relativeImport(file, target), external: true };
    });
  },
});
const results = [];
for (const part of parts) {
  // each part exports every export of its modules under the module's own name: a name two modules share would be ambiguous
  const exportsOf = new Map();
  for (const m of part.modules) {
    const r = await build({ ...common, entryPoints: [m], bundle: false, write: false, outdir: '/nonexistent', minify: false, banner: {} });
    for (const name of Object.values(r.metafile.outputs)[0].exports) {
      if (exportsOf.has(name) && name !== 'default') throw new Error(`${name} is exported by both ${exportsOf.get(name)} and ${m}; rename one`);
      exportsOf.set(name, m);
    }
  }
  results.push(await build({
    ...common,
    stdin: { contents: [...part.modules].map((m) => `export * from ${JSON.stringify(m)};`).join('\n'), resolveDir: src, sourcefile: basename(part.file), loader: 'js' },
    outfile: part.file,
    plugins: [elsewhere(part.file)],
  }));
}
const coldFile = join(chunks, 'cold.js'); // any file in build/planc-chunks/: the imports are relative to the directory
results.push(await build({
  ...common,
  entryPoints: Object.fromEntries([...cold].map(([m, name]) => [name, m])),
  outdir: chunks,
  chunkNames: '[name]-[hash]',
  splitting: true,
  plugins: [{
    name: 'parts',
    setup(b) {
      b.onResolve({ filter: /^\./ }, (a) => {
        const part = partOf.get(resolveTs(a));
        return part ? { path: relativeImport(coldFile, part.file), external: true } : undefined;
      });
    },
  }],
}));
const outputs = Object.assign({}, ...results.map((r) => r.metafile.outputs));
for (const [file, o] of Object.entries(outputs)) {
  const mine = parts.find((p) => relative(repo, p.file) === file);
  const copies = Object.keys(o.inputs).filter((m) => partOf.has(abs(m)) && partOf.get(abs(m)) !== mine);
  if (copies.length > 0) throw new Error(`${file} holds a second copy of ${copies.join(', ')}`);
}
// build/planc.js is what every command loads: it must not import node:fs or node:path at top level
// (a top-level builtin import is loaded before any code runs, needed or not); nor must create and run.
for (const part of parts) {
  for (const i of outputs[relative(repo, part.file)].imports) {
    if (i.kind === 'import-statement' && /^node:(fs|path)$/.test(i.path)) throw new Error(`${part.file} loads ${i.path} at start-up; use sys.ts / posix-path.ts`);
  }
}
const bytes = Object.values(outputs).reduce((n, o) => n + o.bytes, 0);
mkdirSync(dirname(bin), { recursive: true });
rmSync(bin, { force: true });
const exe = join(repo, 'build', 'planc-bun');
rmSync(exe, { force: true });
const bun = engine();
let how;
// PERF: Bun's bytecode of the CLI spares every invocation parsing it: `state` of a running
// container took 11.1 ms from build/planc.js and 7.1 ms from the executable (medians of 40,
// alternated). ESM bytecode needs --compile, which bundles the chunks in and copies the bun
// binary (about 110 MB). Node keeps running build/planc.js.
// SECURITY: the runtime runs as root in the caller's working directory (containerd runs it in the
// bundle): it must not read bunfig.toml (whose `preload` runs code) or .env files (PLANC_SHIM would
// pick the binary it runs as root) from there. Not reading them also saves ~1.3 ms a start.
if (bun.startsWith('/')) {
  execFileSync(bun, ['build', '--compile', '--bytecode', '--format=esm', '--no-compile-autoload-dotenv', '--no-compile-autoload-bunfig',
    '--no-compile-autoload-tsconfig', '--no-compile-autoload-package-json', out, '--outfile', exe], { stdio: ['ignore', 'ignore', 'inherit'] });
  symlinkSync(relative(dirname(bin), exe), bin);
  how = `-> ${relative(repo, exe)} (bun ${execFileSync(bun, ['--version']).toString().trim()}, compiled with bytecode)`;
} else {
  // without Bun: node, which reads no configuration from the working directory
  writeFileSync(bin, `#!${bun}\nimport '../build/planc.js';\n`);
  chmodSync(bin, 0o755);
  how = `via #!${bun}`;
}
console.log(`cli: ${g.ops} ops; ${out} + ${Object.keys(outputs).length - 1} chunks (${bytes} bytes); ${bin} ${how}`);
