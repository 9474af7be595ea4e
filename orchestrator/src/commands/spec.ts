// `planc spec`: writes the default config.json into the bundle, refusing to overwrite one.
// Never touches anything but <bundle>/config.json.
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PlancError } from '../errors.js';
import { defaultSpec, renderSpec, toRootless } from '../spec-default.js';

export function specCommand(opts: { bundle?: string; rootless?: boolean }): void {
  // runc chdirs into the bundle first; its error is the one a missing bundle gives
  if (opts.bundle !== undefined && !statSync(opts.bundle, { throwIfNoEntry: false })?.isDirectory()) {
    throw new PlancError(`chdir ${opts.bundle}: ${existsSync(opts.bundle) ? 'not a directory' : 'no such file or directory'}`);
  }
  const path = join(opts.bundle ?? '.', 'config.json');
  if (existsSync(path)) throw new PlancError('File config.json exists. Remove it first');
  let spec = defaultSpec();
  if (opts.rootless) spec = toRootless(spec, process.geteuid?.() ?? 0, process.getegid?.() ?? 0);
  writeFileSync(path, renderSpec(spec), { mode: 0o666 });
}
