/* unit.c — native checks of the planner's pieces: JSON reader edge cases, JSON Pointer
 * escaping, path cleaning, key-order independence and determinism of whole plans.
 * Must never depend on the host's files beyond the fixtures it writes itself. */
#define _GNU_SOURCE
#include "../src/planner.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures;
#define CHECK(cond, ...) do { if (!(cond)) { failures++; fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__); fprintf(stderr, __VA_ARGS__); fputc('\n', stderr); } } while (0)

static jv *parse(arena *a, const char *s, json_error *e) { return json_parse(a, (const uint8_t *)s, strlen(s), e); }

static void json_rejects_duplicate_keys(void) {
    arena a = {0}; json_error e;
    CHECK(!parse(&a, "{\"a\":1,\"a\":2}", &e), "duplicate accepted");
    CHECK(e.what && !strcmp(e.what, "duplicate member name") && e.offset == 7, "got %s at %zu", e.what, e.offset);
    arena_free_all(&a);
}

static void json_unescapes_surrogate_pairs(void) {
    arena a = {0}; json_error e;
    jv *v = parse(&a, "\"\\ud83d\\ude00\\u00e9\\n\"", &e);
    CHECK(v && v->len == 7 && !memcmp(v->s, "\xf0\x9f\x98\x80\xc3\xa9\n", 7), "bad unescape");
    CHECK(!parse(&a, "\"\\ud83d\"", &e), "lone high surrogate accepted");
    CHECK(!parse(&a, "\"\\ude00\"", &e), "lone low surrogate accepted");
    CHECK(!parse(&a, "\"\xc0\xaf\"", &e), "overlong UTF-8 accepted");
    CHECK(!parse(&a, "\"\xed\xa0\x80\"", &e), "UTF-8 surrogate accepted");
    arena_free_all(&a);
}

static void json_rejects_malformed(void) {
    const char *bad[] = { "", "{", "[1,]", "{\"a\" 1}", "01", "1.", "-", "tru", "nul", "\"a", "{}x",
                          "[1 2]", "\"\t\"", "1e", "{\"a\":1,}", "\"\\x\"" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        arena a = {0}; json_error e;
        CHECK(!parse(&a, bad[i], &e), "accepted %s", bad[i]);
        arena_free_all(&a);
    }
    /* Go's limit, which runc has: 10000 levels parse, 10001 do not */
    static char deep[20003];
    memset(deep, '[', 10000); memset(deep + 10000, ']', 10000); deep[20000] = 0;
    arena a = {0}; json_error e;
    CHECK(parse(&a, deep, &e) != NULL, "10000 levels refused: %s", e.what ? e.what : "");
    arena_free_all(&a);
    memset(deep, '[', 10001); memset(deep + 10001, ']', 10001); deep[20002] = 0;
    CHECK(!parse(&a, deep, &e) && !strcmp(e.what, "nesting too deep"), "deep nesting");
    arena_free_all(&a);
    /* a duplicate name among many members is found (sorted check), at the second occurrence */
    char big[2048]; size_t n = 0;
    n += (size_t)snprintf(big + n, sizeof big - n, "{");
    for (int i = 0; i < 40; i++) n += (size_t)snprintf(big + n, sizeof big - n, "\"k%d\":%d,", i, i);
    n += (size_t)snprintf(big + n, sizeof big - n, "\"k7\":1,\"k50\":2}");
    CHECK(!parse(&a, big, &e) && !strcmp(e.what, "duplicate member name") && big[e.offset] == '"' && !strncmp(big + e.offset, "\"k7\":1", 6),
          "large-object duplicate: %s at %zu", e.what ? e.what : "(none)", e.offset);
    arena_free_all(&a);
    big[n - 13] = 'x';   /* "kx": no duplicate */
    CHECK(parse(&a, big, &e) != NULL, "large object refused: %s", e.what ? e.what : "");
    arena_free_all(&a);
}

static void json_numbers_keep_range(void) {
    arena a = {0}; json_error e;
    jv *v = parse(&a, "[18446744073709551615, 18446744073709551616, -9223372036854775808, 1.5, -0]", &e);
    CHECK(v && v->n == 5, "parse");
    CHECK(v->items[0]->num_int && !v->items[0]->num_overflow && v->items[0]->num_mag == UINT64_MAX, "u64 max");
    CHECK(v->items[1]->num_overflow, "overflow not flagged");
    CHECK(v->items[2]->num_neg && v->items[2]->num_mag == 9223372036854775808ULL, "i64 min");
    CHECK(!v->items[3]->num_int, "1.5 integral");
    /* -0 keeps its sign: a uint64 field refuses it as Go's decoder does, an int64 one reads 0 */
    CHECK(v->items[4]->num_int && v->items[4]->num_neg && v->items[4]->num_mag == 0, "-0");
    arena_free_all(&a);
}

static void json_pointer_escapes(void) {
    arena a = {0}; json_error e;
    jv *v = parse(&a, "{\"a/b\":{\"c~d\":[0,{\"\":1}]}}", &e);
    jv *leaf = v->items[0]->items[0]->items[1]->items[0];
    char *ptr = json_pointer(&a, leaf);
    CHECK(!strcmp(ptr, "/a~1b/c~0d/1/"), "pointer %s", ptr);
    CHECK(!strcmp(json_pointer(&a, v), ""), "root pointer");
    arena_free_all(&a);
}

static void clean_path_matches_go(void) {
    planner p; memset(&p, 0, sizeof p);
    const char *cases[][2] = {
        { "/", "/" }, { "/dev/", "/dev" }, { "//dev//pts/", "/dev/pts" }, { "/a/./b/../c", "/a/c" },
        { "/../../x", "/x" }, { "a/../../b", "../b" }, { "", "." }, { "/proc/self/..", "/proc" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *got = clean_path(&p, cases[i][0]);
        CHECK(!strcmp(got, cases[i][1]), "clean(%s) = %s, want %s", cases[i][0], got, cases[i][1]);
    }
    arena_free_all(&p.a);
}

static const char *CTX =
    "{\"id\":\"c1\",\"bundle\":\"/b\",\"state_dir\":\"/run/planc/c1\",\"user_home\":\"/root\","
    "\"host\":{\"cgroup\":{\"v1\":[{\"mount\":\"/sys/fs/cgroup/cpu,cpuacct\",\"controllers\":[\"cpu\",\"cpuacct\"]},"
    "{\"mount\":\"/sys/fs/cgroup/memory\",\"controllers\":[\"memory\"]}],\"unified\":null},"
    "\"cpuset\":{\"cpus\":\"0\",\"mems\":\"0\"},\"proc_kcore\":false}}";

static int plan_of(const char *config, const uint8_t **out, size_t *len, planner *p) {
    memset(p, 0, sizeof *p);
    return planc_plan(p, (const uint8_t *)config, strlen(config), (const uint8_t *)CTX, strlen(CTX), out, len);
}

static void plan_ignores_key_order(void) {
    const char *c1 = "{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"rootfs\",\"readonly\":true},"
        "\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\",\"user\":{\"uid\":1,\"gid\":2}},"
        "\"linux\":{\"namespaces\":[{\"type\":\"mount\"},{\"type\":\"pid\"}],\"resources\":{\"memory\":{\"limit\":1048576}}}}";
    const char *c2 = "{\"linux\":{\"resources\":{\"memory\":{\"limit\":1048576}},\"namespaces\":[{\"type\":\"mount\"},{\"type\":\"pid\"}]},"
        "\"process\":{\"user\":{\"gid\":2,\"uid\":1},\"cwd\":\"/\",\"args\":[\"sh\"]},"
        "\"root\":{\"readonly\":true,\"path\":\"rootfs\"},\"ociVersion\":\"1.0.2\"}";
    planner p1, p2; const uint8_t *o1, *o2; size_t l1, l2;
    int ok1 = plan_of(c1, &o1, &l1, &p1), ok2 = plan_of(c2, &o2, &l2, &p2);
    CHECK(ok1 && ok2, "plans failed: %s", p1.nerrs ? p1.errs[0].message : p2.nerrs ? p2.errs[0].message : "");
    CHECK(ok1 && ok2 && l1 == l2 && !memcmp(o1, o2, l1), "key order changed the plan");
    arena_free_all(&p1.a); arena_free_all(&p2.a);
}

static void plan_is_deterministic(void) {
    const char *c = "{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"/r\"},\"process\":{\"args\":[\"/bin/true\"],\"cwd\":\"/w\"},"
        "\"mounts\":[{\"destination\":\"/cg\",\"type\":\"cgroup\",\"source\":\"cgroup\",\"options\":[\"ro\"]}],"
        "\"linux\":{\"namespaces\":[{\"type\":\"mount\"}]}}";
    planner p1, p2; const uint8_t *o1, *o2; size_t l1, l2;
    int ok1 = plan_of(c, &o1, &l1, &p1), ok2 = plan_of(c, &o2, &l2, &p2);
    CHECK(ok1 && ok2 && l1 == l2 && !memcmp(o1, o2, l1), "same input, different plan");
    /* a merged hierarchy gets one bind and a symlink per controller */
    CHECK(ok1 && memmem(o1, l1, "/cg/cpu,cpuacct", 15) && memmem(o1, l1, "/cg/cpuacct", 11), "merged hierarchy binds/symlinks");
    arena_free_all(&p1.a); arena_free_all(&p2.a);
}

static void errors_come_in_document_order(void) {
    const char *c = "{\"root\":{\"path\":\"r\"},\"linux\":{\"namespaces\":[{\"type\":\"bogus\"}]},\"process\":{\"args\":[],\"cwd\":\"x\"},\"ociVersion\":\"2\"}";
    planner p; const uint8_t *o; size_t l;
    CHECK(!plan_of(c, &o, &l, &p), "bad config planned");
    for (size_t i = 1; i < p.nerrs; i++) CHECK(p.errs[i - 1].offset <= p.errs[i].offset, "errors out of order at %zu", i);
    CHECK(p.nerrs >= 5, "expected every error, got %zu", p.nerrs);
    CHECK(p.nerrs >= 2 && !strcmp(p.errs[0].pointer, "/linux/namespaces") && !strcmp(p.errs[1].pointer, "/linux/namespaces/0/type"),
          "first errors %s %s", p.nerrs ? p.errs[0].pointer : "", p.nerrs > 1 ? p.errs[1].pointer : "");
    arena_free_all(&p.a);
}

static void ambient_needs_inheritable_and_permitted(void) {
    const char *c = "{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"/r\"},\"process\":{\"args\":[\"a\"],\"cwd\":\"/\","
        "\"capabilities\":{\"ambient\":[\"CAP_KILL\",\"CAP_CHOWN\"],\"inheritable\":[\"CAP_KILL\"],\"permitted\":[\"CAP_KILL\",\"CAP_CHOWN\"]}}"
        ",\"linux\":{\"namespaces\":[{\"type\":\"mount\"}]}}";
    planner p; const uint8_t *o; size_t l;
    CHECK(plan_of(c, &o, &l, &p), "plan failed");
    /* find the cap_ambient_raise op (code 40) and check its argument is CAP_KILL only */
    size_t at = 12; int found = 0;
    while (at + 8 <= l) {
        unsigned code = o[at] | o[at + 1] << 8;
        uint32_t body; memcpy(&body, o + at + 4, 4);
        if (code == OP_CAP_AMBIENT_RAISE) {
            uint32_t wl; memcpy(&wl, o + at + 8, 4);
            uint64_t caps; memcpy(&caps, o + at + 12 + wl, 8);
            CHECK(caps == 1ULL << F_CAP_KILL, "ambient caps %llx", (unsigned long long)caps);
            found = 1;
        }
        at += 8 + body;
    }
    CHECK(found, "no cap_ambient_raise");
    arena_free_all(&p.a);
}


/* a classic-BPF interpreter for the opcodes seccomp.c emits */
static uint32_t run_bpf(const uint8_t *f, size_t len, uint32_t arch, uint32_t nr, const uint64_t args[6]) {
    uint8_t data[64] = {0};
    memcpy(data, &nr, 4); memcpy(data + 4, &arch, 4);
    for (int i = 0; i < 6; i++) memcpy(data + 16 + 8 * i, &args[i], 8);
    uint32_t A = 0;
    for (size_t pc = 0; pc * 8 < len;) {
        uint16_t code; uint8_t jt, jf; uint32_t k;
        memcpy(&code, f + pc * 8, 2); jt = f[pc * 8 + 2]; jf = f[pc * 8 + 3]; memcpy(&k, f + pc * 8 + 4, 4);
        pc++;
        switch (code) {
        case 0x20: memcpy(&A, data + k, 4); break;
        case 0x54: A &= k; break;
        case 0x15: pc += A == k ? jt : jf; break;
        case 0x25: pc += A > k ? jt : jf; break;
        case 0x35: pc += A >= k ? jt : jf; break;
        case 0x45: pc += (A & k) ? jt : jf; break;
        case 0x05: pc += k; break;
        case 0x06: return k;
        default: return 0xdeadbeef;
        }
    }
    return 0xdeadbeef;
}

static void seccomp_compares_64_bit_arguments(void) {
    static const char *ops[] = { "SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ" };
    const uint64_t V = 0x100000005ULL, M = 0xff000000ffULL;
    const uint64_t probes[] = { 0, 4, 5, 6, V - 1, V, V + 1, 0x200000000ULL, 0x0000000500000000ULL, 0x1000000ffULL, UINT64_MAX, 0x100000005ULL | 0xff00ULL };
    for (int op = 0; op < 7; op++) {
        char cfg[1024];
        snprintf(cfg, sizeof cfg,
            "{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"/r\"},\"process\":{\"args\":[\"a\"],\"cwd\":\"/\"},"
            "\"linux\":{\"namespaces\":[{\"type\":\"mount\"}],\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\","
            "\"syscalls\":[{\"names\":[\"kill\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":7,"
            "\"args\":[{\"index\":2,\"value\":%llu,\"valueTwo\":%llu,\"op\":\"%s\"}]}]}}}",
            (unsigned long long)(op == 6 ? M : V), (unsigned long long)(op == 6 ? 0x0500000005ULL : 0), ops[op]);
        planner p; const uint8_t *o; size_t l;
        if (!plan_of(cfg, &o, &l, &p)) { CHECK(0, "seccomp plan failed: %s", p.nerrs ? p.errs[0].message : "?"); continue; }
        const uint8_t *f = p.s.seccomp.bpf; size_t fl = p.s.seccomp.bpf_len;
        for (size_t i = 0; i < sizeof probes / sizeof probes[0]; i++) {
            uint64_t x = probes[i], args[6] = { 0, 0, x, 0, 0, 0 };
            bool hit = op == 0 ? x != V : op == 1 ? x < V : op == 2 ? x <= V : op == 3 ? x == V :
                       op == 4 ? x >= V : op == 5 ? x > V : (x & M) == 0x0500000005ULL;
            uint32_t got = run_bpf(f, fl, 0xc000003e, 62 /* kill */, args);
            CHECK(got == (hit ? 0x00050007u : 0x7fff0000u), "%s arg=%llx got %x", ops[op], (unsigned long long)x, got);
            CHECK(run_bpf(f, fl, 0xc000003e, 39 /* getpid */, args) == 0x7fff0000u, "other syscall not allowed");
        }
        uint64_t z[6] = {0};
        /* libseccomp's bad-arch action (SCMP_ACT_KILL, the thread) for ABIs the filter lacks */
        CHECK(run_bpf(f, fl, 0x40000003 /* i386 */, 37, z) == 0x00000000u, "foreign arch not killed");
        CHECK(run_bpf(f, fl, 0xc000003e, 0x40000000 | 62, z) == 0x00000000u, "x32 not killed");
        arena_free_all(&p.a);
    }
}

static void uid_minus_one_is_refused(void) {
    /* (uid_t)-1 would make setresuid a no-op and leave the container process root */
    const char *c = "{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"/r\"},\"process\":{\"args\":[\"a\"],\"cwd\":\"/\","
        "\"user\":{\"uid\":4294967295,\"gid\":4294967295}},\"linux\":{\"namespaces\":[{\"type\":\"mount\"}]}}";
    planner p; const uint8_t *o; size_t l;
    CHECK(!plan_of(c, &o, &l, &p) && p.nerrs == 2, "uid/gid -1 accepted");
    arena_free_all(&p.a);
}

/* ---- the lifecycle: actions, console, hooks, preserved fds ---- */

static const char *BASE =
    "{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"/r\"},\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\"%s},"
    "\"linux\":{\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"mount\"%s}]}%s}";
static const char *CTX_HEAD =
    "{\"id\":\"c1\",\"bundle\":\"/b\",\"state_dir\":\"/run/planc/c1\",\"host\":{\"cgroup\":{\"v1\":"
    "[{\"mount\":\"/sys/fs/cgroup/freezer\",\"controllers\":[\"freezer\"]},{\"mount\":\"/sys/fs/cgroup/memory\",\"controllers\":[\"memory\"]}],"
    "\"unified\":null}}}";

typedef struct { int code, lane; const uint8_t *body; uint32_t len; } op_view;

/* splits plan bytes into ops; returns the count (at most max) */
static size_t ops_of(const uint8_t *o, size_t l, op_view *v, size_t max) {
    size_t at = 12, n = 0;
    while (at + 8 <= l && n < max) {
        uint32_t body; memcpy(&body, o + at + 4, 4);
        v[n].code = o[at] | o[at + 1] << 8; v[n].lane = o[at + 2]; v[n].body = o + at + 8; v[n].len = body;
        n++; at += 8 + body;
    }
    return n;
}
/* the k-th string of an op's body (0 is its why), as a NUL-terminated copy */
static const char *str_arg(const op_view *v, int k, char *out, size_t cap) {
    size_t at = 0;
    for (int i = 0;; i++) {
        uint32_t n; memcpy(&n, v->body + at, 4);
        if (i == k) { size_t m = n < cap - 1 ? n : cap - 1; memcpy(out, v->body + at + 4, m); out[m] = 0; return out; }
        at += 4 + n;
    }
}
static uint32_t u32_after_why(const op_view *v) {
    uint32_t n, x; memcpy(&n, v->body, 4); memcpy(&x, v->body + 4 + n, 4); return x;
}

/* cfg_fmt gets three strings: extra process members, extra mount-ns members, extra top-level members */
static int plan_with(const char *proc_extra, const char *mnt_extra, const char *top_extra, const char *ctx_extra,
                     const uint8_t **out, size_t *len, planner *p) {
    static char cfg[4096], ctx[4096];
    snprintf(cfg, sizeof cfg, BASE, proc_extra, mnt_extra, top_extra);
    snprintf(ctx, sizeof ctx, "%.*s%s}", (int)strlen(CTX_HEAD) - 1, CTX_HEAD, ctx_extra);
    memset(p, 0, sizeof *p);
    return planc_plan(p, (const uint8_t *)cfg, strlen(cfg), (const uint8_t *)ctx, strlen(ctx), out, len);
}

static void create_plan_unchanged_by_default_options(void) {
    planner a, b; const uint8_t *oa, *ob; size_t la, lb;
    int ok1 = plan_with("", "", "", "", &oa, &la, &a);
    int ok2 = plan_with(",\"terminal\":false", "", "", ",\"action\":\"create\",\"hooks_caller\":true,\"options\":{\"no_pivot\":false,"
                        "\"no_new_keyring\":true,\"preserve_fds\":0,\"console_socket\":\"\",\"console_proxy\":\"\"}", &ob, &lb, &b);
    CHECK(ok1 && ok2 && la == lb && !memcmp(oa, ob, la), "default options changed the create plan");
    arena_free_all(&a.a); arena_free_all(&b.a);
}

static void preserve_fds_moves_close_fds(void) {
    planner p; const uint8_t *o; size_t l; op_view v[256];
    CHECK(plan_with("", "", "", ",\"options\":{\"preserve_fds\":5}", &o, &l, &p), "plan failed");
    size_t n = ops_of(o, l, v, 256); int found = 0;
    for (size_t i = 0; i < n; i++) if (v[i].code == OP_CLOSE_FDS) { found++; CHECK(u32_after_why(&v[i]) == 8, "close_fds(%u), want 8", u32_after_why(&v[i])); }
    CHECK(found == 1, "close_fds count %d", found);
    arena_free_all(&p.a);
}

/* SECURITY: the console socket is reached by its host path, so it is connected before any
 * mount namespace is joined and before pivot_root; the pty is made after pivot_root */
static void console_connect_precedes_mount_namespace_and_pivot(void) {
    planner p; const uint8_t *o; size_t l; op_view v[256];
    CHECK(plan_with(",\"terminal\":true,\"consoleSize\":{\"height\":24,\"width\":80}", ",\"path\":\"/proc/1/ns/mnt\"", "",
                    ",\"options\":{\"console_socket\":\"/run/s.sock\"}", &o, &l, &p), "plan failed: %s", p.nerrs ? p.errs[0].message : "");
    size_t n = ops_of(o, l, v, 256);
    long connect = -1, setup = -1, mntns = -1, pivot = -1;
    for (size_t i = 0; i < n; i++) {
        if (v[i].code == OP_CONSOLE_CONNECT) connect = (long)i;
        if (v[i].code == OP_CONSOLE_SETUP) setup = (long)i;
        if (v[i].code == OP_PIVOT_ROOT) pivot = (long)i;
        if (v[i].code == OP_SETNS && v[i].lane == F_LANE_CONTAINER && u32_after_why(&v[i]) != 0) {
            char b[64]; str_arg(&v[i], 1, b, sizeof b);
            if (!strcmp(b, "/proc/1/ns/mnt")) mntns = (long)i;
        }
    }
    CHECK(connect >= 0 && mntns > connect && pivot > connect, "connect %ld mntns %ld pivot %ld", connect, mntns, pivot);
    CHECK(setup == pivot + 1, "console_setup at %ld, pivot_root at %ld", setup, pivot);
    arena_free_all(&p.a);
}

static void console_rules_match_runc(void) {
    planner p; const uint8_t *o; size_t l;
    CHECK(!plan_with(",\"terminal\":true", "", "", "", &o, &l, &p) && p.nerrs == 1 && !strcmp(p.errs[0].rule, "terminal-needs-socket")
          && !strcmp(p.errs[0].pointer, "/process/terminal"), "terminal without a socket");
    arena_free_all(&p.a);
    CHECK(!plan_with("", "", "", ",\"options\":{\"console_socket\":\"/s\"}", &o, &l, &p) && p.nerrs == 1 &&
          !strcmp(p.errs[0].rule, "socket-needs-terminal") && !strcmp(p.errs[0].pointer, "/process/terminal"), "socket without a terminal");
    arena_free_all(&p.a);
    /* a foreground run proxies the terminal itself: listen on the host, before clone, removed on teardown */
    op_view v[256];
    CHECK(plan_with(",\"terminal\":true", "", "", ",\"options\":{\"console_proxy\":\"/run/planc/c1/tty.sock\"}", &o, &l, &p), "proxy plan failed");
    size_t n = ops_of(o, l, v, 256);
    long listen = -1, clone = -1, unlink = -1;
    for (size_t i = 0; i < n; i++) {
        char b[64];
        if (v[i].code == OP_CONSOLE_LISTEN) listen = (long)i;
        if (v[i].code == OP_CLONE) clone = (long)i;
        if (v[i].code == OP_UNLINK && !strcmp(str_arg(&v[i], 1, b, sizeof b), "/run/planc/c1/tty.sock")) unlink = (long)i;
    }
    CHECK(listen >= 0 && listen < clone && unlink > clone, "listen %ld clone %ld unlink %ld", listen, clone, unlink);
    arena_free_all(&p.a);
}

/* the state a hook reads is runtime-spec JSON once the shim puts the pid between the parts */
static void hook_state_is_split_around_the_pid(void) {
    planner p; const uint8_t *o; size_t l; op_view v[256];
    CHECK(plan_with("", "", ",\"annotations\":{\"z\":\"1\",\"a\":\"q\\\"\"},\"hooks\":{\"createContainer\":[{\"path\":\"/h\",\"timeout\":3}],"
                    "\"startContainer\":[{\"path\":\"/s\",\"args\":[\"s\",\"x\"]}]}", "", &o, &l, &p),
          "plan failed: %s", p.nerrs ? p.errs[0].message : "");
    size_t n = ops_of(o, l, v, 256);
    int hooks = 0; long pivot = -1, fifo = -1, first = -1, second = -1;
    for (size_t i = 0; i < n; i++) {
        if (v[i].code == OP_PIVOT_ROOT) pivot = (long)i;
        if (v[i].code == OP_EXEC_FIFO_WAIT) fifo = (long)i;
        if (v[i].code != OP_RUN_HOOK) continue;
        if (hooks++ == 0) first = (long)i; else second = (long)i;
    }
    CHECK(hooks == 2 && first == pivot - 1 && second == fifo + 1, "hooks at %ld %ld (pivot %ld, fifo wait %ld)", first, second, pivot, fifo);
    if (first >= 0) {
        /* body: why, path, argv(S), envp(S), prefix, suffix, timeout */
        const uint8_t *b = v[first].body; size_t at = 0; uint32_t k;
        memcpy(&k, b, 4); at = 4 + k;                                  /* why */
        memcpy(&k, b + at, 4); at += 4 + k;                            /* path */
        uint32_t cnt; memcpy(&cnt, b + at, 4); at += 4;
        for (uint32_t i = 0; i < cnt; i++) { memcpy(&k, b + at, 4); at += 4 + k; }
        memcpy(&cnt, b + at, 4); at += 4;
        for (uint32_t i = 0; i < cnt; i++) { memcpy(&k, b + at, 4); at += 4 + k; }
        char state[512]; size_t sl = 0;
        memcpy(&k, b + at, 4); memcpy(state, b + at + 4, k); sl = k; at += 4 + k;
        memcpy(state + sl, "1234", 4); sl += 4;
        memcpy(&k, b + at, 4); memcpy(state + sl, b + at + 4, k); sl += k; at += 4 + k;
        state[sl] = 0;
        uint32_t ms; memcpy(&ms, b + at, 4);
        CHECK(!strcmp(state, "{\"ociVersion\":\"1.0.2\",\"id\":\"c1\",\"status\":\"creating\",\"pid\":1234,\"bundle\":\"/b\","
                             "\"annotations\":{\"a\":\"q\\\"\",\"z\":\"1\"}}"), "state %s", state);
        CHECK(ms == 3000, "timeout_ms %u", ms);
    }
    arena_free_all(&p.a);
}

/* SECURITY: a prestart hook the caller will not run must stop the plan, never vanish */
static void caller_hooks_need_a_caller(void) {
    planner p; const uint8_t *o; size_t l;
    const char *hooks = ",\"hooks\":{\"prestart\":[{\"path\":\"/p\"}]}";
    CHECK(!plan_with("", "", hooks, "", &o, &l, &p) && p.nerrs == 1 && !strcmp(p.errs[0].rule, "unsupported")
          && !strcmp(p.errs[0].pointer, "/hooks/prestart"), "prestart without a caller planned");
    arena_free_all(&p.a);
    CHECK(plan_with("", "", hooks, ",\"hooks_caller\":true", &o, &l, &p), "prestart with a caller failed");
    arena_free_all(&p.a);
}

/* ORDER: runc's prepareRootfs: mounts and /dev, then the caller's prestart + createRuntime
 * hooks (P between CHILD_HOOKS and HOOKS_DONE), then createContainer hooks, then the root
 * switch; P's side: MAY_RUN, wait CHILD_HOOKS, sync_caller, HOOKS_DONE, wait CHILD_READY */
static void caller_hooks_run_after_mounts_before_root_switch(void) {
    planner p; const uint8_t *o; size_t l; op_view v[256];
    const char *hooks = ",\"mounts\":[{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\"}],\"hooks\":{"
                        "\"prestart\":[{\"path\":\"/p\"}],\"createRuntime\":[{\"path\":\"/r\"}],\"createContainer\":[{\"path\":\"/c\"}]}";
    for (int no_pivot = 0; no_pivot < 2; no_pivot++) {
        CHECK(plan_with("", "", hooks, no_pivot ? ",\"hooks_caller\":true,\"options\":{\"no_pivot\":true}" : ",\"hooks_caller\":true", &o, &l, &p),
              "hooks plan failed: %s", p.nerrs ? p.errs[0].message : "");
        size_t n = ops_of(o, l, v, 256);
        long host_first = -1, last_fs = -1, child_first = -1, hook = -1, root = -1;
        for (size_t i = 0; i < n; i++) {
            int c = v[i].code;
            if (c == OP_SYNC_SIGNAL && v[i].lane == F_LANE_HOST && host_first < 0) host_first = (long)i;
            if (c == OP_SYNC_SIGNAL && v[i].lane == F_LANE_CONTAINER && child_first < 0) child_first = (long)i;
            if (c == OP_MOUNT_IN_ROOT || c == OP_MKNOD_IN_ROOT || c == OP_SYMLINK_IN_ROOT) if (root < 0) last_fs = (long)i;
            if (c == OP_RUN_HOOK && hook < 0) hook = (long)i;
            if (c == (no_pivot ? OP_MOVE_ROOT : OP_PIVOT_ROOT)) root = (long)i;
        }
        const int host_seq[][2] = { { OP_SYNC_WAIT, F_SYNC_CHILD_HOOKS },
            { OP_SYNC_CALLER, F_CALLER_CREATE_RUNTIME }, { OP_SYNC_SIGNAL, F_SYNC_HOOKS_DONE }, { OP_SYNC_WAIT, F_SYNC_CHILD_READY } };
        CHECK(host_first >= 0 && u32_after_why(&v[host_first]) == F_SYNC_CHILD_MAY_RUN, "first host signal at %ld", host_first);
        for (int k = 0; k < 4 && host_first >= 0; k++)
            CHECK(v[host_first + 1 + k].code == host_seq[k][0] && v[host_first + 1 + k].lane == F_LANE_HOST && u32_after_why(&v[host_first + 1 + k]) == (uint32_t)host_seq[k][1],
                  "host op %d after MAY_RUN: code %d point %u", k, v[host_first + 1 + k].code, u32_after_why(&v[host_first + 1 + k]));
        CHECK(child_first > last_fs && last_fs >= 0 && u32_after_why(&v[child_first]) == F_SYNC_CHILD_HOOKS, "CHILD_HOOKS at %ld, last mount at %ld", child_first, last_fs);
        CHECK(child_first >= 0 && v[child_first + 1].code == OP_SYNC_WAIT && u32_after_why(&v[child_first + 1]) == F_SYNC_HOOKS_DONE, "HOOKS_DONE wait");
        /* the hook runs in the rootfs (a chdir right before it), as runc's init does */
        CHECK(hook == child_first + 3 && v[child_first + 2].code == OP_CHDIR && root == hook + 1, "createContainer hook at %ld, root switch at %ld", hook, root);
        char why[64];
        CHECK(!strcmp(str_arg(&v[host_first + 2], 0, why, sizeof why), "/hooks/prestart /hooks/createRuntime"), "sync_caller why %s", why);
        arena_free_all(&p.a);
    }
}

/* --no-pivot changes one op: pivot_root becomes move_root, with the same root */
static void no_pivot_moves_the_root(void) {
    planner a, b; const uint8_t *oa, *ob; size_t la = 0, lb = 0; op_view va[256], vb[256];
    CHECK(plan_with("", "", "", "", &oa, &la, &a), "plan failed");
    CHECK(plan_with("", "", "", ",\"options\":{\"no_pivot\":true}", &ob, &lb, &b), "no_pivot plan failed");
    size_t na = ops_of(oa, la, va, 256), nb = ops_of(ob, lb, vb, 256);
    int moved = 0;
    CHECK(na == nb, "op counts %zu %zu", na, nb);
    for (size_t i = 0; i < na && i < nb; i++) {
        if (va[i].code == OP_PIVOT_ROOT) {
            char w[64], r[64];
            moved++;
            CHECK(vb[i].code == OP_MOVE_ROOT && vb[i].lane == F_LANE_CONTAINER, "op %zu is %d, want move_root", i, vb[i].code);
            CHECK(!strcmp(str_arg(&vb[i], 0, w, sizeof w), "option:no-pivot") && !strcmp(str_arg(&vb[i], 1, r, sizeof r), "/r"), "move_root %s %s", w, r);
        } else CHECK(va[i].code == vb[i].code && va[i].len == vb[i].len && !memcmp(va[i].body, vb[i].body, va[i].len), "op %zu differs", i);
    }
    CHECK(moved == 1, "pivot_root count %d", moved);
    arena_free_all(&a.a); arena_free_all(&b.a);
}

static const char *EXEC_CTX =
    ",\"action\":\"exec\",\"container\":{\"pid\":99,\"config\":{\"linux\":{\"namespaces\":"
    "[{\"type\":\"mount\"},{\"type\":\"network\"},{\"type\":\"pid\"},{\"type\":\"uts\"}]}}}";

/* ORDER: every /proc/<pid>/ns path is opened before the mount namespace is joined */
static void exec_joins_the_mount_namespace_last(void) {
    static const char *proc = "{\"args\":[\"ps\"],\"cwd\":\"/\"}";
    static char ctx[2048];
    snprintf(ctx, sizeof ctx, "%.*s%s}", (int)strlen(CTX_HEAD) - 1, CTX_HEAD, EXEC_CTX);
    planner p; memset(&p, 0, sizeof p); const uint8_t *o; size_t l; op_view v[256];
    CHECK(planc_plan(&p, (const uint8_t *)proc, strlen(proc), (const uint8_t *)ctx, strlen(ctx), &o, &l), "exec plan failed: %s", p.nerrs ? p.errs[0].message : "");
    size_t n = ops_of(o, l, v, 256);
    long clone = -1, pidns = -1, last_setns = -1, mnt = -1; int clones = 0;
    for (size_t i = 0; i < n; i++) {
        char b[64];
        CHECK(v[i].code != OP_MKFIFO && v[i].code != OP_EXEC_FIFO_WAIT && v[i].code != OP_MKDIR && v[i].lane != F_LANE_TEARDOWN,
              "exec plan creates something: op %d", v[i].code);
        if (v[i].code == OP_CLONE) { clone = (long)i; clones++; }
        if (v[i].code != OP_SETNS) continue;
        str_arg(&v[i], 1, b, sizeof b);
        if (!strcmp(b, "/proc/99/ns/pid")) { pidns = (long)i; CHECK(v[i].lane == F_LANE_HOST, "pid setns not in the host lane"); }
        else last_setns = (long)i;
        if (!strcmp(b, "/proc/99/ns/mnt")) mnt = (long)i;
    }
    CHECK(clones == 1 && pidns >= 0 && pidns < clone, "pid ns %ld, clone %ld", pidns, clone);
    CHECK(mnt >= 0 && mnt == last_setns, "mnt setns %ld, last setns %ld", mnt, last_setns);
    arena_free_all(&p.a);
}

static void host_only_actions_have_no_clone(void) {
    static const char *acts[] = { ",\"action\":\"pause\"", ",\"action\":\"resume\"",
        ",\"action\":\"update\",\"container\":{\"config\":{\"linux\":{\"cgroupsPath\":\"/x/y\"}}}" };
    static const char *cfgs[] = { "{\"linux\":{\"cgroupsPath\":\"/x/y\"}}", "{}", "{\"memory\":{\"limit\":1048576}}" };
    static const char *want[] = { "/sys/fs/cgroup/freezer/x/y/freezer.state", "/sys/fs/cgroup/freezer/c1/freezer.state", "/sys/fs/cgroup/memory/x/y/memory.limit_in_bytes" };
    for (int k = 0; k < 3; k++) {
        static char ctx[2048];
        snprintf(ctx, sizeof ctx, "%.*s%s}", (int)strlen(CTX_HEAD) - 1, CTX_HEAD, acts[k]);
        planner p; memset(&p, 0, sizeof p); const uint8_t *o; size_t l; op_view v[64];
        if (!planc_plan(&p, (const uint8_t *)cfgs[k], strlen(cfgs[k]), (const uint8_t *)ctx, strlen(ctx), &o, &l)) {
            CHECK(0, "action %d failed: %s", k, p.nerrs ? p.errs[0].message : ""); arena_free_all(&p.a); continue;
        }
        size_t n = ops_of(o, l, v, 64);
        CHECK(n == 1 && v[0].code == OP_WRITE_FILE && v[0].lane == F_LANE_HOST, "action %d: %zu ops", k, n);
        char b[128];
        if (n) CHECK(!strcmp(str_arg(&v[0], 1, b, sizeof b), want[k]), "action %d writes %s", k, b);
        arena_free_all(&p.a);
    }
}


/* a whole config.json with the CTX_HEAD host */
static int plan_cfg(const char *cfg, const uint8_t **out, size_t *len, planner *p) {
    memset(p, 0, sizeof *p);
    return planc_plan(p, (const uint8_t *)cfg, strlen(cfg), (const uint8_t *)CTX_HEAD, strlen(CTX_HEAD), out, len);
}
static uint32_t last_u32(const op_view *v) { uint32_t x; memcpy(&x, v->body + v->len - 4, 4); return x; }
/* mount_in_root's source, target and fstype ("sussUsu" after the why) */
static void mount_args(const op_view *v, char *src, char *tgt, char *fs, size_t cap) {
    size_t at = 0; uint32_t n;
    char *outs[3] = { src, tgt, fs };
    const char *walk = "ssuss";   /* why source src_kind target fstype */
    for (int i = 0, k = -1; walk[i]; i++) {
        if (walk[i] == 'u') { at += 4; continue; }
        memcpy(&n, v->body + at, 4);
        if (k >= 0) { size_t m = n < cap - 1 ? n : cap - 1; memcpy(outs[k], v->body + at + 4, m); outs[k][m] = 0; }
        k++; at += 4 + n;
    }
}

#define CFG_HEAD "{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"/r\"},\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\",\"env\":[\"PATH=/bin\"]},"

/* podman --privileged lists /dev/ptmx among the devices; runc replaces the node with the
 * pts/ptmx symlink, so no node is planned there (the symlink would find it: EEXIST) */
static void ptmx_device_is_the_symlink(void) {
    planner p; const uint8_t *o; size_t l; op_view v[256];
    CHECK(plan_cfg(CFG_HEAD "\"mounts\":[{\"destination\":\"/dev\",\"type\":\"tmpfs\",\"source\":\"tmpfs\"}],\"linux\":{\"namespaces\":[{\"type\":\"mount\"}],"
                   "\"devices\":[{\"path\":\"/dev/ptmx\",\"type\":\"c\",\"major\":5,\"minor\":2},{\"path\":\"/dev/fuse\",\"type\":\"c\",\"major\":10,\"minor\":229}]}}",
                   &o, &l, &p), "plan failed: %s", p.nerrs ? p.errs[0].message : "");
    size_t n = ops_of(o, l, v, 256); int fuse = 0, ptmx_node = 0, ptmx_link = 0;
    for (size_t i = 0; i < n; i++) {
        char b[64];
        if (v[i].code == OP_MKNOD_IN_ROOT || v[i].code == OP_CHOWN_IN_ROOT) {
            str_arg(&v[i], 1, b, sizeof b);
            fuse += !strcmp(b, "/dev/fuse"); ptmx_node += !strcmp(b, "/dev/ptmx");
        }
        if (v[i].code == OP_SYMLINK_IN_ROOT) ptmx_link += !strcmp(str_arg(&v[i], 2, b, sizeof b), "/dev/ptmx");
    }
    CHECK(fuse == 2 && ptmx_node == 0 && ptmx_link == 1, "fuse %d ptmx node %d link %d", fuse, ptmx_node, ptmx_link);
    arena_free_all(&p.a);
}

/* ORDER: id maps are written by the host lane after clone, before the child may run; devices
 * are bind mounts (no mknod in a user namespace); sysfs without a new netns is a /sys bind */
static void user_namespace_maps_before_child_runs(void) {
    planner p; const uint8_t *o; size_t l; op_view v[256];
    CHECK(plan_cfg(CFG_HEAD "\"mounts\":[{\"destination\":\"/sys\",\"type\":\"sysfs\",\"source\":\"sysfs\",\"options\":[\"ro\"]}],"
                   "\"linux\":{\"namespaces\":[{\"type\":\"mount\"},{\"type\":\"user\"}],"
                   "\"uidMappings\":[{\"containerID\":0,\"hostID\":100000,\"size\":65536}],\"gidMappings\":[{\"containerID\":0,\"hostID\":200000,\"size\":10}],"
                   "\"devices\":[{\"path\":\"/dev/fuse\",\"type\":\"c\",\"major\":10,\"minor\":229}]}}",
                   &o, &l, &p), "plan failed: %s", p.nerrs ? p.errs[0].message : "");
    size_t n = ops_of(o, l, v, 256);
    long clone = -1, uid = -1, gid = -1, may_run = -1; int mknod = 0, binds = 0, sysfs = 0, sysbind = 0;
    for (size_t i = 0; i < n; i++) {
        char b[64], d[64];
        if (v[i].code == OP_CLONE) { clone = (long)i; uint64_t f; memcpy(&f, v[i].body + v[i].len - 8, 8); CHECK(f & F_CLONE_NEWUSER, "no CLONE_NEWUSER"); }
        if (v[i].code == OP_WRITE_CHILD_PROC) {
            str_arg(&v[i], 1, b, sizeof b); str_arg(&v[i], 2, d, sizeof d);
            if (!strcmp(b, "uid_map")) { uid = (long)i; CHECK(!strcmp(d, "0 100000 65536\n"), "uid_map %s", d); }
            if (!strcmp(b, "gid_map")) { gid = (long)i; CHECK(!strcmp(d, "0 200000 10\n"), "gid_map %s", d); }
            CHECK(strcmp(b, "setgroups"), "setgroups written as root");
        }
        if (v[i].code == OP_SYNC_SIGNAL && v[i].lane == F_LANE_HOST && u32_after_why(&v[i]) == F_SYNC_CHILD_MAY_RUN) may_run = (long)i;
        if (v[i].code == OP_MKNOD_IN_ROOT) mknod++;
        if (v[i].code == OP_MOUNT_IN_ROOT) {
            char fs[16];
            mount_args(&v[i], b, d, fs, 16 < sizeof b ? 16 : sizeof b);
            binds += !strcmp(b, d) && !strncmp(b, "/dev/", 5) && last_u32(&v[i]) == F_PATH_CREATE;
            sysbind += !strcmp(b, "/sys") && !strcmp(d, "/sys");
            sysfs += !strcmp(fs, "sysfs");
        }
    }
    CHECK(clone >= 0 && uid > clone && gid > uid && may_run > gid, "clone %ld uid_map %ld gid_map %ld may_run %ld", clone, uid, gid, may_run);
    CHECK(mknod == 0 && binds == 7, "mknod %d, device binds %d (want 6 defaults + fuse)", mknod, binds);
    CHECK(sysfs == 0 && sysbind == 1, "sysfs %d, /sys bind %d", sysfs, sysbind);
    arena_free_all(&p.a);
}

/* ORDER: args[0] is checked with the final credentials, right before CHILD_READY */
static void exec_check_precedes_child_ready(void) {
    planner p; const uint8_t *o; size_t l; op_view v[256];
    CHECK(plan_with(",\"env\":[\"PATH=/usr/bin:/bin\"]", "", "", "", &o, &l, &p), "plan failed");
    size_t n = ops_of(o, l, v, 256);
    long check = -1, ready = -1, uid = -1;
    for (size_t i = 0; i < n; i++) {
        if (v[i].code == OP_EXEC_CHECK) { char b[16]; check = (long)i; CHECK(!strcmp(str_arg(&v[i], 1, b, sizeof b), "sh"), "file %s", b); }
        if (v[i].code == OP_SETUID) uid = (long)i;
        if (v[i].code == OP_SYNC_SIGNAL && v[i].lane == F_LANE_CONTAINER) ready = (long)i;
    }
    CHECK(uid >= 0 && check > uid && ready == check + 1, "setuid %ld exec_check %ld CHILD_READY %ld", uid, check, ready);
    arena_free_all(&p.a);
}

static void tmpcopyup_sets_copy_up_on_tmpfs_only(void) {
    planner p; const uint8_t *o; size_t l; op_view v[256];
    CHECK(plan_cfg(CFG_HEAD "\"mounts\":[{\"destination\":\"/run\",\"type\":\"tmpfs\",\"source\":\"tmpfs\",\"options\":[\"tmpcopyup\",\"nosuid\"]},"
                   "{\"destination\":\"/x\",\"type\":\"mqueue\",\"source\":\"mqueue\",\"options\":[\"tmpcopyup\"]}],\"linux\":{\"namespaces\":[{\"type\":\"mount\"}]}}",
                   &o, &l, &p), "plan failed: %s", p.nerrs ? p.errs[0].message : "");
    size_t n = ops_of(o, l, v, 256); int run = -1, x = -1;
    for (size_t i = 0; i < n; i++) {
        char a[16], b[16], f[16];
        if (v[i].code != OP_MOUNT_IN_ROOT) continue;
        mount_args(&v[i], a, b, f, sizeof b);
        if (!strcmp(b, "/run")) run = (int)last_u32(&v[i]);
        if (!strcmp(b, "/x")) x = (int)last_u32(&v[i]);
    }
    /* every tmpfs makes its own target and keeps a former one's mode; only it copies up */
    CHECK(run == (F_PATH_COPY_UP | F_PATH_CREATE | F_PATH_KEEP_MODE) && x == 0, "/run path_flags %d, /x %d", run, x);
    arena_free_all(&p.a);
}

/* where the two lanes stand around the cgroup join of a plan */
typedef struct {
    long may_run_sig, ready_wait, host_join, old_join, clone_into;        /* host lane */
    long may_run_wait, first_join, last_join, joins, unshare, first_setns, first_other; /* container lane */
} join_view;

static join_view join_view_of(const op_view *v, size_t n) {
    join_view j; long *all = &j.may_run_sig;
    for (size_t k = 0; k < sizeof j / sizeof j.may_run_sig; k++) all[k] = -1;
    j.joins = 0;
    for (size_t i = 0; i < n; i++) {
        long at = (long)i; int c = v[i].code; bool host = v[i].lane == F_LANE_HOST;
        uint32_t pt = (c == OP_SYNC_SIGNAL || c == OP_SYNC_WAIT) ? u32_after_why(&v[i]) : 0;
#define FIRST(f) do { if (j.f < 0) j.f = at; } while (0)
        if (pt == 5 || c == 6) FIRST(old_join); /* the retired CGROUPS_JOINED point and write_child_pid op */
        if (host && c == OP_SYNC_SIGNAL && pt == F_SYNC_CHILD_MAY_RUN) FIRST(may_run_sig);
        if (host && c == OP_SYNC_WAIT && pt == F_SYNC_CHILD_READY) FIRST(ready_wait);
        if (host && c == OP_CLONE_INTO_CGROUP) FIRST(clone_into);
        if (host && c == OP_CGROUP_JOIN_SELF) FIRST(host_join);
        if (host) continue;
        if (c == OP_SYNC_WAIT && pt == F_SYNC_CHILD_MAY_RUN) { FIRST(may_run_wait); continue; }
        if (c == OP_CGROUP_JOIN_SELF) { FIRST(first_join); j.last_join = at; j.joins++; continue; }
        if (c == OP_UNSHARE) FIRST(unshare);
        if (c == OP_SETNS) FIRST(first_setns);
        if (c != OP_UNSHARE) FIRST(first_other);
#undef FIRST
    }
    return j;
}

/* ORDER: C moves itself into every v1 hierarchy's cgroup (writing "0" to `tasks`) right
 * after CHILD_MAY_RUN, before any other step, so that everything it does is limited and
 * charged there: P writes no pid and there is no CGROUPS_JOINED point. A new cgroup
 * namespace is unshared right after the joins */
static void child_joins_its_cgroups_first(void) {
    planner p; const uint8_t *o; size_t l; op_view v[256];
    static const char *const cfgs[] = {
        /* 0: mounts and the default /dev */
        CFG_HEAD "\"mounts\":[{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\"},"
        "{\"destination\":\"/dev\",\"type\":\"tmpfs\",\"source\":\"tmpfs\"}],\"linux\":{\"namespaces\":[{\"type\":\"mount\"},{\"type\":\"pid\"}]}}",
        /* 1: a new cgroup namespace and a cgroup mount */
        CFG_HEAD "\"mounts\":[{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\"},"
        "{\"destination\":\"/sys/fs/cgroup\",\"type\":\"cgroup\",\"source\":\"cgroup\"}],"
        "\"linux\":{\"namespaces\":[{\"type\":\"mount\"},{\"type\":\"cgroup\"}]}}",
        /* 2: tmpcopyup, a createContainer hook and a joined network namespace */
        CFG_HEAD "\"mounts\":[{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\"},"
        "{\"destination\":\"/run\",\"type\":\"tmpfs\",\"source\":\"tmpfs\",\"options\":[\"tmpcopyup\"]}],"
        "\"hooks\":{\"createContainer\":[{\"path\":\"/h\"}]},\"linux\":{\"namespaces\":[{\"type\":\"mount\"},{\"type\":\"network\",\"path\":\"/proc/1/ns/net\"}]}}",
        /* 3: a user namespace (C is still root on the host when it joins) */
        CFG_HEAD "\"mounts\":[{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\"}],"
        "\"linux\":{\"namespaces\":[{\"type\":\"mount\"},{\"type\":\"user\"}],"
        "\"uidMappings\":[{\"containerID\":0,\"hostID\":100000,\"size\":65536}],\"gidMappings\":[{\"containerID\":0,\"hostID\":100000,\"size\":65536}]}}",
    };
    for (size_t k = 0; k < sizeof cfgs / sizeof cfgs[0]; k++) {
        CHECK(plan_cfg(cfgs[k], &o, &l, &p), "config %zu: plan failed: %s", k, p.nerrs ? p.errs[0].message : "");
        size_t n = ops_of(o, l, v, 256);
        join_view j = join_view_of(v, n);
        CHECK(j.old_join < 0 && j.host_join < 0 && j.clone_into < 0, "config %zu: P joins (op %ld, %ld, %ld)", k, j.old_join, j.host_join, j.clone_into);
        /* host lane: MAY_RUN, then straight to the CHILD_READY wait */
        CHECK(j.may_run_sig >= 0 && j.ready_wait == j.may_run_sig + 1, "config %zu: MAY_RUN at %ld, wait READY at %ld", k, j.may_run_sig, j.ready_wait);
        /* container lane: both hierarchies of CTX_HEAD, right after MAY_RUN, before anything else */
        CHECK(j.may_run_wait >= 0 && j.first_join == j.may_run_wait + 1 && j.joins == 2 && j.last_join == j.first_join + 1,
              "config %zu: MAY_RUN wait %ld, joins %ld..%ld (%ld)", k, j.may_run_wait, j.first_join, j.last_join, j.joins);
        CHECK(j.first_other > j.last_join, "config %zu: op %ld before the joins end at %ld", k, j.first_other, j.last_join);
        char path[96];
        CHECK(!strcmp(str_arg(&v[j.first_join], 1, path, sizeof path), "/sys/fs/cgroup/freezer/c1/tasks"), "config %zu: join %s", k, path);
        CHECK(!strcmp(str_arg(&v[j.last_join], 1, path, sizeof path), "/sys/fs/cgroup/memory/c1/tasks"), "config %zu: join %s", k, path);
        if (k == 1) CHECK(j.unshare == j.last_join + 1, "cgroup unshare at %ld, joins end at %ld", j.unshare, j.last_join);
        else CHECK(j.unshare < 0, "config %zu: unshare at %ld", k, j.unshare);
        if (k == 2) CHECK(j.first_setns > j.last_join, "setns at %ld, joins end at %ld", j.first_setns, j.last_join);
        arena_free_all(&p.a);
    }
}

/* ORDER: with a cgroup2 hierarchy C is cloned into its cgroup when the host can
 * (clone_into_cgroup), else it writes "0" to cgroup.procs after its v1 joins */
static void cgroup2_child_is_cloned_into_its_cgroup(void) {
    static const char *cfg = CFG_HEAD "\"linux\":{\"namespaces\":[{\"type\":\"mount\"}],\"cgroupsPath\":\"/g/c1\"}}";
    static const char *hosts[] = {
        "\"v1\":[{\"mount\":\"/sys/fs/cgroup/memory\",\"controllers\":[\"memory\"]}],\"unified\":\"/sys/fs/cgroup/unified\"",
        "\"v1\":[],\"unified\":\"/sys/fs/cgroup\"",
    };
    for (int hybrid = 0; hybrid < 2; hybrid++)
        for (int into = 0; into < 2; into++) {
            char ctx[1024], path[96];
            snprintf(ctx, sizeof ctx, "{\"id\":\"c1\",\"bundle\":\"/b\",\"state_dir\":\"/run/planc/c1\",\"host\":{\"cgroup\":{%s},\"clone_into_cgroup\":%s}}",
                     hosts[!hybrid], into ? "true" : "false");
            planner p; memset(&p, 0, sizeof p); const uint8_t *o; size_t l; op_view v[256];
            CHECK(planc_plan(&p, (const uint8_t *)cfg, strlen(cfg), (const uint8_t *)ctx, strlen(ctx), &o, &l), "plan failed: %s", p.nerrs ? p.errs[0].message : "");
            size_t n = ops_of(o, l, v, 256);
            join_view j = join_view_of(v, n);
            const char *v2 = hybrid ? "/sys/fs/cgroup/unified/g/c1" : "/sys/fs/cgroup/g/c1";
            long clones = 0;
            for (size_t i = 0; i < n; i++) clones += v[i].code == OP_CLONE || v[i].code == OP_CLONE_INTO_CGROUP;
            CHECK(clones == 1 && j.old_join < 0 && j.host_join < 0, "hybrid %d into %d: %ld clones, P joins at %ld", hybrid, into, clones, j.host_join);
            CHECK(j.joins == hybrid + !into && (!j.joins || j.first_join == j.may_run_wait + 1), "hybrid %d into %d: %ld joins from %ld", hybrid, into, j.joins, j.first_join);
            if (into) {
                /* clone_into_cgroup's body: why, the u64 flags, then the cgroup */
                op_view after = v[j.clone_into >= 0 ? j.clone_into : 0];
                uint32_t wl; memcpy(&wl, after.body, 4);
                after.body += 4 + wl + 8; after.len -= 4 + wl + 8;
                CHECK(j.clone_into >= 0 && !strcmp(str_arg(&after, 0, path, sizeof path), v2), "hybrid %d: clone_into_cgroup %s", hybrid, path);
            } else {
                CHECK(j.clone_into < 0 && j.last_join >= 0, "hybrid %d: clone_into_cgroup without the fact", hybrid);
                char want[128]; snprintf(want, sizeof want, "%s/cgroup.procs", v2);
                CHECK(j.last_join >= 0 && !strcmp(str_arg(&v[j.last_join], 1, path, sizeof path), want), "hybrid %d: last join %s", hybrid, path);
            }
            if (hybrid) CHECK(!strcmp(str_arg(&v[j.first_join], 1, path, sizeof path), "/sys/fs/cgroup/memory/g/c1/tasks"), "v1 join %s", path);
            arena_free_all(&p.a);
        }
}

/* exec: the child joins the container's cgroups itself, first, before any setns (the host's
 * cgroup paths resolve only until it joins the mount namespace) */
static void exec_child_joins_before_its_namespaces(void) {
    static const char *proc = "{\"args\":[\"ps\"],\"cwd\":\"/\"}";
    static char ctx[2048];
    snprintf(ctx, sizeof ctx, "%.*s%s}", (int)strlen(CTX_HEAD) - 1, CTX_HEAD, EXEC_CTX);
    planner p; memset(&p, 0, sizeof p); const uint8_t *o; size_t l; op_view v[256];
    CHECK(planc_plan(&p, (const uint8_t *)proc, strlen(proc), (const uint8_t *)ctx, strlen(ctx), &o, &l), "exec plan failed");
    join_view j = join_view_of(v, ops_of(o, l, v, 256));
    CHECK(j.old_join < 0 && j.host_join < 0, "exec: P joins at %ld", j.host_join);
    CHECK(j.may_run_wait >= 0 && j.first_join == j.may_run_wait + 1 && j.joins == 2, "exec: %ld joins from %ld", j.joins, j.first_join);
    CHECK(j.first_setns > j.last_join && j.first_other > j.last_join, "exec: setns at %ld, joins end at %ld", j.first_setns, j.last_join);
    arena_free_all(&p.a);
}

int main(void) {
    json_rejects_duplicate_keys();
    json_unescapes_surrogate_pairs();
    json_rejects_malformed();
    json_numbers_keep_range();
    json_pointer_escapes();
    clean_path_matches_go();
    plan_ignores_key_order();
    plan_is_deterministic();
    errors_come_in_document_order();
    ambient_needs_inheritable_and_permitted();
    seccomp_compares_64_bit_arguments();
    uid_minus_one_is_refused();
    create_plan_unchanged_by_default_options();
    preserve_fds_moves_close_fds();
    console_connect_precedes_mount_namespace_and_pivot();
    console_rules_match_runc();
    hook_state_is_split_around_the_pid();
    caller_hooks_need_a_caller();
    caller_hooks_run_after_mounts_before_root_switch();
    no_pivot_moves_the_root();
    exec_joins_the_mount_namespace_last();
    host_only_actions_have_no_clone();
    ptmx_device_is_the_symlink();
    user_namespace_maps_before_child_runs();
    exec_check_precedes_child_ready();
    tmpcopyup_sets_copy_up_on_tmpfs_only();
    child_joins_its_cgroups_first();
    cgroup2_child_is_cloned_into_its_cgroup();
    exec_child_joins_before_its_namespaces();
    if (failures) { fprintf(stderr, "%d unit check(s) failed\n", failures); return 1; }
    printf("unit: all checks passed\n");
    return 0;
}
