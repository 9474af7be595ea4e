/* render.c — a debugging text view of plan bytes driven by ops.def and flags.def, also a
 * strict decoder: it stops at the first record that does not match its signature.
 * Must never be used as the audit view (the orchestrator owns that). */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static const struct { int code; const char *name, *sig, *args; } ops[] = {
#define OP(E, code, name, sig, args) { code, name, sig, args },
#include "../ops.def"
#undef OP
};
static const struct { const char *table, *name; unsigned long long value; } flags[] = {
#define FLAG(table, NAME, value) { #table, #NAME, value },
#include "../flags.def"
#undef FLAG
};

typedef struct { const uint8_t *p; size_t n, at; int bad; } rd;
static uint32_t u32(rd *r) {
    if (r->n - r->at < 4) { r->bad = 1; r->at = r->n; return 0; }
    const uint8_t *q = r->p + r->at; r->at += 4;
    return q[0] | q[1] << 8 | q[2] << 16 | (uint32_t)q[3] << 24;
}
static uint64_t u64(rd *r) { uint64_t lo = u32(r); return lo | (uint64_t)u32(r) << 32; }
static void str(rd *r, FILE *f) {
    uint32_t n = u32(r);
    if (r->n - r->at < n) { r->bad = 1; return; }
    fputc('"', f);
    for (uint32_t i = 0; i < n; i++) {
        uint8_t c = r->p[r->at + i];
        if (c == '"' || c == '\\') fprintf(f, "\\%c", c);
        else if (c < 0x20) fprintf(f, "\\x%02x", c);
        else fputc(c, f);
        if (!c) r->bad = 1;
    }
    fputc('"', f);
    r->at += n;
}

static void num(FILE *f, const char *fmt, size_t fl, uint64_t v) {
    char tbl[32] = "";
    if (fmt) { size_t k = fl < 31 ? fl : 31; memcpy(tbl, fmt, k); tbl[k] = 0; }
    if (!*tbl) { fprintf(f, "%llu", (unsigned long long)v); return; }
    if (!strcmp(tbl, "octal")) { fprintf(f, "0%llo", (unsigned long long)v); return; }
    if (!strcmp(tbl, "hex")) { fprintf(f, "0x%llx", (unsigned long long)v); return; }
    int bits = !strcmp(tbl, "caps") || strstr(tbl, "_flags") != NULL;
    int caps = !strcmp(tbl, "caps");
    if (!bits) {
        for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++)
            if (!strcmp(flags[i].table, tbl) && flags[i].value == v) { fputs(flags[i].name, f); return; }
        fprintf(f, "%llu", (unsigned long long)v);
        return;
    }
    if (!v) { fputc('0', f); return; }
    int first = 1;
    for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++) {
        if (strcmp(flags[i].table, tbl)) continue;
        uint64_t m = caps ? 1ULL << flags[i].value : flags[i].value;
        if ((v & m) == m && m) { fprintf(f, "%s%s", first ? "" : "|", flags[i].name); v &= ~m; first = 0; }
    }
    if (v) fprintf(f, "%s0x%llx", first ? "" : "|", (unsigned long long)v);
}

void render_plan(FILE *f, const uint8_t *p, size_t n) {
    rd r = { p, n, 0, 0 };
    if (n < 12 || memcmp(p, "PLNC", 4)) { fprintf(f, "bad header\n"); return; }
    r.at = 8;
    uint32_t count = u32(&r);
    static const char *const lanes[] = { "host", "container", "teardown", "caller" };
    for (uint32_t k = 0; k < count && !r.bad; k++) {
        if (r.n - r.at < 8) { r.bad = 1; break; }
        int code = p[r.at] | p[r.at + 1] << 8, lane = p[r.at + 2];
        r.at += 4;
        uint32_t body = u32(&r);
        size_t end = r.at + body;
        size_t oi;
        for (oi = 0; oi < sizeof ops / sizeof ops[0]; oi++) if (ops[oi].code == code) break;
        if (oi == sizeof ops / sizeof ops[0] || lane > 3 || end > n) { fprintf(f, "bad op %d\n", code); return; }
        fprintf(f, "%3u %-9s %s(", k, lanes[lane], ops[oi].name);
        rd why = r;
        uint32_t wl = u32(&why); why.at += wl;
        r.at = why.at;
        const char *an = ops[oi].args;
        for (const char *s = ops[oi].sig; *s; s++) {
            while (*an == ' ') an++;
            const char *ae = an; while (*ae && *ae != ' ') ae++;
            const char *colon = memchr(an, ':', (size_t)(ae - an));
            fprintf(f, "%s%.*s=", s == ops[oi].sig ? "" : ", ", (int)((colon ? colon : ae) - an), an);
            const char *fmt = colon ? colon + 1 : NULL; size_t fl = colon ? (size_t)(ae - colon - 1) : 0;
            switch (*s) {
            case 'u': case 'i': num(f, fmt, fl, u32(&r)); break;
            case 'U': num(f, fmt, fl, u64(&r)); break;
            case 's': str(&r, f); break;
            case 'b': { uint32_t bl = u32(&r); fprintf(f, "<%u bytes>", bl); r.at += bl; break; }
            case 'S': { uint32_t c = u32(&r); fputc('[', f); for (uint32_t i = 0; i < c && !r.bad; i++) { if (i) fputc(' ', f); str(&r, f); } fputc(']', f); break; }
            case 'L': { uint32_t c = u32(&r); fputc('[', f); for (uint32_t i = 0; i < c && !r.bad; i++) fprintf(f, "%s%u", i ? " " : "", u32(&r)); fputc(']', f); break; }
            }
            an = ae;
        }
        fputs(")  # ", f);
        rd w = { p, n, end - body, 0 };
        uint32_t wn = u32(&w);
        fwrite(p + w.at, 1, wn, f);
        fputc('\n', f);
        if (r.at != end) { fprintf(f, "body length mismatch at op %u\n", k); return; }
    }
    if (r.bad) fprintf(f, "truncated plan\n");
    else if (r.at != n) fprintf(f, "trailing bytes\n");
}
