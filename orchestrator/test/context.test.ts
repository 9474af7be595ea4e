// Pins the context record: fixed key order, state dir, and user_home read inside the rootfs only.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildContext } from '../src/context.js';
import { emptyFacts } from '../src/facts.js';
import { resolveInRoot, userHome } from '../src/rootfs.js';

let dir = '';
afterEach(() => { if (dir) rmSync(dir, { recursive: true, force: true }); dir = ''; });
function bundle(passwd?: string): string {
  dir = mkdtempSync(join(tmpdir(), 'planc-ctx-'));
  mkdirSync(join(dir, 'rootfs', 'etc'), { recursive: true });
  if (passwd !== undefined) writeFileSync(join(dir, 'rootfs', 'etc', 'passwd'), passwd);
  return dir;
}

describe('buildContext', () => {
  it('writes the keys in the documented order with the uid\'s home', () => {
    const b = bundle('root:x:0:0:root:/root:/bin/sh\nwww:x:33:33::/var/www:/bin/false\n');
    const bytes = buildContext({ id: 'c1', bundle: b, stateDir: '/run/planc/c1', host: emptyFacts(), config: { process: { user: { uid: 33 } } } });
    const text = new TextDecoder().decode(bytes);
    const j = JSON.parse(text);
    expect(Object.keys(j)).toEqual(['id', 'bundle', 'state_dir', 'user_home', 'action', 'options', 'hooks_caller', 'host']);
    expect(j.options).toEqual({ no_pivot: false, no_new_keyring: false, preserve_fds: 0, console_socket: '', console_proxy: '' });
    expect(Object.keys(j.host)).toEqual(['cgroup', 'cpuset', 'proc_kcore', 'clone_into_cgroup']);
    expect(j).toMatchObject({ id: 'c1', bundle: b, state_dir: '/run/planc/c1', user_home: '/var/www', action: 'create', hooks_caller: false });
  });

  it('gives the same bytes for the same input whatever the config\'s key order', () => {
    const b = bundle('root:x:0:0:root:/root:/bin/sh\n');
    const a = buildContext({ id: 'x', bundle: b, stateDir: '/s', host: emptyFacts(), config: { root: { path: 'rootfs' }, process: { user: { uid: 0 } } } });
    const c = buildContext({ id: 'x', bundle: b, stateDir: '/s', host: emptyFacts(), config: { process: { user: { uid: 0 } }, root: { path: 'rootfs' } } });
    expect(a).toEqual(c);
  });
});

describe('userHome', () => {
  it('is "/" when the uid has no entry or there is no passwd', () => {
    expect(userHome(join(bundle('root:x:0:0:root:/root:/bin/sh\n'), 'rootfs'), 1000)).toBe('/');
    rmSync(dir, { recursive: true }); dir = '';
    expect(userHome(join(bundle(), 'rootfs'), 0)).toBe('/');
  });

  it('follows an absolute /etc/passwd symlink inside the rootfs, never to the host file', () => {
    const b = bundle();
    const root = join(b, 'rootfs');
    writeFileSync(join(root, 'passwd.real'), 'root:x:0:0::/inside:/bin/sh\n');
    symlinkSync('/passwd.real', join(root, 'etc', 'passwd'));
    expect(userHome(root, 0)).toBe('/inside');
    symlinkSync('../../../../../../etc/shadow-not-here', join(root, 'etc', 'escape'));
    expect(resolveInRoot(root, '/etc/escape')).toBeNull();
    expect(resolveInRoot(root, '/../../etc')).toBe(join(root, 'etc'));
  });
});
