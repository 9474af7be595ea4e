// Builds the CLI: generates the op table, bundles orchestrator/src/cli.ts into build/planc.js,
// and writes bin/planc with the fastest engine's shebang. Never touches build/ artifacts of other parts.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
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
await build({
  entryPoints: [join(repo, 'orchestrator', 'src', 'cli.ts')],
  outfile: out,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  minify: true,
  legalComments: 'none',
  define: { __PLANC_COMMIT__: JSON.stringify(commit()), __PLANC_VERSION__: JSON.stringify(version) },
  // commander is CommonJS and only requires node builtins; serve them without loading node:module.
  banner: { js: 'const require=(m)=>process.getBuiltinModule(m);' },
  logLevel: 'warning',
});
const bundle = readFileSync(out, 'utf8');
mkdirSync(dirname(bin), { recursive: true });
const shebang = `#!${engine()}\n`;
writeFileSync(bin, shebang + bundle.replace(/^#!.*\n/, ''));
chmodSync(bin, 0o755);
console.log(`cli: ${g.ops} ops; ${out} (${bundle.length} bytes); ${bin} via ${shebang.trim()}`);
