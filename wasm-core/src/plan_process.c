/* plan_process.c — the process-attribute steps: scheduling policy, I/O priority, execution
 * domain, memory policy, exec's CPU affinity and a new time namespace with its offsets.
 * Must never plan a step the spec did not ask for; every op carries its field's pointer. */
#include "ops.h"

/* typed wrappers over emit() for this file's ops (the ops.h habit, kept next to their one user) */
static void op_sched_setattr(planner *p, const char *w, uint32_t policy, uint64_t flags, int32_t nice, uint32_t prio,
                             uint64_t runtime, uint64_t deadline, uint64_t period) {
    emit(p, OP_SCHED_SETATTR, F_LANE_CONTAINER, "uUiuUUU", w, policy, flags, nice, prio, runtime, deadline, period);
}
static void op_ioprio_set(planner *p, const char *w, uint32_t which, uint32_t who, uint32_t cls, uint32_t data) {
    emit(p, OP_IOPRIO_SET, F_LANE_CONTAINER, "uuuu", w, which, who, cls, data);
}
static void op_sched_setaffinity(planner *p, int lane, const char *w, const u32vec *cpus) {
    emit(p, OP_SCHED_SETAFFINITY, lane, "L", w, cpus);
}
static void op_personality(planner *p, const char *w, uint32_t persona) { emit(p, OP_PERSONALITY, F_LANE_CONTAINER, "u", w, persona); }
static void op_set_mempolicy(planner *p, const char *w, uint32_t mode, uint32_t flags, const u32vec *nodes) {
    emit(p, OP_SET_MEMPOLICY, F_LANE_CONTAINER, "uuL", w, mode, flags, nodes);
}

/* ORDER: runc's order in both inits, right after no_new_privs and before the seccomp filter and
 * the id change: a policy or priority that needs CAP_SYS_NICE is set while C still has it, and a
 * profile that denies these syscalls never stops the runtime itself. Every one is inherited
 * across execve (personality and memory policy by the container's later children too). */
void plan_proc_attrs(planner *p) {
    const proc_attrs *a = &p->s.pa;
    if (a->has_sched)
        op_sched_setattr(p, a->why_sched, a->sched_policy, a->sched_flags, a->sched_nice, a->sched_priority,
                         a->sched_runtime, a->sched_deadline, a->sched_period);
    if (a->has_ioprio) op_ioprio_set(p, a->why_ioprio, F_IOPRIO_WHO_PROCESS, 0, a->ioprio_class, a->ioprio_data);
    if (a->has_persona) op_personality(p, a->why_persona, a->persona);
    if (a->has_mpol) op_set_mempolicy(p, a->why_mpol, a->mpol_mode, a->mpol_flags, &a->mpol_nodes);
}

/* A new time namespace. clone(2) cannot make one (CLONE_NEWTIME shares bits with its exit
 * signal), so C unshares it: that namespace is C's time_for_children, whose offsets can be
 * written only until a process enters it; then C enters it itself (it is single-threaded).
 * ORDER: right after the cgroup joins, while C's fsuid is still the owner of its own /proc
 * files (C is non-dumpable, so they belong to host root; in a new user namespace its id is
 * about to change) and before any process can be started in the namespace. */
void plan_timens(planner *p) {
    const spec *s = &p->s;
    const proc_attrs *a = &s->pa;
    for (uint32_t i = 0; i < s->nns; i++) {
        const ns_spec *n = &s->ns[i];
        if (n->flag != F_CLONE_NEWTIME || *n->path) continue;
        op_unshare(p, n->why, F_CLONE_NEWTIME);
        if (a->timens_offsets && *a->timens_offsets)
            op_write_file_in_container(p, a->why_timens_offsets, "/proc/self/timens_offsets", a->timens_offsets);
        op_setns(p, F_LANE_CONTAINER, n->why, "/proc/self/ns/time_for_children", F_NS_NEWTIME);
    }
}

/* exec's execCPUAffinity, as runc applies it to the process it starts in a container.
 * initial: P sets its own affinity right before clone, so C runs on those CPUs from its first
 * instruction until it joins the container's cgroups. final: C sets it right after those joins,
 * which reset the affinity to the cpuset's CPUs. */
void plan_exec_affinity(planner *p, bool final) {
    const proc_attrs *a = &p->s.pa;
    if (!final && a->cpus_initial.n) op_sched_setaffinity(p, F_LANE_HOST, a->why_cpus_initial, &a->cpus_initial);
    if (final && a->cpus_final.n) op_sched_setaffinity(p, F_LANE_CONTAINER, a->why_cpus_final, &a->cpus_final);
}
