/* ops_sched.c — C's scheduling and memory-placement ops: sched_setattr, ioprio_set,
 * sched_setaffinity, personality, set_mempolicy. Each is one syscall on the calling process
 * with the plan's numbers; nothing here chooses or checks a value (the kernel does). */
#include <errno.h>
#include <string.h>
#include <sys/personality.h>
#include "shim.h"
#include "sys.h"

int do_SCHED_SETATTR(struct ctx *c, const struct op *op, struct err *e)
{
	const struct arg *a = op->a;
	struct sched_attr_v1 at = {
		.size = sizeof at, .policy = (uint32_t)a[0].u, .flags = a[1].u, .nice = (int32_t)a[2].u,
		.priority = (uint32_t)a[3].u, .runtime = a[4].u, .deadline = a[5].u, .period = a[6].u,
	};
	if (syscall(SYS_sched_setattr, 0, &at, 0) < 0)
		return fail_errno(e, "policy %u nice %d priority %u", at.policy, at.nice, at.priority);
	return 0;
}

int do_IOPRIO_SET(struct ctx *c, const struct op *op, struct err *e)
{
	const struct arg *a = op->a;
	/* IOPRIO_PRIO_VALUE(class, data) */
	if (syscall(SYS_ioprio_set, (int)a[0].u, (int)a[1].u, (int)(a[2].u << 13 | a[3].u)) < 0)
		return fail_errno(e, "class %llu data %llu", (unsigned long long)a[2].u, (unsigned long long)a[3].u);
	return 0;
}

/* a list of CPU or node ids as the kernel's bitmask */
static int id_mask(const struct arg *a, uint64_t *mask, size_t words, struct err *e)
{
	memset(mask, 0, words * sizeof *mask);
	for (uint32_t i = 0; i < a->n; i++) {
		if (a->l[i] >= words * 64)
			return fail(e, EINVAL, "id %u is past the %zu-bit mask", a->l[i], words * 64);
		mask[a->l[i] / 64] |= 1ULL << (a->l[i] % 64);
	}
	return 0;
}

int do_SCHED_SETAFFINITY(struct ctx *c, const struct op *op, struct err *e)
{
	uint64_t mask[ID_MASK_WORDS];
	int r = id_mask(&op->a[0], mask, ID_MASK_WORDS, e);
	if (r < 0)
		return r;
	if (syscall(SYS_sched_setaffinity, 0, sizeof mask, mask) < 0)
		return fail_errno(e, "%u cpus", op->a[0].n);
	return 0;
}

int do_PERSONALITY(struct ctx *c, const struct op *op, struct err *e)
{
	if (personality((unsigned long)op->a[0].u) < 0)
		return fail_errno(e, "0x%llx", (unsigned long long)op->a[0].u);
	return 0;
}

int do_SET_MEMPOLICY(struct ctx *c, const struct op *op, struct err *e)
{
	uint64_t mask[ID_MASK_WORDS];
	int r = id_mask(&op->a[2], mask, ID_MASK_WORDS, e);
	if (r < 0)
		return r;
	/* maxnode counts one more than the bits the kernel reads (it decrements it first) */
	if (syscall(SYS_set_mempolicy, (int)(op->a[0].u | op->a[1].u), mask, (unsigned long)ID_MASK_WORDS * 64 + 1) < 0)
		return fail_errno(e, "mode %llu flags 0x%llx, %u nodes", (unsigned long long)op->a[0].u,
				  (unsigned long long)op->a[1].u, op->a[2].n);
	return 0;
}
