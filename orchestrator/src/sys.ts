// Synchronous file primitives for the commands engines call per container. Under Bun they are
// libc calls through bun:ffi (loading node:fs costs Bun ~3 ms of start-up, libc ~1 ms); under Node,
// or where libc cannot be opened, they are node:fs. Either way errors have node:fs's shape and text
// (code, errno, syscall, path; "ENOENT: no such file or directory, open '/x'").
// Never does anything but the one call asked for: no retries, no creation of missing parents.

/** open(2) flags as Linux numbers them (x86_64 and aarch64 differ only in O_NOFOLLOW and O_DIRECTORY). */
export interface OpenFlags {
  RDONLY: number; WRONLY: number; RDWR: number; CREAT: number; EXCL: number; TRUNC: number;
  APPEND: number; NONBLOCK: number; NOFOLLOW: number; CLOEXEC: number;
}

export interface SysError extends Error { code: string; errno: number; syscall: string; path?: string; dest?: string }

export interface Sys {
  /** which implementation is in use */
  readonly kind: 'libc' | 'node';
  readonly O: OpenFlags;
  readFile(path: string): Uint8Array;
  readText(path: string): string;
  /** true if `path` names something (access(F_OK), as existsSync); never opens it */
  exists(path: string): boolean;
  open(path: string, flags: number, mode?: number): number;
  read(fd: number, buf: Uint8Array, off: number, len: number): number;
  write(fd: number, buf: Uint8Array, off: number, len: number): number;
  close(fd: number): void;
  /** creates (with `mode`, before the umask) or truncates `path` and writes all of `data` */
  writeFile(path: string, data: string | Uint8Array, mode?: number): void;
  appendFile(path: string, data: string): void;
  rename(from: string, to: string): void;
  link(existing: string, to: string): void;
  unlink(path: string): void;
  mkdir(path: string, mode?: number): void;
  rmdir(path: string): void;
  /** the target of a symbolic link (EINVAL if `path` is not one) */
  readlink(path: string): string;
  /** the absolute path with every symlink, "." and ".." resolved */
  realpath(path: string): string;
  /** removes `path` and, for a directory, everything below it; symlinks are removed, never followed; a missing path is fine */
  rmTree(path: string): void;
  isatty(fd: number): boolean;
}

const enc = new TextEncoder();
const dec = new TextDecoder();
const bytesOf = (d: string | Uint8Array): Uint8Array => (typeof d === 'string' ? enc.encode(d) : d);

// ---- node:fs ------------------------------------------------------------------------------------

function nodeSys(): Sys {
  const fs = process.getBuiltinModule('node:fs');
  const c = fs.constants;
  return {
    kind: 'node',
    O: { RDONLY: c.O_RDONLY, WRONLY: c.O_WRONLY, RDWR: c.O_RDWR, CREAT: c.O_CREAT, EXCL: c.O_EXCL, TRUNC: c.O_TRUNC, APPEND: c.O_APPEND, NONBLOCK: c.O_NONBLOCK, NOFOLLOW: c.O_NOFOLLOW, CLOEXEC: 0o2000000 },
    readFile: (p) => new Uint8Array(fs.readFileSync(p)),
    readText: (p) => fs.readFileSync(p, 'utf8'),
    exists: (p) => fs.existsSync(p),
    // libuv opens every fd close-on-exec already
    open: (p, flags, mode = 0o666) => fs.openSync(p, flags & ~0o2000000, mode),
    read: (fd, buf, off, len) => fs.readSync(fd, buf, off, len, null),
    write: (fd, buf, off, len) => fs.writeSync(fd, buf, off, len),
    close: (fd) => fs.closeSync(fd),
    writeFile: (p, data, mode = 0o666) => fs.writeFileSync(p, data, { mode }),
    appendFile: (p, data) => fs.appendFileSync(p, data),
    rename: (a, b) => fs.renameSync(a, b),
    link: (a, b) => fs.linkSync(a, b),
    unlink: (p) => fs.unlinkSync(p),
    mkdir: (p, mode = 0o777) => { fs.mkdirSync(p, { mode }); },
    rmdir: (p) => fs.rmdirSync(p),
    readlink: (p) => fs.readlinkSync(p, 'utf8'),
    realpath: (p) => fs.realpathSync(p),
    rmTree: (p) => fs.rmSync(p, { recursive: true, force: true }),
    isatty: (fd) => process.getBuiltinModule('node:tty').isatty(fd),
  };
}

// ---- libc through bun:ffi -----------------------------------------------------------------------

// libuv's texts for the errnos these calls can return, so messages read as node:fs's do.
const ERRNO: Record<number, [string, string]> = {
  1: ['EPERM', 'operation not permitted'], 2: ['ENOENT', 'no such file or directory'], 3: ['ESRCH', 'no such process'],
  4: ['EINTR', 'interrupted system call'], 5: ['EIO', 'i/o error'], 9: ['EBADF', 'bad file descriptor'],
  11: ['EAGAIN', 'resource temporarily unavailable'], 12: ['ENOMEM', 'not enough memory'], 13: ['EACCES', 'permission denied'],
  16: ['EBUSY', 'resource busy or locked'], 17: ['EEXIST', 'file already exists'], 18: ['EXDEV', 'cross-device link not permitted'],
  20: ['ENOTDIR', 'not a directory'], 21: ['EISDIR', 'illegal operation on a directory'], 22: ['EINVAL', 'invalid argument'],
  23: ['ENFILE', 'file table overflow'], 24: ['EMFILE', 'too many open files'], 25: ['ENOTTY', 'inappropriate ioctl for device'],
  26: ['ETXTBSY', 'text file is busy'], 27: ['EFBIG', 'file too large'], 28: ['ENOSPC', 'no space left on device'],
  30: ['EROFS', 'read-only file system'], 31: ['EMLINK', 'too many links'], 32: ['EPIPE', 'broken pipe'],
  36: ['ENAMETOOLONG', 'name too long'], 39: ['ENOTEMPTY', 'directory not empty'], 40: ['ELOOP', 'too many symbolic links encountered'],
  122: ['EDQUOT', 'disk quota exceeded'],
};

export function sysError(errno: number, syscall: string, path?: string, dest?: string): SysError {
  const [code, text] = ERRNO[errno] ?? [`Unknown system error ${-errno}`, `unknown error ${errno}`];
  const where = path === undefined ? syscall : dest === undefined ? `${syscall} '${path}'` : `${syscall} '${path}' -> '${dest}'`;
  const e = new Error(`${code}: ${text}, ${where}`) as SysError;
  e.errno = -errno;
  e.code = code;
  e.syscall = syscall;
  if (path !== undefined) e.path = path;
  if (dest !== undefined) e.dest = dest;
  return e;
}

const LINUX_O = { RDONLY: 0, WRONLY: 1, RDWR: 2, CREAT: 0o100, EXCL: 0o200, TRUNC: 0o1000, APPEND: 0o2000, NONBLOCK: 0o4000, CLOEXEC: 0o2000000 };
const NOFOLLOW: Record<string, number> = { x64: 0o400000, arm64: 0o100000 };
// struct dirent of glibc on 64-bit Linux: d_ino, d_off (8 bytes each), d_reclen (2), d_type (1), d_name
const DIRENT_NAME = 19;

interface Ffi {
  dlopen(lib: string, defs: Record<string, { args: string[]; returns: string }>): { symbols: Record<string, (...a: unknown[]) => any> };
  read: { i32(ptr: number, off?: number): number };
  CString: new (ptr: number, off?: number) => string;
}

function libcSys(): Sys | null {
  if (process.platform !== 'linux' || !(process.arch in NOFOLLOW)) return null;
  let ffi: Ffi;
  let c: Record<string, (...a: unknown[]) => any>;
  try {
    ffi = process.getBuiltinModule('bun:ffi' as 'node:fs') as unknown as Ffi;
    const P = 'ptr', I = 'i32', U = 'u32', Z = 'u64', L = 'i64';
    c = ffi.dlopen('libc.so.6', {
      open: { args: [P, I, U], returns: I }, read: { args: [I, P, Z], returns: L }, write: { args: [I, P, Z], returns: L },
      close: { args: [I], returns: I }, access: { args: [P, I], returns: I }, rename: { args: [P, P], returns: I },
      link: { args: [P, P], returns: I }, unlink: { args: [P], returns: I }, mkdir: { args: [P, U], returns: I },
      rmdir: { args: [P], returns: I }, readlink: { args: [P, P, Z], returns: L }, realpath: { args: [P, P], returns: P }, isatty: { args: [I], returns: I },
      opendir: { args: [P], returns: P }, readdir: { args: [P], returns: P }, closedir: { args: [P], returns: I },
      __errno_location: { args: [], returns: P },
    }).symbols;
  } catch {
    return null;
  }
  const errnoAt = c.__errno_location!() as number;
  const errno = (): number => ffi.read.i32(errnoAt, 0);
  const cstr = (p: string): Uint8Array => {
    // a NUL would end the path early: node:fs refuses such a path, so do we
    if (p.includes('\0')) throw Object.assign(new TypeError(`The argument 'path' must be a string without null bytes. Received ${JSON.stringify(p)}`), { code: 'ERR_INVALID_ARG_VALUE' });
    return enc.encode(p + '\0');
  };
  // A call interrupted by a signal (EINTR) is retried, as libuv does.
  const check = (r: number | bigint, syscall: string, path?: string, dest?: string): number => {
    const n = Number(r);
    if (n < 0) throw sysError(errno(), syscall, path, dest);
    return n;
  };
  const retry = (f: () => number | bigint, syscall: string, path?: string): number => {
    for (;;) {
      const n = Number(f());
      if (n >= 0) return n;
      const e = errno();
      if (e !== 4) throw sysError(e, syscall, path);
    }
  };
  const O = { ...LINUX_O, NOFOLLOW: NOFOLLOW[process.arch]! };
  const sys: Sys = {
    kind: 'libc',
    O,
    open: (p, flags, mode = 0o666) => retry(() => c.open!(cstr(p), flags | O.CLOEXEC, mode), 'open', p),
    read: (fd, buf, off, len) => (len === 0 ? 0 : retry(() => c.read!(fd, buf.subarray(off, off + len), len), 'read')),
    write: (fd, buf, off, len) => (len === 0 ? 0 : retry(() => c.write!(fd, buf.subarray(off, off + len), len), 'write')),
    close: (fd) => { check(c.close!(fd), 'close'); },
    readFile: (p) => {
      const fd = sys.open(p, O.RDONLY);
      try {
        let buf = new Uint8Array(16384);
        let n = 0;
        for (;;) {
          if (n === buf.length) { const b = new Uint8Array(buf.length * 2); b.set(buf); buf = b; }
          const r = sys.read(fd, buf, n, buf.length - n);
          if (r === 0) return buf.slice(0, n);
          n += r;
        }
      } finally {
        c.close!(fd);
      }
    },
    readText: (p) => dec.decode(sys.readFile(p)),
    exists: (p) => !p.includes('\0') && Number(c.access!(cstr(p), 0)) === 0,
    writeFile: (p, data, mode = 0o666) => {
      const b = bytesOf(data);
      const fd = sys.open(p, O.WRONLY | O.CREAT | O.TRUNC, mode);
      try { for (let off = 0; off < b.length;) off += sys.write(fd, b, off, b.length - off); } finally { c.close!(fd); }
    },
    appendFile: (p, data) => {
      const b = bytesOf(data);
      const fd = sys.open(p, O.WRONLY | O.CREAT | O.APPEND, 0o666);
      try { for (let off = 0; off < b.length;) off += sys.write(fd, b, off, b.length - off); } finally { c.close!(fd); }
    },
    rename: (a, b) => { check(c.rename!(cstr(a), cstr(b)), 'rename', a, b); },
    link: (a, b) => { check(c.link!(cstr(a), cstr(b)), 'link', a, b); },
    unlink: (p) => { check(c.unlink!(cstr(p)), 'unlink', p); },
    mkdir: (p, mode = 0o777) => { check(c.mkdir!(cstr(p), mode), 'mkdir', p); },
    rmdir: (p) => { check(c.rmdir!(cstr(p)), 'rmdir', p); },
    readlink: (p) => {
      const buf = new Uint8Array(4097);
      const n = check(c.readlink!(cstr(p), buf, buf.length), 'readlink', p);
      if (n === buf.length) throw sysError(36, 'readlink', p);
      return dec.decode(buf.subarray(0, n));
    },
    realpath: (p) => {
      const buf = new Uint8Array(4096); // PATH_MAX
      if (!c.realpath!(cstr(p), buf)) throw sysError(errno(), 'realpath', p);
      return dec.decode(buf.subarray(0, buf.indexOf(0)));
    },
    rmTree: (p) => {
      // unlink first: anything but a directory (a symlink to one included) goes with it
      try { sys.unlink(p); return; } catch (e) {
        const code = (e as SysError).code;
        if (code === 'ENOENT') return;
        if (code !== 'EISDIR' && code !== 'EPERM') throw e;
      }
      // Someone may create an entry while the tree goes (a waiter's lock file, say): empty it again,
      // as node:fs's rmSync does, a bounded number of times.
      for (let tries = 0; ; tries++) {
        const names: string[] = [];
        const dir = Number(c.opendir!(cstr(p)) ?? 0);
        if (dir === 0) {
          const e = errno();
          if (e === 2) return;
          throw sysError(e, 'opendir', p);
        }
        try {
          for (let ent = Number(c.readdir!(dir) ?? 0); ent !== 0; ent = Number(c.readdir!(dir) ?? 0)) {
            const name = new ffi.CString(ent, DIRENT_NAME).toString();
            if (name !== '.' && name !== '..') names.push(name);
          }
        } finally {
          c.closedir!(dir);
        }
        for (const n of names) sys.rmTree(`${p}/${n}`);
        try { sys.rmdir(p); return; } catch (e) {
          const code = (e as SysError).code;
          if (code === 'ENOENT') return;
          if (code !== 'ENOTEMPTY' || tries === 3) throw e;
        }
      }
    },
    isatty: (fd) => Number(c.isatty!(fd)) === 1,
  };
  return sys;
}

let chosen: Sys | undefined;

/** The implementation for this process: libc under Bun where it opens, node:fs otherwise. */
export function sys(): Sys {
  chosen ??= (typeof Bun !== 'undefined' && process.env.PLANC_SYS !== 'node' ? libcSys() : null) ?? nodeSys();
  return chosen;
}

/** Both implementations, for tests: node:fs always, libc only under Bun on Linux. */
export const implementations = { node: nodeSys, libc: libcSys };

declare const Bun: unknown;
