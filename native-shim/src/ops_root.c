/* ops_root.c — C's filesystem ops: everything inside the container's root is resolved from
 * the open_root fd with openat2(RESOLVE_IN_ROOT), and every mount targets an fd.
 * Must never resolve an in-root path as a plain string. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include "shim.h"
#include "sys.h"

static const char *or_null(const char *s)
{
	return s && s[0] ? s : NULL;
}

/* resolve_in_root: an fd for path inside the root, or -errno (e says which path) */
int resolve_in_root(struct ctx *c, const char *path, int flags, struct err *e)
{
	if (c->root_fd < 0)
		return fail(e, EBADF, "%s: no open_root before this op", path);
	/* SECURITY: symlinks and ".." cannot leave the root; /proc magic links are refused
	 * (CVE-2019-16884, CVE-2021-30465 class) */
	int fd = sys_openat2(c->root_fd, path, (uint64_t)(flags | O_CLOEXEC),
			     RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
	if (fd < 0)
		return fail_errno(e, "%s", path);
	return fd;
}

/* proc_verify: 0 when the /proc this process sees is procfs */
int proc_verify(struct err *e)
{
	struct statfs st;
	/* SECURITY: checked before every use, so a /proc replaced by the rootfs (or after
	 * pivot_root) is caught; O_NOFOLLOW refuses a /proc that is a symlink */
	int pfd = open("/proc", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (pfd < 0)
		return fail_errno(e, "/proc");
	int r = fstatfs(pfd, &st);
	int saved = errno;
	close(pfd);
	if (r < 0)
		return fail(e, saved, "/proc");
	if (st.f_type != PROC_SUPER_MAGIC)
		return fail(e, EXDEV, "/proc is not procfs");
	return 0;
}

/* proc_fd_path: "/proc/self/fd/N" for fd, once /proc is proven to be procfs */
int proc_fd_path(char *buf, size_t cap, int fd, struct err *e)
{
	int r = proc_verify(e);
	if (r < 0)
		return r;
	snprintf(buf, cap, "/proc/self/fd/%d", fd);
	return 0;
}

/* split_path: path → (parent, name) in buf; name is never empty, ".", or ".." */
static int split_path(const char *path, char *buf, const char **parent, const char **name)
{
	size_t n = strlen(path);
	if (n >= PATH_MAX)
		return -ENAMETOOLONG;
	memcpy(buf, path, n + 1);
	while (n > 1 && buf[n - 1] == '/')
		buf[--n] = 0;
	char *slash = strrchr(buf, '/');
	if (!slash) {
		*parent = ".";
		*name = buf;
	} else {
		*name = slash + 1;
		*parent = slash == buf ? "/" : buf;
		*slash = 0;
	}
	if (!**name || !strcmp(*name, ".") || !strcmp(*name, ".."))
		return -EINVAL;
	return 0;
}

/* open_parent: the resolved parent directory of path, and the last component's name */
static int open_parent(struct ctx *c, const char *path, char *buf, const char **name, struct err *e)
{
	const char *parent;
	int r = split_path(path, buf, &parent, name);
	if (r < 0)
		return fail(e, -r, "%s", path);
	return resolve_in_root(c, parent, O_PATH | O_DIRECTORY, e);
}

/* mkdir_p: create each missing component in root; newly made ones get their mode exactly */
static int mkdir_p(struct ctx *c, const char *path, mode_t mode, struct err *e)
{
	char buf[PATH_MAX], pbuf[PATH_MAX];
	size_t len = strlen(path);
	if (len >= PATH_MAX)
		return fail(e, ENAMETOOLONG, "%s", path);
	memcpy(buf, path, len + 1);
	for (size_t i = 1; i <= len; i++) {
		if ((buf[i] != '/' && buf[i] != 0) || buf[i - 1] == '/')
			continue;
		char save = buf[i];
		buf[i] = 0;
		int last = strspn(path + i, "/") == len - i;
		int fd = resolve_in_root(c, buf, O_PATH | O_DIRECTORY, e);
		if (fd == -ENOENT) {
			const char *name;
			int pfd = open_parent(c, buf, pbuf, &name, e);
			if (pfd < 0)
				return pfd;
			mode_t m = last ? mode : 0755;
			int r = mkdirat(pfd, name, m);
			/* umask does not apply: the plan's mode is the mode */
			if (r == 0)
				r = fchmodat(pfd, name, m & 07777, 0);
			int saved = errno;
			close(pfd);
			if (r < 0 && saved != EEXIST)
				return fail(e, saved, "%s", buf);
			fd = resolve_in_root(c, buf, O_PATH | O_DIRECTORY, e);
		}
		if (fd < 0)
			return fd;
		close(fd);
		buf[i] = save;
	}
	return 0;
}

int do_OPEN_ROOT(struct ctx *c, const struct op *op, struct err *e)
{
	/* SECURITY: no symlink anywhere in the rootfs path (runc refuses one too): the path the plan
	 * shows is the directory used, and no link can be swapped under it */
	int fd = sys_openat2(AT_FDCWD, op->a[0].s, O_PATH | O_DIRECTORY | O_CLOEXEC, RESOLVE_NO_SYMLINKS);
	if (fd < 0)
		return fail_errno(e, "%s", op->a[0].s);
	if (c->root_fd >= 0)
		close(c->root_fd);
	c->root_fd = fd;
	return 0;
}

int do_MKDIR_IN_ROOT(struct ctx *c, const struct op *op, struct err *e)
{
	return mkdir_p(c, op->a[0].s, (mode_t)op->a[1].u, e);
}

int do_MOUNT(struct ctx *c, const struct op *op, struct err *e)
{
	const struct arg *a = op->a;
	if (mount(or_null(a[0].s), a[1].s, or_null(a[2].s), (unsigned long)a[3].u, or_null(a[4].s)) < 0)
		return fail_errno(e, "%s -> %s", a[0].s, a[1].s);
	return 0;
}

/* create_target: a missing mount point, a directory unless the source is not one */
static int create_target(struct ctx *c, const char *target, int srcfd, struct err *e)
{
	struct stat st;
	char buf[PATH_MAX];
	const char *name, *parent;
	if (srcfd < 0 || (fstat(srcfd, &st) == 0 && S_ISDIR(st.st_mode)))
		return mkdir_p(c, target, 0755, e);
	if (split_path(target, buf, &parent, &name) < 0)
		return fail(e, EINVAL, "%s", target);
	int r = mkdir_p(c, parent, 0755, e);
	if (r < 0)
		return r;
	int pfd = open_parent(c, target, buf, &name, e);
	if (pfd < 0)
		return pfd;
	int fd = openat(pfd, name, O_CREAT | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
	int saved = errno;
	close(pfd);
	if (fd < 0)
		return fail(e, saved, "%s", target);
	close(fd);
	return 0;
}

/* copy_dir: from's entries into to, never following a symlink: directories, regular files
 * and symlinks with their owner, and mode and times but for symlinks; the rest is skipped.
 * SECURITY: every step is relative to an fd with O_NOFOLLOW; a file swapped for a fifo
 * cannot block the copy (O_NONBLOCK) */
static int copy_dir(int from, int to, const char *target, struct err *e)
{
	int dfd = fcntl(from, F_DUPFD_CLOEXEC, 3), r = 0;
	DIR *d = dfd < 0 ? NULL : fdopendir(dfd);
	struct dirent *de;
	if (!d) {
		r = fail_errno(e, "%s: copy up", target);
		if (dfd >= 0)
			close(dfd);
		return r;
	}
	while (r == 0 && (de = readdir(d))) {
		const char *n = de->d_name;
		char link[PATH_MAX];
		struct stat st;
		int in = -1, out = -1;
		if (!strcmp(n, ".") || !strcmp(n, ".."))
			continue;
		if (fstatat(from, n, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			r = fail_errno(e, "%s: copy up %s", target, n);
		} else if (S_ISDIR(st.st_mode)) {
			if (mkdirat(to, n, 0700) < 0 || (in = openat(from, n, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0 ||
			    (out = openat(to, n, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
				r = fail_errno(e, "%s: copy up %s", target, n);
			else
				r = copy_dir(in, out, target, e);
		} else if (S_ISREG(st.st_mode)) {
			if ((in = openat(from, n, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)) < 0 ||
			    (out = openat(to, n, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600)) < 0)
				r = fail_errno(e, "%s: copy up %s", target, n);
			for (ssize_t k = 1; r == 0 && k > 0;)
				if ((k = sendfile(out, in, NULL, 1 << 20)) < 0)
					r = fail_errno(e, "%s: copy up %s", target, n);
		} else if (S_ISLNK(st.st_mode)) {
			ssize_t k = readlinkat(from, n, link, sizeof link - 1);
			if (k < 0 || (link[k] = 0, symlinkat(link, to, n)) < 0 ||
			    fchownat(to, n, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0)
				r = fail_errno(e, "%s: copy up %s", target, n);
		}
		/* ORDER: chown before chmod (chown clears set-id bits); times last, after the
		 * directory's own entries were made */
		if (r == 0 && out >= 0 && (fchown(out, st.st_uid, st.st_gid) < 0 || fchmod(out, st.st_mode & 07777) < 0 ||
					   futimens(out, (struct timespec[2]){ st.st_atim, st.st_mtim }) < 0))
			r = fail_errno(e, "%s: copy up %s", target, n);
		if (in >= 0)
			close(in);
		if (out >= 0)
			close(out);
	}
	closedir(d);
	return r;
}

int do_MOUNT_IN_ROOT(struct ctx *c, const struct op *op, struct err *e)
{
	const struct arg *a = op->a;
	const char *source = a[0].s, *target = a[2].s, *src = NULL;
	char spath[40], tpath[40];
	int srcfd = -1, r;
	uint64_t kind = a[1].u, pflags = a[6].u;

	if (kind > SRC_IN_ROOT)
		return fail(e, EINVAL, "%s -> %s: src_kind %llu", source, target, (unsigned long long)kind);
	/* ORDER: target first, so a missing optional target never touches the source. With
	 * PATH_COPY_UP it is opened for reading: after the mount it still lists what is below */
	int tflags = pflags & PATH_COPY_UP ? O_RDONLY | O_DIRECTORY : O_PATH | (pflags & PATH_NO_SYMLINK ? O_NOFOLLOW : 0);
	int tfd = resolve_in_root(c, target, tflags, e);
	struct stat st = { 0 };
	int had = tfd >= 0 && fstat(tfd, &st) == 0;   /* PATH_KEEP_MODE: the mode it had */
	if (tfd >= 0 && (pflags & PATH_NO_SYMLINK) && (!had || !S_ISDIR(st.st_mode))) {
		close(tfd);
		fail(e, ENOTDIR, "%s -> %s: must be mounted on ordinary directory", source, target);
		e->bare = 1;
		return -ENOTDIR;
	}
	if (tfd == -ENOENT && (pflags & PATH_MISSING_OK))
		return 0;
	if (tfd < 0 && (tfd != -ENOENT || !(pflags & PATH_CREATE)))
		return fail(e, -tfd, "%s -> %s", source, target);
	if (kind == SRC_STRING)
		src = or_null(source);
	if (kind == SRC_HOST_PATH || kind == SRC_IN_ROOT) {
		/* SECURITY: the source is pinned by an fd too, so it is resolved exactly once */
		srcfd = kind == SRC_HOST_PATH ? open(source, O_PATH | O_CLOEXEC)
					      : resolve_in_root(c, source, O_PATH, e);
		r = kind == SRC_HOST_PATH && srcfd < 0 ? -errno : srcfd;
		if (r == -ENOENT && (pflags & PATH_MISSING_OK)) {
			r = 0;   /* an optional self-bind of something absent */
			goto out;
		}
		if (r < 0) {
			r = fail(e, -r, "%s -> %s: source", source, target);
			goto out;
		}
		if ((r = proc_fd_path(spath, sizeof spath, srcfd, e)) < 0)
			goto out;
		src = spath;
	}
	if (tfd < 0) {   /* missing, and PATH_CREATE */
		if ((r = create_target(c, target, srcfd, e)) < 0)
			goto out;
		if ((tfd = r = resolve_in_root(c, target, tflags, e)) < 0)
			goto out;
	}
	/* SECURITY: mount onto the fd, never the re-resolved string (CVE-2021-30465) */
	if ((r = proc_fd_path(tpath, sizeof tpath, tfd, e)) == 0 &&
	    mount(src, tpath, or_null(a[3].s), (unsigned long)a[4].u, or_null(a[5].s)) < 0)
		r = fail_errno(e, "%s -> %s", source, target);
	if (r == 0 && (pflags & PATH_COPY_UP || (pflags & PATH_KEEP_MODE && had))) {
		int to = r = resolve_in_root(c, target, O_RDONLY | O_DIRECTORY, e);
		if (to >= 0) {
			r = pflags & PATH_COPY_UP ? copy_dir(tfd, to, target, e) : 0;
			if (r == 0 && pflags & PATH_KEEP_MODE && had && fchmod(to, st.st_mode & 07777) < 0)
				r = fail_errno(e, "%s: chmod", target);
			close(to);
		}
	}
out:
	if (tfd >= 0)
		close(tfd);
	if (srcfd >= 0)
		close(srcfd);
	return r < 0 ? r : 0;
}

int do_MKNOD_IN_ROOT(struct ctx *c, const struct op *op, struct err *e)
{
	char buf[PATH_MAX];
	const char *parent, *name, *path = op->a[0].s;
	mode_t mode = (mode_t)op->a[1].u;
	int r = split_path(path, buf, &parent, &name);
	/* SECURITY: nodes only in a directory reached without symlinks: an image's /dev linked into
	 * a bound host volume would get them in the host directory (CVE-2025-31133 family) */
	int pfd = r < 0 ? (errno = -r, -1) : sys_openat2(c->root_fd, parent, O_PATH | O_DIRECTORY | O_CLOEXEC, RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS);
	if (pfd < 0)
		return fail_errno(e, "%s", path);
	r = mknodat(pfd, name, mode, makedev(op->a[2].u, op->a[3].u));
	/* umask does not apply to device nodes: the plan's mode is the mode */
	if (r == 0)
		r = fchmodat(pfd, name, mode & 07777, 0);
	int saved = errno;
	close(pfd);
	return r < 0 ? fail(e, saved, "%s", path) : 0;
}

int do_CHOWN_IN_ROOT(struct ctx *c, const struct op *op, struct err *e)
{
	const char *path = op->a[0].s;
	/* the last component is not followed: a symlink is chowned itself */
	int fd = resolve_in_root(c, path, O_PATH | O_NOFOLLOW, e);
	if (fd < 0)
		return fd;
	int r = fchownat(fd, "", (uid_t)op->a[1].u, (gid_t)op->a[2].u, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW);
	int saved = errno;
	close(fd);
	return r < 0 ? fail(e, saved, "%s", path) : 0;
}

int do_SYMLINK_IN_ROOT(struct ctx *c, const struct op *op, struct err *e)
{
	char buf[PATH_MAX], got[PATH_MAX];
	const char *name, *target = op->a[0].s, *linkpath = op->a[1].s;
	int pfd = open_parent(c, linkpath, buf, &name, e);
	if (pfd < 0)
		return pfd;
	int r = symlinkat(target, pfd, name), saved = errno;
	if (r < 0 && saved == EEXIST) {
		ssize_t n = readlinkat(pfd, name, got, sizeof got - 1);
		if (n >= 0 && (size_t)n == strlen(target) && !memcmp(got, target, (size_t)n))
			r = 0;
	}
	close(pfd);
	return r < 0 ? fail(e, saved, "%s -> %s", linkpath, target) : 0;
}

int do_PIVOT_ROOT(struct ctx *c, const struct op *op, struct err *e)
{
	const char *shown = op->a[0].s;
	if (c->root_fd < 0)
		return fail(e, EBADF, "%s: no open_root before this op", shown);
	/* ORDER: pivot_root(".", ".") stacks the old root on top of the new one; it is made a
	 * slave first so the detach below cannot propagate back to the host, then detached */
	if (fchdir(c->root_fd) < 0)
		return fail_errno(e, "%s: fchdir", shown);
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		return fail_errno(e, "%s", shown);
	if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0)
		return fail_errno(e, "%s: make old root rslave", shown);
	if (umount2(".", MNT_DETACH) < 0)
		return fail_errno(e, "%s: detach old root", shown);
	if (chdir("/") < 0)
		return fail_errno(e, "%s: chdir /", shown);
	return 0;
}

/* mountinfo's \ooo escapes (space, tab, newline, backslash), undone in place */
static char *unescape(char *s)
{
	char *o = s, *i = s;
	for (; *i; o++)
		if (i[0] == '\\' && i[1] >= '0' && i[1] <= '3' && i[2] >= '0' && i[2] <= '7' && i[3] >= '0' && i[3] <= '7') {
			*o = (char)((i[1] - '0') << 6 | (i[2] - '0') << 3 | (i[3] - '0'));
			i += 4;
		} else
			*o = *i++;
	*o = 0;
	return s;
}

/* move_root (--no-pivot): each full procfs/sysfs mount outside the root is made a slave and
 * detached, or covered by a tmpfs when the detach is refused; then the root's mount is moved
 * onto "/" and chrooted into (runc's msMoveRoot) */
int do_MOVE_ROOT(struct ctx *c, const struct op *op, struct err *e)
{
	const char *shown = op->a[0].s;
	char root[PATH_MAX], fdp[40], *buf = NULL, *line, *next, *f[5], *save;
	size_t n = 0, cap = 0, rl;
	ssize_t r;
	int fd, rc = 0;
	if (c->root_fd < 0)
		return fail(e, EBADF, "%s: no open_root before this op", shown);
	/* SECURITY: the root's path (the kernel's, spelled as mountinfo spells mount points) and
	 * the mount table come from a /proc proven to be procfs */
	if ((fd = proc_fd_path(fdp, sizeof fdp, c->root_fd, e)) < 0)
		return fd;
	if ((r = readlink(fdp, root, sizeof root - 1)) < 0)
		return fail_errno(e, "%s: readlink", shown);
	root[r] = 0;
	rl = (size_t)r;
	if ((fd = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC)) < 0)
		return fail_errno(e, "/proc/self/mountinfo");
	do {
		char *nb = cap - n < 4096 ? realloc(buf, cap += 65536) : buf;
		if (!nb)
			return free(buf), close(fd), fail(e, ENOMEM, "/proc/self/mountinfo");
		buf = nb;
	} while ((r = read(fd, buf + n, cap - n - 1)) > 0 && (n += (size_t)r));
	rc = errno;
	close(fd);
	if (r < 0)
		return free(buf), fail(e, rc, "/proc/self/mountinfo");
	buf[n] = 0, rc = 0;
	/* id parent major:minor root mount-point options [optional...] - fstype source super */
	for (line = buf; *line && !rc; line = next) {
		int k = 0;
		char *sep = strstr(line, " - "), *fs, *mp;
		next = line + strcspn(line, "\n");
		if (*next)
			*next++ = 0;
		if (!sep || sep > next)
			continue;
		*sep = 0, fs = sep + 3;
		fs[strcspn(fs, " ")] = 0;
		for (char *t = strtok_r(line, " ", &save); t && k < 5; t = strtok_r(NULL, " ", &save))
			f[k++] = t;
		if (k < 5 || strcmp(f[3], "/") || (strcmp(fs, "proc") && strcmp(fs, "sysfs")))
			continue;
		/* SECURITY: the root's own mounts stay; runc compares a string prefix, this a
		 * path prefix, so a sibling directory named like the root is not spared */
		mp = unescape(f[4]);
		if (!strncmp(mp, root, rl) && (mp[rl] == '/' || !mp[rl] || rl == 1))
			continue;
		/* ORDER: a slave first, so the detach cannot propagate back to the host */
		if (mount(NULL, mp, NULL, MS_SLAVE | MS_REC, NULL) < 0) {
			if (errno != ENOENT)   /* ENOENT: under a mount already detached */
				rc = fail_errno(e, "%s: make rslave", mp);
		} else if (umount2(mp, MNT_DETACH) < 0 &&
			   ((errno != EINVAL && errno != EPERM) || mount("tmpfs", mp, "tmpfs", 0, NULL) < 0))
			rc = fail_errno(e, "%s: detach", mp);
	}
	free(buf);
	if (rc)
		return rc;
	/* ORDER: from inside the root, "." is its mount: moved over "/", then made the root */
	if (fchdir(c->root_fd) < 0)
		return fail_errno(e, "%s: fchdir", shown);
	if (mount(".", "/", NULL, MS_MOVE, NULL) < 0)
		return fail_errno(e, "%s: move onto /", shown);
	if (chroot(".") < 0)
		return fail_errno(e, "%s: chroot", shown);
	if (chdir("/") < 0)
		return fail_errno(e, "%s: chdir /", shown);
	return 0;
}

int do_MASK_PATH(struct ctx *c, const struct op *op, struct err *e)
{
	const char *path = op->a[0].s;
	char tpath[40], npath[40];
	struct stat st;
	int r, nfd = -1, fd = resolve_in_root(c, path, O_PATH, e);
	if (fd == -ENOENT)
		return 0;
	if (fd < 0)
		return fd;
	if (fstat(fd, &st) < 0) {
		r = fail_errno(e, "%s", path);
		goto out;
	}
	if ((r = proc_fd_path(tpath, sizeof tpath, fd, e)) < 0)
		goto out;
	if (S_ISDIR(st.st_mode)) {
		if (mount("tmpfs", tpath, "tmpfs", MS_RDONLY, NULL) < 0)
			r = fail_errno(e, "%s", path);
		goto out;
	}
	if ((r = nfd = resolve_in_root(c, "/dev/null", O_PATH | O_NOFOLLOW, e)) < 0)
		goto out;
	/* SECURITY: only the null device itself masks (a /dev/null that is a link or some other
	 * file would bind that file over the masked path: CVE-2025-31133) */
	if (fstat(nfd, &st) < 0 || !S_ISCHR(st.st_mode) || st.st_rdev != makedev(1, 3)) {
		r = fail(e, EPERM, "%s: /dev/null is not the null device (char 1:3)", path);
		goto out;
	}
	if ((r = proc_fd_path(npath, sizeof npath, nfd, e)) == 0 &&
	    mount(npath, tpath, NULL, MS_BIND, NULL) < 0)
		r = fail_errno(e, "%s", path);
out:
	if (nfd >= 0)
		close(nfd);
	close(fd);
	return r < 0 ? r : 0;
}

int do_EXEC_FIFO_OPEN(struct ctx *c, const struct op *op, struct err *e)
{
	struct statfs st;
	int fd = open(op->a[0].s, O_PATH | O_CLOEXEC);
	if (fd < 0)
		return fail_errno(e, "%s", op->a[0].s);
	/* SECURITY: the fifo is reopened through this procfs directory (checked now, in the host's
	 * view), so exec_fifo_wait needs no path lookup of its own under the seccomp filter */
	int dir = open("/proc/self/fd", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0 || fstatfs(dir, &st) < 0 || st.f_type != PROC_SUPER_MAGIC) {
		int r = dir < 0 ? fail_errno(e, "/proc/self/fd") : fail(e, EXDEV, "/proc is not procfs");
		if (dir >= 0)
			close(dir);
		close(fd);
		return r;
	}
	if (c->fifo_fd >= 0)
		close(c->fifo_fd), close(c->fifo_dir);
	c->fifo_fd = fd;
	c->fifo_dir = dir;
	return 0;
}

int do_EXEC_FIFO_WAIT(struct ctx *c, const struct op *op, struct err *e)
{
	char name[16];
	if (c->fifo_fd < 0)
		return fail(e, EBADF, "no exec_fifo_open before this op");
	snprintf(name, sizeof name, "%d", c->fifo_fd);
	/* ORDER: blocks until `start` opens the fifo for reading; openat itself, not musl's open
	 * (open plus fcntl): this runs under the seccomp filter */
	int fd, r;
	do
		fd = (int)syscall(SYS_openat, c->fifo_dir, name, O_WRONLY | O_CLOEXEC);
	while (fd < 0 && errno == EINTR);
	if (fd < 0)
		return fail_errno(e, "/proc/self/fd/%s", name);
	r = write(fd, "0", 1) == 1 ? 0 : fail_errno(e, "/proc/self/fd/%s: write", name);
	close(fd);
	close(c->fifo_fd);
	close(c->fifo_dir);
	c->fifo_fd = c->fifo_dir = -1;
	return r;
}
