/* spec_systemd.c — the systemd cgroup driver's reading of the spec: linux.cgroupsPath as
 * "slice:prefix:name" (runc's form), the unit and slice it names, the cgroup directory that
 * follows, and the org.systemd.property.* annotations. Must never plan (plan_systemd.c does). */
#include "planner.h"
#include <string.h>

/* "a-b-c.slice" → "/a.slice/a-b.slice/a-b-c.slice" ("-.slice" is the root), as systemd lays
 * slices out; NULL for a name systemd would not take as a slice (runc's ExpandSlice rules) */
static const char *expand_slice(planner *p, const char *slice) {
    size_t n = strlen(slice);
    if (n < 6 || strcmp(slice + n - 6, ".slice") || strchr(slice, '/')) return NULL;
    const char *name = arena_strndup(&p->a, slice, n - 6);
    if (!strcmp(name, "-")) return "/";
    buf b; buf_init(&b, &p->a);
    for (const char *q = name;;) {
        const char *e = strchr(q, '-');
        size_t len = e ? (size_t)(e - q) : strlen(q);
        if (!len) return NULL;   /* "-a.slice", "a--b.slice", "a-.slice" */
        buf_put(&b, "/", 1);
        buf_put(&b, name, (size_t)(q - name) + len);
        buf_put(&b, ".slice", 6);
        if (!e) break;
        q = e + 1;
    }
    return buf_cstr(&b);
}

/* SECURITY: the unit name becomes a directory below the slice: only the characters systemd
 * allows in a unit name, so it can never name "..", a path or an empty component */
static bool unit_name_ok(const char *u) {
    size_t n = strlen(u);
    if (!n || n > 255 || *u == '.') return false;
    for (const char *c = u; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') || strchr(":-_.\\@", *c)))
            return false;
    return true;
}

void spec_read_systemd_path(planner *p, const jv *v) {
    spec *s = &p->s;
    const char *str = "", *slice = "", *prefix = "runc", *name = p->ctx.id ? p->ctx.id : "";
    if (v && val_str(p, v, &str) && *str) {
        const char *c1 = strchr(str, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
        if (!c2 || strchr(c2 + 1, ':')) {
            err_at(p, v, R_CGROUPS_PATH, arena_printf(&p->a, "expected cgroupsPath to be of format \"slice:prefix:name\" for systemd cgroups, got \"%s\" instead", str));
            return;
        }
        slice = arena_strndup(&p->a, str, (size_t)(c1 - str));
        prefix = arena_strndup(&p->a, c1 + 1, (size_t)(c2 - c1 - 1));
        name = c2 + 1;
    }
    /* a name ending in .slice is itself the unit; anything else is the scope prefix-name */
    size_t nl = strlen(name);
    const char *unit = nl > 6 && !strcmp(name + nl - 6, ".slice") ? name : arena_printf(&p->a, "%s-%s.scope", prefix, name);
    if (!*slice) slice = "system.slice";
    const char *dir = expand_slice(p, slice);
    const char *why = v && *str ? ptr_of(p, v) : "default:systemd-unit";
    if (!dir) { err_at(p, v, R_CGROUPS_PATH, arena_printf(&p->a, "invalid slice name: %s", slice)); return; }
    if (!unit_name_ok(unit)) { err_at(p, v, R_CGROUPS_PATH, arena_printf(&p->a, "unit name \"%s\" is not a valid systemd unit name", unit)); return; }
    s->sd_unit = unit;
    s->sd_slice = slice;
    s->sd_name = name;
    s->cgroups_path = arena_printf(&p->a, "%s/%s", strcmp(dir, "/") ? dir : "", unit);
    s->why_cgroups_path = why;
}

/* ---- org.systemd.property.<Name>: a value in GVariant text form (the subset engines use:
 * booleans, integers with an optional type keyword or @-type, strings, string arrays) ---- */

static const struct { const char *word; char sig; } int_types[] = {
    { "byte", 'y' }, { "int16", 'n' }, { "uint16", 'q' }, { "int32", 'i' },
    { "uint32", 'u' }, { "int64", 'x' }, { "uint64", 't' },
};

static bool is_int(const char *v) {
    if (*v == '-') v++;
    if (!*v) return false;
    for (; *v; v++) if (*v < '0' || *v > '9') return false;
    return true;
}

/* a quoted string (' or ") with \\ escapes, or NULL; *end is set after the closing quote */
static const char *quoted(planner *p, const char *v, const char **end) {
    char q = *v;
    if (q != '\'' && q != '"') return NULL;
    buf b; buf_init(&b, &p->a);
    for (v++; *v && *v != q; v++) {
        if (*v == '\\' && v[1]) v++;
        buf_put(&b, v, 1);
    }
    if (*v != q) return NULL;
    *end = v + 1;
    return buf_cstr(&b);
}

static void json_quote(buf *b, const char *s) {
    buf_put(b, "\"", 1);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\') buf_put(b, "\\", 1);
        buf_put(b, s, 1);
    }
    buf_put(b, "\"", 1);
}

static const char *skip_ws(const char *v) { while (*v == ' ' || *v == '\t') v++; return v; }

/* "sig:value" for a GVariant text, or NULL */
static const char *variant(planner *p, const char *v) {
    v = skip_ws(v);
    if (!strcmp(v, "true") || !strcmp(v, "false")) return arena_printf(&p->a, "b:%s", v);
    char sig = 0;
    for (size_t i = 0; i < sizeof int_types / sizeof int_types[0]; i++) {
        size_t n = strlen(int_types[i].word);
        if (!strncmp(v, int_types[i].word, n) && v[n] == ' ') { sig = int_types[i].sig; v = skip_ws(v + n); }
    }
    if (!sig && v[0] == '@' && v[1] && strchr("ynqiuxt", v[1]) && v[2] == ' ') { sig = v[1]; v = skip_ws(v + 3); }
    if (is_int(v)) return arena_printf(&p->a, "%c:%s", sig ? sig : 'i', v);
    if (sig) return NULL;
    const char *end, *str = quoted(p, v, &end);
    if (str) return *skip_ws(end) ? NULL : arena_printf(&p->a, "s:%s", str);
    if (*v != '[') return NULL;
    buf b; buf_init(&b, &p->a);
    buf_put(&b, "as:[", 4);
    for (v = skip_ws(v + 1); *v != ']';) {
        if (b.len > 4) { if (*v != ',') return NULL; v = skip_ws(v + 1); buf_put(&b, ",", 1); }
        if (!(str = quoted(p, v, &end))) return NULL;
        json_quote(&b, str);
        v = skip_ws(end);
    }
    if (*skip_ws(v + 1)) return NULL;
    buf_put(&b, "]", 1);
    return buf_cstr(&b);
}

/* runc's Sec → USec: "TimeoutStopSec=5" is sent as TimeoutStopUSec, a uint64 of microseconds */
static const char *sec_to_usec(planner *p, const char *name, const char *val, const char **out_name) {
    size_t n = strlen(name);
    *out_name = name;
    if (n < 4 || strcmp(name + n - 3, "Sec") || name[n - 4] < 'a' || name[n - 4] > 'z') return val;
    *out_name = arena_printf(&p->a, "%sUSec", arena_strndup(&p->a, name, n - 3));
    if (!strchr("ynqiuxt", val[0]) || val[1] != ':' || val[2] == '-') return NULL;
    uint64_t sec = 0;
    for (const char *c = val + 2; *c; c++) {
        if (sec > (UINT64_MAX / 1000000 - 9) / 10) return NULL;
        sec = sec * 10 + (uint64_t)(*c - '0');
    }
    return arena_printf(&p->a, "t:%llu", (unsigned long long)(sec * 1000000));
}

void spec_read_systemd_props(planner *p, const jv *root) {
    static const char pre[] = "org.systemd.property.";
    spec *s = &p->s;
    const jv *o = json_get(root, "annotations");
    s->sd_props.v = arena_alloc(&p->a, (s->nannot + 1) * sizeof(char *));
    for (uint32_t i = 0; s->sd_props.v && i < s->nannot; i++) {
        const char *key = s->annot_keys[i];
        if (strncmp(key, pre, sizeof pre - 1)) continue;
        const char *name = key + sizeof pre - 1, *bad = strlen(name) < 3 ? "too short" : NULL;
        for (const char *c = name; !bad && *c; c++)
            if (!((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z'))) bad = "contains non-alphabetic character";
        const jv *at = json_get(o, key);
        if (bad) { err_at(p, at, R_SYSTEMD_PROPERTY, arena_printf(&p->a, "annotation %s name incorrect: %s", key, bad)); continue; }
        const char *val = variant(p, s->annot_vals[i]);
        if (val) val = sec_to_usec(p, name, val, &name);
        if (!val) { err_at(p, at, R_SYSTEMD_PROPERTY, arena_printf(&p->a, "annotation %s=%s value parse error", key, s->annot_vals[i])); continue; }
        s->sd_props.v[s->sd_props.n++] = arena_printf(&p->a, "%s=%s", name, val);
    }
}
