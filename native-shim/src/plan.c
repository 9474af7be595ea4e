/* plan.c — reads the plan bytes to EOF and decodes them strictly (docs/plan-format.md §1),
 * driven by ops.def; also prints the decoded plan as JSON lines for `planc-shim decode`.
 * Never applies anything and never accepts a plan it did not fully understand. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "shim.h"

#define PLAN_MAX (64u << 20)

static const struct op_def op_defs[] = {
#define OP(E, code, name, sig, names) { code, name, sig, do_##E },
#include "../../wasm-core/ops.def"
#undef OP
};

const char *lane_name(unsigned lane)
{
	static const char *const names[] = { "host", "container", "teardown", "caller" };
	return lane < 4 ? names[lane] : "?";
}

int plan_read(int fd, uint8_t **buf, size_t *len, struct err *e)
{
	size_t cap = 1 << 16, n = 0;
	uint8_t *b = malloc(cap);
	if (!b)
		return fail(e, ENOMEM, "read");
	for (;;) {
		if (n == cap) {
			if (cap >= PLAN_MAX)
				return fail(e, EFBIG, "read: larger than %u bytes", PLAN_MAX);
			uint8_t *nb = realloc(b, cap *= 2);
			if (!nb)
				return fail(e, ENOMEM, "read");
			b = nb;
		}
		ssize_t r = read(fd, b + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return fail_errno(e, "read fd %d", fd);
		if (r == 0)
			break;
		n += (size_t)r;
	}
	*buf = b;
	*len = n;
	return 0;
}

struct cursor {
	const uint8_t *p;
	size_t left;
};

static int take(struct cursor *c, void *out, size_t n)
{
	if (c->left < n)
		return -1;
	memcpy(out, c->p, n);
	c->p += n;
	c->left -= n;
	return 0;
}

static int take_u32(struct cursor *c, uint32_t *v)
{
	uint8_t b[4];
	if (take(c, b, 4))
		return -1;
	*v = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
	return 0;
}

/* utf8_ok: strict UTF-8 (no overlong forms, no surrogates, nothing above U+10FFFF) */
static int utf8_ok(const uint8_t *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		uint8_t c = s[i];
		size_t k = c < 0x80 ? 0 : c >= 0xc2 && c <= 0xdf ? 1 : (c & 0xf0) == 0xe0 ? 2
			 : c >= 0xf0 && c <= 0xf4 ? 3 : 9;
		if (k == 9 || n - i - 1 < k)
			return 0;
		uint8_t lo = 0x80, hi = 0xbf, c1 = k ? s[i + 1] : 0;
		if (c == 0xe0) lo = 0xa0;
		if (c == 0xed) hi = 0x9f;
		if (c == 0xf0) lo = 0x90;
		if (c == 0xf4) hi = 0x8f;
		if (k && (c1 < lo || c1 > hi))
			return 0;
		for (size_t j = 2; j <= k; j++)
			if ((s[i + j] & 0xc0) != 0x80)
				return 0;
		i += k + 1;
	}
	return 1;
}

/* a string: length-prefixed, UTF-8, no NUL inside; copied so the ops get C strings */
static int take_str(struct cursor *c, char **out, uint32_t *len, const char **why)
{
	uint32_t n;
	if (take_u32(c, &n) || c->left < n)
		return *why = "string overruns the op body", -1;
	if (memchr(c->p, 0, n))
		return *why = "string contains NUL", -1;
	if (!utf8_ok(c->p, n))
		return *why = "string is not UTF-8", -1;
	char *s = malloc((size_t)n + 1);
	if (!s)
		return *why = "out of memory", -1;
	memcpy(s, c->p, n);
	s[n] = 0;
	c->p += n;
	c->left -= n;
	*out = s;
	if (len)
		*len = n;
	return 0;
}

static int decode_arg(struct cursor *c, char t, struct arg *a, const char **why)
{
	uint32_t v, hi;
	char *s;
	switch (t) {
	case 'u':
	case 'i':
		if (take_u32(c, &v))
			return *why = "argument overruns the op body", -1;
		a->u = t == 'i' ? (uint64_t)(int64_t)(int32_t)v : v;
		return 0;
	case 'U':
		if (take_u32(c, &v) || take_u32(c, &hi))
			return *why = "argument overruns the op body", -1;
		a->u = (uint64_t)hi << 32 | v;
		return 0;
	case 's':
		if (take_str(c, &s, &a->n, why))
			return -1;
		a->s = s;
		return 0;
	case 'S':
		if (take_u32(c, &a->n) || a->n > c->left / 4)
			return *why = "list overruns the op body", -1;
		a->sv = calloc((size_t)a->n + 1, sizeof *a->sv);
		if (!a->sv)
			return *why = "out of memory", -1;
		for (uint32_t i = 0; i < a->n; i++)
			if (take_str(c, &a->sv[i], NULL, why))
				return -1;
		return 0;
	case 'L':
		if (take_u32(c, &a->n) || a->n > c->left / 4)
			return *why = "list overruns the op body", -1;
		a->l = calloc((size_t)a->n + 1, sizeof *a->l);
		if (!a->l)
			return *why = "out of memory", -1;
		for (uint32_t i = 0; i < a->n; i++)
			take_u32(c, &a->l[i]);
		return 0;
	case 'b':
		if (take_u32(c, &a->n) || c->left < a->n)
			return *why = "bytes overrun the op body", -1;
		a->b = c->p;
		c->p += a->n;
		c->left -= a->n;
		return 0;
	}
	return *why = "bad signature in ops.def", -1;
}

static const struct op_def *find_def(uint16_t code)
{
	for (size_t i = 0; i < sizeof op_defs / sizeof op_defs[0]; i++)
		if (op_defs[i].code == code)
			return &op_defs[i];
	return NULL;
}

/* plan_decode: all of it or nothing; every rejection names the op index and the rule */
static int decode(const uint8_t *buf, size_t len, struct plan *p, struct err *e);
int plan_decode(const uint8_t *buf, size_t len, struct plan *p, struct err *e)
{
	int r = decode(buf, len, p, e);
	if (r < 0) {
		char what[sizeof e->what];
		memcpy(what, e->what, sizeof what);
		snprintf(e->what, sizeof e->what, "%.440s", what);
		e->bare = 1;
	}
	return r;
}

static int decode(const uint8_t *buf, size_t len, struct plan *p, struct err *e)
{
	struct cursor c = { buf, len };
	uint8_t magic[4];
	uint32_t hdr, count;
	const char *why = NULL;

	if (take(&c, magic, 4) || memcmp(magic, "PLNC", 4))
		return fail(e, EINVAL, "%s", "bad magic");
	if (take_u32(&c, &hdr) || (hdr & 0xffff) != 1)
		return fail(e, EINVAL, "unsupported version %u", hdr & 0xffff);
	if (hdr >> 16)
		return fail(e, EINVAL, "%s", "reserved header field is not 0");
	if (take_u32(&c, &count))
		return fail(e, EINVAL, "%s", "truncated header");
	if (count > c.left / 12)   /* each op needs ≥ 12 bytes: header and `why` length */
		return fail(e, EINVAL, "op_count %u exceeds the bytes present", count);
	p->count = count;
	p->ops = calloc(count ? count : 1, sizeof *p->ops);
	if (!p->ops)
		return fail(e, ENOMEM, "%s", "decode");
	for (uint32_t i = 0; i < count; i++) {
		struct op *op = &p->ops[i];
		uint32_t w0, body_len;
		if (take_u32(&c, &w0) || take_u32(&c, &body_len))
			return fail(e, EINVAL, "op %u: truncated op header", i);
		op->index = i;
		op->lane = (uint8_t)(w0 >> 16);
		op->def = find_def((uint16_t)w0);
		if (!op->def)
			return fail(e, EINVAL, "op %u: unknown op code %u", i, w0 & 0xffff);
		if (w0 >> 24)
			return fail(e, EINVAL, "op %u: reserved op field is not 0", i);
		if (op->lane > LANE_CALLER)
			return fail(e, EINVAL, "op %u: unknown lane %u", i, op->lane);
		if (body_len > c.left)
			return fail(e, EINVAL, "op %u: body_len %u overruns the plan", i, body_len);
		struct cursor body = { c.p, body_len };
		char *whys;
		if (take_str(&body, &whys, NULL, &why))
			return fail(e, EINVAL, "op %u %s: why: %s", i, op->def->name, why);
		op->why = whys;
		for (int k = 0; op->def->sig[k]; k++)
			if (decode_arg(&body, op->def->sig[k], &op->a[k], &why))
				return fail(e, EINVAL, "op %u %s: arg %d: %s", i, op->def->name, k, why);
		if (body.left)
			return fail(e, EINVAL, "op %u %s: %zu bytes left in body", i, op->def->name, body.left);
		c.p += body_len;
		c.left -= body_len;
	}
	if (c.left)
		return fail(e, EINVAL, "%zu trailing bytes after op %u", c.left, count);
	return 0;
}

/* plan_check_lanes: the process model (§2–§3). create/run: exactly one host-lane clone and
 * no container op before it (C applies only the container ops after clone); host mode:
 * no clone and no container op at all */
int plan_check_lanes(const struct plan *p, int clones_wanted, struct err *e)
{
	int clones = 0;
	for (uint32_t i = 0; i < p->count; i++) {
		const struct op *op = &p->ops[i];
		int clone = op->def->code == OP_CLONE || op->def->code == OP_CLONE_INTO_CGROUP;
		if (clone && !clones_wanted)
			return fail(e, EINVAL, "op %u: host mode takes no clone", i);
		if (op->lane == LANE_CONTAINER && !clones)
			return fail(e, EINVAL, "op %u %s: container op before clone", i, op->def->name);
		if (clone && (op->lane != LANE_HOST || clones++))
			return fail(e, EINVAL, "op %u: clone must be a single host op", i);
	}
	if (!clones && clones_wanted)
		return fail(e, EINVAL, "%s", "create and run need a clone op");
	return 0;
}

/* ---- `decode` mode: the decoded plan, one JSON line per op ---- */

struct out {
	int fd;
	size_t n;
	char buf[8192];
};

static void out_flush(struct out *o)
{
	if (o->n) {
		o->buf[o->n] = 0;
		report_line(o->fd, o->buf);
		o->n = 0;
	}
}

static void out_raw(struct out *o, const char *s, size_t n)
{
	while (n) {
		size_t room = sizeof o->buf - 1 - o->n, k = n < room ? n : room;
		memcpy(o->buf + o->n, s, k);
		o->n += k, s += k, n -= k;
		if (n)
			out_flush(o);
	}
}

static void out_fmt(struct out *o, const char *fmt, uint64_t v)
{
	char t[32];
	int k = snprintf(t, sizeof t, fmt, (unsigned long long)v);
	out_raw(o, t, (size_t)k);
}

static void out_str(struct out *o, const char *s, size_t n)
{
	char t[256];
	out_raw(o, "\"", 1);
	while (n) {   /* escape in slices; json_str adds quotes we strip */
		size_t k = n < 32 ? n : 32;
		size_t w = json_str(t, sizeof t, s, k);
		out_raw(o, t + 1, w - 2);
		s += k, n -= k;
	}
	out_raw(o, "\"", 1);
}

void plan_print(int fd, const struct plan *p)
{
	static struct out o;
	o.fd = fd;
	for (uint32_t i = 0; i < p->count; i++) {
		const struct op *op = &p->ops[i];
		out_fmt(&o, "{\"index\":%llu,\"lane\":", i);
		out_str(&o, lane_name(op->lane), strlen(lane_name(op->lane)));
		out_raw(&o, ",\"op\":", 6);
		out_str(&o, op->def->name, strlen(op->def->name));
		out_raw(&o, ",\"why\":", 7);
		out_str(&o, op->why, strlen(op->why));
		out_raw(&o, ",\"args\":[", 9);
		for (int k = 0; op->def->sig[k]; k++) {
			const struct arg *a = &op->a[k];
			if (k)
				out_raw(&o, ",", 1);
			switch (op->def->sig[k]) {
			case 'u': out_fmt(&o, "%llu", a->u); break;
			case 'i': out_fmt(&o, "%lld", a->u); break;
			case 'U': out_fmt(&o, "\"%llu\"", a->u); break;
			case 's': out_str(&o, a->s, a->n); break;
			case 'S':
			case 'L':
				out_raw(&o, "[", 1);
				for (uint32_t j = 0; j < a->n; j++) {
					if (j)
						out_raw(&o, ",", 1);
					if (op->def->sig[k] == 'S')
						out_str(&o, a->sv[j], strlen(a->sv[j]));
					else
						out_fmt(&o, "%llu", a->l[j]);
				}
				out_raw(&o, "]", 1);
				break;
			case 'b':
				out_raw(&o, "\"", 1);
				for (uint32_t j = 0; j < a->n; j++)
					out_fmt(&o, "%02llx", a->b[j]);
				out_raw(&o, "\"", 1);
				break;
			}
		}
		out_raw(&o, "]}\n", 3);
	}
	out_flush(&o);
}
