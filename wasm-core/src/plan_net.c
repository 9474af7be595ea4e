/* plan_net.c — the container's network devices: `lo` brought up in a new network namespace
 * (runc's loopback strategy) and linux.netDevices moved in from the host (runc's netDevices).
 * Must never plan a device change in the host's namespace beyond the move itself. */
#include "ops.h"
#include <stdlib.h>
#include <string.h>

/* the kernel's dev_valid_name: 1..15 bytes, not "." or "..", no '/', ':' or white space */
static bool dev_name_ok(const char *n, size_t len) {
    if (!len || len >= 16 || strlen(n) != len || !strcmp(n, ".") || !strcmp(n, "..")) return false;
    for (size_t i = 0; i < len; i++)
        if (n[i] == '/' || n[i] == ':' || n[i] == ' ' || (n[i] >= '\t' && n[i] <= '\r')) return false;
    return true;
}

static const ns_spec *net_ns(planner *p) {
    for (uint32_t i = 0; i < p->s.nns; i++) if (p->s.ns[i].flag == F_CLONE_NEWNET) return &p->s.ns[i];
    return NULL;
}

static int cmp_key(const void *a, const void *b) { return strcmp((*(const jv *const *)a)->key, (*(const jv *const *)b)->key); }

/* linux.netDevices: { "<host name>": { "name": "<name in the container>" } }, read after the
 * namespaces. runc's validator rules, with the name checked as the kernel checks it */
void spec_read_netdevices(planner *p, const jv *lx) {
    spec *s = &p->s;
    const jv *o = get_obj(p, lx, "netDevices");
    if (!o || !o->n) return;
    if (!net_ns(p)) { err_at(p, o, R_NET_DEVICE, "unable to move network devices without a NET namespace"); return; }
    const jv **v = arena_alloc(&p->a, o->n * sizeof *v);
    s->netdevs = arena_alloc(&p->a, o->n * sizeof *s->netdevs);
    if (!v || !s->netdevs) return;
    for (size_t i = 0; i < o->n; i++) v[i] = o->items[i];
    /* ORDER: by host name, so key order in config.json never changes the plan */
    qsort(v, o->n, sizeof *v, cmp_key);
    for (size_t i = 0; i < o->n; i++) {
        if (v[i]->type != JV_OBJ) { err_at(p, v[i], R_TYPE, arena_printf(&p->a, "expected an object, got %s", json_type_name(v[i]->type))); continue; }
        if (!dev_name_ok(v[i]->key, v[i]->key_len)) { err_at(p, v[i], R_NET_DEVICE, arena_printf(&p->a, "invalid network device name \"%s\"", v[i]->key)); continue; }
        const char *name = v[i]->key;
        const jv *nv = json_get(v[i], "name");
        if (val_str(p, nv, &name) && !*name) name = v[i]->key;
        else if (nv && nv->type == JV_STR && !dev_name_ok(name, nv->len)) { err_at(p, nv, R_NET_DEVICE, arena_printf(&p->a, "invalid network device name \"%s\"", name)); continue; }
        else if (nv && nv->type != JV_STR && nv->type != JV_NULL) continue;
        bool dup = false;
        for (uint32_t k = 0; k < s->nnetdevs; k++) dup |= !strcmp(s->netdevs[k].name, name);
        if (dup) { err_at(p, nv && nv->type == JV_STR ? nv : v[i], R_NET_DEVICE, arena_printf(&p->a, "network device name \"%s\" is given to two devices in the container", name)); continue; }
        s->netdevs[s->nnetdevs++] = (netdev_spec){ v[i]->key, name, ptr_of(p, v[i]) };
    }
}

/* P's side, once C exists and before it may run (runc's setupNetworkDevices): each device
 * leaves the host renamed; "" names C's own namespace, made by clone */
void plan_net_host(planner *p) {
    const spec *s = &p->s;
    const ns_spec *n = net_ns(p);
    for (uint32_t i = 0; n && i < s->nnetdevs; i++)
        op_link_move(p, s->netdevs[i].why, s->netdevs[i].host, s->netdevs[i].name, n->path);
}

/* C's side, in its network namespace: lo in a new one (a joined one is set up by its owner),
 * then each moved device, which the kernel brought down when it changed namespace */
void plan_net_container(planner *p) {
    const spec *s = &p->s;
    const ns_spec *n = net_ns(p);
    if (n && !*n->path) op_link_up(p, arena_printf(&p->a, "%s default:loopback", n->why), "lo");
    for (uint32_t i = 0; n && i < s->nnetdevs; i++) op_link_up(p, s->netdevs[i].why, s->netdevs[i].name);
}
