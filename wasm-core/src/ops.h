/* ops.h — typed wrappers over emit(), one per op, so the compiler checks every argument
 * against the ops.def signature (u32/u64/string/list). Must never be bypassed by callers. */
#ifndef PLANC_OPS_H
#define PLANC_OPS_H
#include "planner.h"

#define H F_LANE_HOST
#define C F_LANE_CONTAINER
#define T F_LANE_TEARDOWN
static inline void op_mkfifo(planner *p, const char *w, const char *path, uint32_t mode) { emit(p, OP_MKFIFO, H, "su", w, path, mode); }
static inline void op_mkdir(planner *p, const char *w, const char *path, uint32_t mode) { emit(p, OP_MKDIR, H, "su", w, path, mode); }
static inline void op_write_file(planner *p, const char *w, const char *path, const char *data) { emit(p, OP_WRITE_FILE, H, "ss", w, path, data); }
static inline void op_write_file_in_container(planner *p, const char *w, const char *path, const char *data) { emit(p, OP_WRITE_FILE, C, "ss", w, path, data); }
static inline void op_setns(planner *p, int lane, const char *w, const char *path, uint32_t nstype) { emit(p, OP_SETNS, lane, "su", w, path, nstype); }
static inline void op_clone(planner *p, const char *w, uint64_t flags) { emit(p, OP_CLONE, H, "U", w, flags); }
static inline void op_clone_into_cgroup(planner *p, const char *w, uint64_t flags, const char *cgroup) { emit(p, OP_CLONE_INTO_CGROUP, H, "Us", w, flags, cgroup); }
static inline void op_cgroup_join_self(planner *p, const char *w, const char *path) { emit(p, OP_CGROUP_JOIN_SELF, C, "s", w, path); }
static inline void op_sync_signal(planner *p, int lane, const char *w, uint32_t point) { emit(p, OP_SYNC_SIGNAL, lane, "u", w, point); }
static inline void op_sync_wait(planner *p, int lane, const char *w, uint32_t point) { emit(p, OP_SYNC_WAIT, lane, "u", w, point); }
static inline void op_sethostname(planner *p, const char *w, const char *name) { emit(p, OP_SETHOSTNAME, C, "s", w, name); }
static inline void op_setdomainname(planner *p, const char *w, const char *name) { emit(p, OP_SETDOMAINNAME, C, "s", w, name); }
static inline void op_mount(planner *p, const char *w, const char *src, const char *target, const char *fstype, uint64_t flags, const char *data) { emit(p, OP_MOUNT, C, "sssUs", w, src, target, fstype, flags, data); }
static inline void op_open_root(planner *p, const char *w, const char *path) { emit(p, OP_OPEN_ROOT, C, "s", w, path); }
static inline void op_mkdir_in_root(planner *p, const char *w, const char *path, uint32_t mode) { emit(p, OP_MKDIR_IN_ROOT, C, "su", w, path, mode); }
static inline void op_mount_in_root(planner *p, const char *w, const char *src, uint32_t src_kind, const char *target, const char *fstype, uint64_t flags, const char *data, uint32_t path_flags) { emit(p, OP_MOUNT_IN_ROOT, C, "sussUsu", w, src, src_kind, target, fstype, flags, data, path_flags); }
static inline void op_mknod_in_root(planner *p, const char *w, const char *path, uint32_t mode, uint32_t major, uint32_t minor) { emit(p, OP_MKNOD_IN_ROOT, C, "suuu", w, path, mode, major, minor); }
static inline void op_chown_in_root(planner *p, const char *w, const char *path, uint32_t uid, uint32_t gid) { emit(p, OP_CHOWN_IN_ROOT, C, "suu", w, path, uid, gid); }
static inline void op_symlink_in_root(planner *p, const char *w, const char *target, const char *linkpath) { emit(p, OP_SYMLINK_IN_ROOT, C, "ss", w, target, linkpath); }
static inline void op_pivot_root(planner *p, const char *w, const char *new_root) { emit(p, OP_PIVOT_ROOT, C, "s", w, new_root); }
static inline void op_mask_path(planner *p, const char *w, const char *path) { emit(p, OP_MASK_PATH, C, "s", w, path); }
static inline void op_exec_fifo_open(planner *p, const char *w, const char *path) { emit(p, OP_EXEC_FIFO_OPEN, C, "s", w, path); }
static inline void op_setrlimit(planner *p, const char *w, uint32_t res, uint64_t soft, uint64_t hard) { emit(p, OP_SETRLIMIT, C, "uUU", w, res, soft, hard); }
static inline void op_set_no_new_privs(planner *p, const char *w) { emit(p, OP_SET_NO_NEW_PRIVS, C, "", w); }
static inline void op_set_keepcaps(planner *p, const char *w, uint32_t v) { emit(p, OP_SET_KEEPCAPS, C, "u", w, v); }
static inline void op_capbset_drop(planner *p, const char *w, uint64_t caps) { emit(p, OP_CAPBSET_DROP, C, "U", w, caps); }
static inline void op_setgroups(planner *p, const char *w, const u32vec *gids) { emit(p, OP_SETGROUPS, C, "L", w, gids); }
static inline void op_setresgid(planner *p, const char *w, uint32_t r, uint32_t e, uint32_t s) { emit(p, OP_SETRESGID, C, "uuu", w, r, e, s); }
static inline void op_setresuid(planner *p, const char *w, uint32_t r, uint32_t e, uint32_t s) { emit(p, OP_SETRESUID, C, "uuu", w, r, e, s); }
static inline void op_capset(planner *p, const char *w, uint64_t eff, uint64_t perm, uint64_t inh) { emit(p, OP_CAPSET, C, "UUU", w, eff, perm, inh); }
static inline void op_cap_ambient_raise(planner *p, const char *w, uint64_t caps) { emit(p, OP_CAP_AMBIENT_RAISE, C, "U", w, caps); }
static inline void op_umask(planner *p, const char *w, uint32_t mask) { emit(p, OP_UMASK, C, "u", w, mask); }
static inline void op_chdir(planner *p, const char *w, const char *path) { emit(p, OP_CHDIR, C, "s", w, path); }
static inline void op_close_fds(planner *p, const char *w, uint32_t first) { emit(p, OP_CLOSE_FDS, C, "u", w, first); }
static inline void op_exec_fifo_wait(planner *p, const char *w) { emit(p, OP_EXEC_FIFO_WAIT, C, "", w); }
static inline void op_execve(planner *p, const char *w, const char *file, const strvec *argv, const strvec *envp, const strvec *search) { emit(p, OP_EXECVE, C, "sSSS", w, file, argv, envp, search); }
static inline void op_seccomp_set_filter(planner *p, const char *w, uint32_t flags, const uint8_t *filter, size_t len) { emit(p, OP_SECCOMP_SET_FILTER, C, "ub", w, flags, filter, len); }
static inline void op_unshare(planner *p, const char *w, uint64_t flags) { emit(p, OP_UNSHARE, C, "U", w, flags); }
static inline void op_sync_caller(planner *p, const char *w, uint32_t point) { emit(p, OP_SYNC_CALLER, H, "u", w, point); }
static inline void op_console_listen(planner *p, const char *w, const char *path) { emit(p, OP_CONSOLE_LISTEN, H, "s", w, path); }
static inline void op_console_connect(planner *p, const char *w, const char *path) { emit(p, OP_CONSOLE_CONNECT, C, "s", w, path); }
static inline void op_console_setup(planner *p, const char *w, const char *ptmx, uint32_t rows, uint32_t cols) { emit(p, OP_CONSOLE_SETUP, C, "suu", w, ptmx, rows, cols); }
static inline void op_run_hook(planner *p, const char *w, const char *path, const strvec *argv, const strvec *envp, const char *prefix, const char *suffix, uint32_t timeout_ms) { emit(p, OP_RUN_HOOK, C, "sSSssu", w, path, argv, envp, prefix, suffix, timeout_ms); }
static inline void op_write_child_proc(planner *p, const char *w, const char *file, const char *data) { emit(p, OP_WRITE_CHILD_PROC, H, "ss", w, file, data); }
static inline void op_exec_check(planner *p, const char *w, const char *file, const strvec *search) { emit(p, OP_EXEC_CHECK, C, "sS", w, file, search); }
static inline void op_move_root(planner *p, const char *w, const char *new_root) { emit(p, OP_MOVE_ROOT, C, "s", w, new_root); }
static inline void op_link_move(planner *p, const char *w, const char *name, const char *new_name, const char *netns) { emit(p, OP_LINK_MOVE, H, "sss", w, name, new_name, netns); }
static inline void op_link_up(planner *p, const char *w, const char *name) { emit(p, OP_LINK_UP, C, "s", w, name); }
static inline void op_fchown_stdio(planner *p, const char *w, uint32_t uid, const char *null_path) { emit(p, OP_FCHOWN_STDIO, C, "us", w, uid, null_path); }
static inline void op_chdir_try(planner *p, const char *w, const char *path) { emit(p, OP_CHDIR_TRY, C, "s", w, path); }
static inline void op_chdir_retry(planner *p, const char *w, const char *path) { emit(p, OP_CHDIR_RETRY, C, "s", w, path); }
static inline void op_tty_clear_oflag(planner *p, const char *w, uint32_t fd, uint32_t flags) { emit(p, OP_TTY_CLEAR_OFLAG, C, "uu", w, fd, flags); }
static inline void op_setuid(planner *p, const char *w, uint32_t uid) { emit(p, OP_SETUID, C, "u", w, uid); }
static inline void op_setgid(planner *p, const char *w, uint32_t gid) { emit(p, OP_SETGID, C, "u", w, gid); }
static inline void op_sync_close(planner *p, const char *w, uint32_t point) { emit(p, OP_SYNC_CLOSE, C, "u", w, point); }
static inline void op_seccomp_listener_send(planner *p, const char *w) { emit(p, OP_SECCOMP_LISTENER_SEND, C, "", w); }
static inline void op_seccomp_listener_forward(planner *p, const char *w, const char *path, const strvec *parts) { emit(p, OP_SECCOMP_LISTENER_FORWARD, H, "sS", w, path, parts); }
static inline void op_bpf_device_filter(planner *p, const char *w, const char *cgroup, const char *license, const uint8_t *insns, size_t len) { emit(p, OP_BPF_DEVICE_FILTER, H, "ssb", w, cgroup, license, insns, len); }
static inline void op_rmdir(planner *p, const char *w, const char *path) { emit(p, OP_RMDIR, T, "s", w, path); }
static inline void op_unlink(planner *p, const char *w, const char *path) { emit(p, OP_UNLINK, T, "s", w, path); }
static inline void op_systemd_start_unit(planner *p, const char *w, uint32_t point, const char *name, const char *mode, const strvec *props) { emit(p, OP_SYSTEMD_START_UNIT, F_LANE_CALLER, "ussS", w, point, name, mode, props); }
static inline void op_systemd_stop_unit(planner *p, const char *w, const char *name, const char *mode) { emit(p, OP_SYSTEMD_STOP_UNIT, F_LANE_CALLER, "ss", w, name, mode); }
static inline void op_systemd_set_unit_properties(planner *p, const char *w, uint32_t point, const char *name, uint32_t runtime, const strvec *props) { emit(p, OP_SYSTEMD_SET_UNIT_PROPERTIES, F_LANE_CALLER, "usuS", w, point, name, runtime, props); }
#undef H
#undef C
#undef T
#endif
