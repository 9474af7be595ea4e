// Synchronous file primitives for the CLI over node:fs, which is loaded on first use: a top-level
// import of node:fs costs every Bun invocation ~3 ms, whether or not it touches a file. Errors are
// node:fs's own (code, errno, syscall, path). Never does anything but the one call asked for: no
// retries, no creation of missing parents.
// (libc through bun:ffi was measured in its place: about 1.5 ms less for state and kill from
// build/planc.js, and slower than node:fs in the compiled bin/planc; see bench/where-time-goes.md.)

/** open(2) flags, as node:fs's constants give them. */
export interface OpenFlags {
  RDONLY: number; WRONLY: number; RDWR: number; CREAT: number; EXCL: number; TRUNC: number;
  APPEND: number; NONBLOCK: number; NOFOLLOW: number;
}

/** The shape of node:fs's errors, which callers test by `code`. */
export interface SysError extends Error { code: string; errno: number; syscall: string; path?: string; dest?: string }

export interface Sys {
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
  /** the names in a directory, sorted */
  readdir(path: string): string[];
  isatty(fd: number): boolean;
}

function nodeSys(): Sys {
  const fs = process.getBuiltinModule('node:fs');
  const c = fs.constants;
  return {
    O: { RDONLY: c.O_RDONLY, WRONLY: c.O_WRONLY, RDWR: c.O_RDWR, CREAT: c.O_CREAT, EXCL: c.O_EXCL, TRUNC: c.O_TRUNC, APPEND: c.O_APPEND, NONBLOCK: c.O_NONBLOCK, NOFOLLOW: c.O_NOFOLLOW },
    readFile: (p) => new Uint8Array(fs.readFileSync(p)),
    readText: (p) => fs.readFileSync(p, 'utf8'),
    exists: (p) => fs.existsSync(p),
    // libuv opens every fd close-on-exec
    open: (p, flags, mode = 0o666) => fs.openSync(p, flags, mode),
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
    readdir: (p) => fs.readdirSync(p).sort(),
    // without node:tty, which costs Bun 7-11 ms to load: a character device with a terminal's major
    // number (devices.txt: 4 virtual consoles and serial ports, 5 tty/console/ptmx, 136-143 Unix98 ptys)
    isatty: (fd) => {
      let st;
      try { st = fs.fstatSync(fd); } catch { return false; }
      const major = Math.floor(st.rdev / 256) & 0xfff;
      return st.isCharacterDevice() && (major === 4 || major === 5 || (major >= 136 && major <= 143));
    },
  };
}

let chosen: Sys | undefined;

/** The file primitives; node:fs is loaded by the first call. */
export function sys(): Sys {
  chosen ??= nodeSys();
  return chosen;
}
