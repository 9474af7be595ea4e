/* devices_bpf.c — the device allowlist of cgroup v2: the device rules folded into one default
 * verdict plus exceptions (runc's rule semantics, shared with v1's devices cgroup), then
 * compiled to an eBPF program of type BPF_PROG_TYPE_CGROUP_DEVICE. Pure: bytes out, no I/O. */
#include "planner.h"
#include <string.h>

/* ---- folding: the rules in order, as the v1 devices cgroup applies them ----
 * An "a" rule resets: allow-all or deny-all, no exceptions. Any other rule either adds its
 * access to the exception on exactly its (type, major, minor), when its verdict is not the
 * default, or takes its access away from that exception, when it is. */

static uint32_t access_bits(const char *access) {
    uint32_t v = 0;
    for (const char *c = access; *c; c++)
        v |= *c == 'm' ? DEV_ACC_MKNOD : *c == 'r' ? DEV_ACC_READ : *c == 'w' ? DEV_ACC_WRITE : 0;
    return v;
}

static const char *dev_access_str(planner *p, uint32_t acc) {
    return arena_printf(&p->a, "%s%s%s", acc & DEV_ACC_READ ? "r" : "", acc & DEV_ACC_WRITE ? "w" : "", acc & DEV_ACC_MKNOD ? "m" : "");
}

static const char *dev_str(planner *p, bool allow, char type, int64_t major, int64_t minor, uint32_t acc) {
    const char *ma = major < 0 ? "*" : arena_printf(&p->a, "%lld", (long long)major);
    const char *mi = minor < 0 ? "*" : arena_printf(&p->a, "%lld", (long long)minor);
    return arena_printf(&p->a, "%s %c %s:%s %s", allow ? "allow" : "deny", type, ma, mi, dev_access_str(p, acc));
}

static dev_exception *find(dev_policy *pol, char type, int64_t major, int64_t minor) {
    for (uint32_t i = 0; i < pol->n; i++)
        if (pol->v[i].type == type && pol->v[i].major == major && pol->v[i].minor == minor) return &pol->v[i];
    return NULL;
}

/* SECURITY: taking access away from one device that a wildcard exception covers would leave
 * it allowed under v1, which keeps the wildcard (the kernel cannot split it); runc refuses
 * such a rule rather than let it look effective, and so does planc */
static bool punches_hole(planner *p, dev_policy *pol, const devrule_spec *r, uint32_t acc) {
    const int64_t partial[3][2] = { { -1, r->minor }, { r->major, -1 }, { -1, -1 } };
    for (size_t k = 0; k < 3; k++) {
        if (partial[k][0] == r->major && partial[k][1] == r->minor) continue;
        const dev_exception *w = find(pol, r->type, partial[k][0], partial[k][1]);
        if (!w || !(w->access & acc)) continue;
        const char *rule = dev_str(p, r->allow, r->type, r->major, r->minor, acc);
        const char *wild = dev_str(p, !pol->default_allow, w->type, w->major, w->minor, w->access);
        if (r->at) err_at(p, r->at, R_DEVICE_WILDCARD, arena_printf(&p->a, "device rule \"%s\" would punch a hole in the earlier wildcard rule \"%s\", which cgroup v1 cannot do and runc refuses", rule, wild));
        else err_at(p, w->at, R_DEVICE_WILDCARD, arena_printf(&p->a, "runc's default device rule \"%s\" would punch a hole in this wildcard rule \"%s\", which cgroup v1 cannot do and runc refuses", rule, wild));
        return true;
    }
    return false;
}

static bool fold(planner *p, dev_policy *pol, const devrule_spec *r) {
    if (r->type == 'a') { pol->default_allow = r->allow; pol->n = 0; return true; }
    uint32_t acc = access_bits(r->access);
    dev_exception *x = find(pol, r->type, r->major, r->minor);
    if (r->allow != pol->default_allow) {
        if (x) x->access |= acc;
        else pol->v[pol->n++] = (dev_exception){ r->type, r->major, r->minor, acc, r->at };
        return true;
    }
    if (punches_hole(p, pol, r, acc)) return false;
    if (x && !(x->access &= ~acc)) *x = pol->v[--pol->n];
    return true;
}

/* runc's order of the exceptions: by major, then minor (wildcards first), then type */
static bool before(const dev_exception *a, const dev_exception *b) {
    if (a->major != b->major) return a->major < b->major;
    if (a->minor != b->minor) return a->minor < b->minor;
    return a->type < b->type;
}

bool dev_policy_fold(planner *p, const devrule_spec *rules, uint32_t n, dev_policy *pol) {
    /* the zero policy is deny-all: a list that never resets keeps it. Each rule adds at most
     * one exception, so n of them fit */
    *pol = (dev_policy){ .v = arena_alloc(&p->a, (n + 1) * sizeof *pol->v) };
    if (!pol->v) return false;
    for (uint32_t i = 0; i < n; i++)
        if (!fold(p, pol, &rules[i])) return false;
    for (uint32_t i = 1; i < pol->n; i++)
        for (uint32_t j = i; j > 0 && before(&pol->v[j], &pol->v[j - 1]); j--) {
            dev_exception t = pol->v[j]; pol->v[j] = pol->v[j - 1]; pol->v[j - 1] = t;
        }
    return true;
}

/* ---- compiling: one block per exception, then the default ----
 * The context is struct bpf_cgroup_dev_ctx { u32 access_type (type | access << 16); u32 major;
 * u32 minor; }. A block falls through to its verdict only when the device's type, access
 * (a subset of the exception's), major and minor all match; any mismatch jumps to the next
 * block. The shape is runc's, instruction for instruction, so the programs can be compared. */

enum {
    LDX_W = 0x61,       /* BPF_LDX | BPF_MEM | BPF_W */
    AND32_K = 0x54,     /* BPF_ALU | BPF_AND | BPF_K */
    RSH32_K = 0x74,     /* BPF_ALU | BPF_RSH | BPF_K */
    MOV32_K = 0xb4,     /* BPF_ALU | BPF_MOV | BPF_K */
    MOV32_X = 0xbc,     /* BPF_ALU | BPF_MOV | BPF_X */
    JNE_K = 0x55,       /* BPF_JMP | BPF_JNE | BPF_K */
    JNE_X = 0x5d,       /* BPF_JMP | BPF_JNE | BPF_X */
    EXIT = 0x95,        /* BPF_JMP | BPF_EXIT */
};
#define DEV_ACC_ALL (DEV_ACC_MKNOD | DEV_ACC_READ | DEV_ACC_WRITE)

/* struct bpf_insn: code, dst_reg (low nibble) and src_reg (high nibble), s16 off, s32 imm */
static void insn(buf *b, uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm) {
    buf_u8(b, code);
    buf_u8(b, (uint8_t)(dst | src << 4));
    buf_u16(b, (uint16_t)off);
    buf_u32(b, (uint32_t)imm);
}

/* the offset of a jump, emitted next, to the instruction at index target */
static int16_t to(const buf *b, size_t target) { return (int16_t)(target - b->len / 8 - 1); }

const uint8_t *dev_policy_bpf(planner *p, const dev_policy *pol, size_t *len) {
    buf b; buf_init(&b, &p->a);
    insn(&b, LDX_W, 2, 1, 0, 0);            /* r2 = type */
    insn(&b, AND32_K, 2, 0, 0, 0xffff);
    insn(&b, LDX_W, 3, 1, 0, 0);            /* r3 = access */
    insn(&b, RSH32_K, 3, 0, 0, 16);
    insn(&b, LDX_W, 4, 1, 4, 0);            /* r4 = major */
    insn(&b, LDX_W, 5, 1, 8, 0);            /* r5 = minor */
    for (uint32_t i = 0; i < pol->n; i++) {
        const dev_exception *x = &pol->v[i];
        bool acc = x->access != DEV_ACC_ALL, major = x->major >= 0, minor = x->minor >= 0;
        size_t next = b.len / 8 + 1 + (acc ? 3 : 0) + major + minor + 2;   /* the next block */
        insn(&b, JNE_K, 2, 0, to(&b, next), x->type == 'b' ? DEV_TYPE_BLOCK : DEV_TYPE_CHAR);
        if (acc) {   /* r1 = access & allowed: only a subset of the allowed comes out whole */
            insn(&b, MOV32_X, 1, 3, 0, 0);
            insn(&b, AND32_K, 1, 0, 0, (int32_t)x->access);
            insn(&b, JNE_X, 1, 3, to(&b, next), 0);
        }
        if (major) insn(&b, JNE_K, 4, 0, to(&b, next), (int32_t)x->major);
        if (minor) insn(&b, JNE_K, 5, 0, to(&b, next), (int32_t)x->minor);
        insn(&b, MOV32_K, 0, 0, 0, !pol->default_allow);
        insn(&b, EXIT, 0, 0, 0, 0);
    }
    insn(&b, MOV32_K, 0, 0, 0, pol->default_allow);
    insn(&b, EXIT, 0, 0, 0, 0);
    *len = b.len;
    return b.p;
}
