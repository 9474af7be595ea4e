/* ops_user.c — the steps around the uid change that runc's finalizeNamespace makes: stdio
 * handed to the user, and the cwd tried before and after. Never picks a uid or a path. */
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>
#include "shim.h"

/* fchown_stdio: fds 0-2 to `uid` (group kept), but not one already the user's or the device
 * of null_path; EINVAL, EPERM, EROFS (an unmapped owner, a read-only /dev) leave the fd as is */
int do_FCHOWN_STDIO(struct ctx *c, const struct op *op, struct err *e)
{
	struct stat null, st;
	uid_t uid = (uid_t)op->a[0].u;
	if (stat(op->a[1].s, &null) < 0)
		return fail_errno(e, "stat %s", op->a[1].s);
	for (int fd = 0; fd < 3; fd++) {
		if (fstat(fd, &st) < 0)
			return fail_errno(e, "fstat fd %d", fd);
		if (st.st_uid == uid || st.st_rdev == null.st_rdev)
			continue;
		if (fchown(fd, uid, st.st_gid) < 0 && errno != EINVAL && errno != EPERM && errno != EROFS)
			return fail_errno(e, "fd %d to %u", fd, (unsigned)uid);
	}
	return 0;
}

/* chdir_try: EPERM and EACCES are not failures here: they leave the change to chdir_retry */
int do_CHDIR_TRY(struct ctx *c, const struct op *op, struct err *e)
{
	c->chdir_denied = chdir(op->a[0].s) < 0;
	if (c->chdir_denied && errno != EPERM && errno != EACCES)
		return fail_errno(e, "%s", op->a[0].s);
	return 0;
}

int do_CHDIR_RETRY(struct ctx *c, const struct op *op, struct err *e)
{
	if (c->chdir_denied && chdir(op->a[0].s) < 0)
		return fail_errno(e, "%s", op->a[0].s);
	c->chdir_denied = 0;
	return 0;
}
