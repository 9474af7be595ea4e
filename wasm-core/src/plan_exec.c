/* plan_exec.c — `exec`: a new process in a running container. P joins its pid namespace,
 * clones; the child moves itself into the container's cgroups, joins the other namespaces
 * (mount last), sets up its console and credentials as create does, and execs.
 * Must never create anything: no exec fifo, no cgroup directory, no teardown. */
#include "ops.h"
#include <string.h>

/* /proc/<pid>/ns/<name> for a namespace flag */
static const char *ns_file(uint32_t flag) {
    switch (flag) {
    case F_CLONE_NEWNS: return "mnt";
    case F_CLONE_NEWNET: return "net";
    case F_CLONE_NEWPID: return "pid";
    case F_CLONE_NEWIPC: return "ipc";
    case F_CLONE_NEWUTS: return "uts";
    case F_CLONE_NEWUSER: return "user";
    case F_CLONE_NEWCGROUP: return "cgroup";
    case F_CLONE_NEWTIME: return "time";
    default: return "?";
    }
}

static const ns_spec *find_ns(planner *p, uint32_t flag) {
    for (uint32_t i = 0; i < p->s.nns; i++) if (p->s.ns[i].flag == flag) return &p->s.ns[i];
    return NULL;
}

static void join(planner *p, int lane, uint32_t flag) {
    const ns_spec *n = find_ns(p, flag);
    if (n) op_setns(p, lane, n->why, arena_printf(&p->a, "/proc/%u/ns/%s", p->ctx.container_pid, ns_file(flag)), flag);
}

void plan_exec(planner *p) {
    const spec *s = &p->s;
    /* ORDER: inherited by the child, as for create (runc sets the container's value) */
    if (s->has_oom)
        op_write_file(p, s->why_oom, "/proc/self/oom_score_adj", arena_printf(&p->a, "%lld", (long long)s->oom));
    /* ORDER: a pid namespace only applies to children created after the setns */
    join(p, F_LANE_HOST, F_CLONE_NEWPID);
    /* ORDER: foreground `exec -t`: P listens before clone, so the socket exists before C connects */
    if (s->terminal && p->ctx.console_proxy)
        op_console_listen(p, arena_printf(&p->a, "%s option:console-proxy", s->why_terminal), p->ctx.console_proxy);
    plan_exec_affinity(p, false);
    plan_clone(p, "default:clone", 0);
    op_sync_signal(p, F_LANE_HOST, "default:sync", F_SYNC_CHILD_MAY_RUN);
    op_sync_wait(p, F_LANE_HOST, "default:sync", F_SYNC_CHILD_READY);
    plan_seccomp_host(p, true);

    op_sync_wait(p, F_LANE_CONTAINER, "default:sync", F_SYNC_CHILD_MAY_RUN);
    /* ORDER: C moves itself into the container's cgroups before it joins any namespace, while
     * the host's cgroup paths resolve */
    plan_cgroups_join(p);
    plan_exec_affinity(p, true);
    plan_console_connect(p);
    /* ORDER: every /proc/<pid>/ns path is opened in the host's mount namespace; once the
     * container's is joined, /proc would be the container's, so mnt comes last */
    static const uint32_t order[] = { F_CLONE_NEWUSER, F_CLONE_NEWIPC, F_CLONE_NEWUTS, F_CLONE_NEWNET, F_CLONE_NEWCGROUP, F_CLONE_NEWTIME, F_CLONE_NEWNS };
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) join(p, F_LANE_CONTAINER, order[i]);
    for (uint32_t i = 0; i < s->nrlimits; i++)
        op_setrlimit(p, s->rlimits[i].why, s->rlimits[i].resource, s->rlimits[i].soft, s->rlimits[i].hard);
    /* setns into a mount namespace sets the root to the container's; console_setup resolves
     * /dev/ptmx in it through this fd */
    if (s->terminal) op_open_root(p, "default:exec-root", "/");
    plan_console_setup(p);
    plan_finalize(p);
    plan_execve(p);
}
