// Builds the CLI: generates the op table, bundles orchestrator/src/cli.ts into build/planc.js plus
// the chunks it imports (build/planc-chunks/), and writes bin/planc, which runs build/planc.js with the
// fastest engine. Never touches build/ artifacts of other parts.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
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
const chunks = join(repo, 'build', 'planc-chunks');
rmSync(chunks, { recursive: true, force: true });
// Split at each dynamic import: a command parses only the code it runs (parsing the whole
// 150 KB bundle costs Bun ~4 ms). The hot commands' modules are imported statically by cli.ts,
// so they arrive with the entry rather than through a chain of dynamic imports.
const result = await build({
  entryPoints: { planc: join(repo, 'orchestrator', 'src', 'cli.ts') },
  outdir: dirname(out),
  chunkNames: 'planc-chunks/[name]-[hash]',
  splitting: true,
  metafile: true,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  minify: true,
  legalComments: 'none',
  define: { __PLANC_COMMIT__: JSON.stringify(commit()), __PLANC_VERSION__: JSON.stringify(version) },
  // `// @bun` marks each file as needing no transpiling by Bun (plain ESM; a comment to Node).
  // commander is CommonJS and only requires node builtins; serve them without loading node:module.
  banner: { js: '// @bun\nconst require=(m)=>process.getBuiltinModule(m);' },
  logLevel: 'warning',
});
// The files every command loads (the entry and what it imports statically) must not import node:fs or
// node:path: a top-level builtin import is loaded before any code runs, needed or not.
const outputs = result.metafile.outputs;
const entry = Object.keys(outputs).find((f) => outputs[f].entryPoint);
for (const seen = new Set([entry]), todo = [entry]; todo.length > 0;) {
  const o = outputs[todo.pop()];
  for (const i of o.imports) {
    if (i.kind !== 'import-statement') continue;
    if (i.external && /^node:(fs|path)$/.test(i.path)) throw new Error(`${entry} loads ${i.path} at start-up; use sys.ts / posix-path.ts`);
    if (!i.external && !seen.has(i.path)) { seen.add(i.path); todo.push(i.path); }
  }
}
const bytes = Object.values(outputs).reduce((n, o) => n + o.bytes, 0);
mkdirSync(dirname(bin), { recursive: true });
const shebang = `#!${engine()}\n`;
// bin/planc is only a shebang in front of build/planc.js: the chunks resolve relative to that file.
writeFileSync(bin, `${shebang}// @bun\nimport '../build/planc.js';\n`);
chmodSync(bin, 0o755);
console.log(`cli: ${g.ops} ops; ${out} + ${Object.keys(outputs).length - 1} chunks (${bytes} bytes); ${bin} via ${shebang.trim()}`);
