/* api.c — the planner entry point shared by the wasm export and the native tool: parse the
 * context, then the config, validate, and either return sorted errors or the plan bytes.
 * Must never return a plan when any error was found. */
#include "planner.h"
#include <string.h>

static void sort_errors(planner *p) {
    /* insertion sort: stable, and error lists are short */
    for (size_t i = 1; i < p->nerrs; i++) {
        spec_error e = p->errs[i];
        size_t j = i;
        while (j > 0 && (p->errs[j - 1].offset > e.offset ||
                         (p->errs[j - 1].offset == e.offset && p->errs[j - 1].seq > e.seq))) {
            p->errs[j] = p->errs[j - 1];
            j--;
        }
        p->errs[j] = e;
    }
}

static bool parse(planner *p, const uint8_t *text, size_t len, const char *what, jv **out) {
    json_error je;
    *out = json_parse(&p->a, text, len, &je);
    if (*out) return true;
    /* line and column (in bytes, from 1) as an editor shows them, and the byte offset */
    size_t line = 1, col = 1;
    for (size_t i = 0; i < je.offset && i < len; i++) { if (text[i] == '\n') { line++; col = 1; } else col++; }
    err_at(p, NULL, R_JSON_SYNTAX, arena_printf(&p->a, "%s is not valid JSON: %s at line %llu, column %llu (byte %llu)", what, je.what,
                                                (unsigned long long)line, (unsigned long long)col, (unsigned long long)je.offset));
    return false;
}

bool planc_plan(planner *p, const uint8_t *config, size_t config_len,
                const uint8_t *ctx, size_t ctx_len, const uint8_t **out, size_t *out_len) {
    jv *croot, *root;
    /* ORDER: the context first; the config's relative paths resolve against its bundle */
    p->err_prefix = "context: ";
    if (!parse(p, ctx, ctx_len, "the context record", &croot)) return false;
    context_read(p, croot);
    if (p->nerrs) { sort_errors(p); return false; }
    p->err_prefix = "";
    static const char *const what[] = { "config.json", "process.json", "config.json", "config.json", "the resources" };
    if (!parse(p, config, config_len, what[p->ctx.act], &root)) return false;
    p->config_root = root;
    switch (p->ctx.act) {
    case ACT_CREATE: spec_read(p, root); break;
    case ACT_EXEC: spec_read_exec(p, root); break;
    case ACT_PAUSE: case ACT_RESUME: spec_read_cgroup_only(p, root); break;
    case ACT_UPDATE: spec_read_update(p, root); break;
    }
    if (p->a.failed) {
        p->nerrs = 0;
        err_at(p, NULL, R_INTERNAL, "out of memory");
    }
    if (p->nerrs) { sort_errors(p); return false; }
    plan_all(p);
    if (p->nerrs && !p->a.failed) { sort_errors(p); return false; }
    if (p->a.failed) {
        p->a.failed = 0;
        err_at(p, NULL, R_INTERNAL, p->sig_mismatch ? arena_printf(&p->a, "internal: op %d does not match ops.def", p->sig_mismatch) : "out of memory");
        return false;
    }
    *out = p->out.p;
    *out_len = p->out.len;
    return true;
}
