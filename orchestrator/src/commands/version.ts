// `planc --version`: runc's version block plus the digest of the planner wasm in use.
// Reads the wasm only to hash it; never instantiates it.
import { corePath } from '../paths.js';
import { sha256Hex } from '../sha256.js';
import { stdout } from '../out.js';
import { sys } from '../sys.js';

declare const __PLANC_COMMIT__: string | undefined;
declare const __PLANC_VERSION__: string | undefined;

export function versionText(): string {
  const commit = typeof __PLANC_COMMIT__ === 'string' ? __PLANC_COMMIT__ : 'unknown';
  const version = typeof __PLANC_VERSION__ === 'string' ? __PLANC_VERSION__ : '0.1.0';
  let core: string;
  try { core = 'sha256:' + sha256Hex(sys().readFile(corePath())); } catch { core = 'missing'; }
  return `planc version ${version}\ncommit: ${commit}\nspec: 1.0.2-dev\nwasm-core: ${core}\n`;
}

export function versionCommand(): void { stdout(versionText()); }
