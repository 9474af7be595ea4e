/* findings_test.c — native checks of `validate`: each finding of findings.def fires on the
 * config that has it, at the exact JSON Pointer, and not on the runc default spec.
 * Reads only test/fixtures (its argument); writes nothing. */
#define _GNU_SOURCE
#include "../src/findings.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures;
#define CHECK(cond, ...) do { if (!(cond)) { failures++; fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__); fprintf(stderr, __VA_ARGS__); fputc('\n', stderr); } } while (0)

static const char *CTX =
    "{\"id\":\"c1\",\"bundle\":\"/b\",\"state_dir\":\"/run/planc/c1\",\"host\":{\"cgroup\":{\"v1\":"
    "[{\"mount\":\"/sys/fs/cgroup/memory\",\"controllers\":[\"memory\"]}],\"unified\":null}}}";

static char *slurp(const char *dir, const char *name) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f) { perror(path); exit(2); }
    char *b = malloc(1 << 20);
    size_t n = fread(b, 1, (1 << 20) - 1, f);
    b[n] = 0;
    fclose(f);
    return b;
}

typedef struct { planner p; finding *f; size_t n; } run;

static void validate(run *r, const char *cfg, const char *ctx) {
    memset(r, 0, sizeof *r);
    planc_validate(&r->p, (const uint8_t *)cfg, strlen(cfg), (const uint8_t *)ctx, strlen(ctx), &r->f, &r->n);
}

static int count(run *r, const char *rule, const char *pointer) {
    int c = 0;
    for (size_t i = 0; i < r->n; i++)
        if (!strcmp(r->f[i].rule, rule) && (!pointer || !strcmp(r->f[i].pointer, pointer))) c++;
    return c;
}

static void dump(run *r) {
    for (size_t i = 0; i < r->n; i++) fprintf(stderr, "  %s %s %s: %s\n", r->f[i].severity, r->f[i].rule, r->f[i].pointer, r->f[i].message);
}

/* the runc default spec: no warnings but running as root without seccomp; user and
 * cgroup namespaces are info */
static void default_spec_warns_only_root_and_seccomp(const char *fx) {
    char *cfg = slurp(fx, "default.json");
    run r; validate(&r, cfg, CTX);
    free(cfg);
    int warnings = 0;
    for (size_t i = 0; i < r.n; i++) if (strcmp(r.f[i].severity, "info")) warnings++;
    CHECK(count(&r, "run-as-root", "/process/user/uid") == 1, "run-as-root");
    CHECK(count(&r, "host-cgroup-namespace", "/linux/namespaces") == 1, "host cgroup ns (info)");
    CHECK(count(&r, "no-seccomp", "/linux/seccomp") == 1, "no seccomp");
    CHECK(warnings == 2, "default spec: %d warnings", warnings);
    if (warnings != 2) dump(&r);
    arena_free_all(&r.p.a);
}

static const char *PRIV =
    "{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"/r\"},"
    "\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\",\"user\":{\"uid\":1000,\"gid\":1000},\"noNewPrivileges\":false,"
    "\"capabilities\":{\"bounding\":[\"CAP_CHOWN\",\"CAP_SYS_ADMIN\",\"CAP_NET_RAW\"],\"effective\":[\"CAP_SYS_PTRACE\"]}},"
    "\"mounts\":[{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\"},"
    "{\"destination\":\"/sys\",\"type\":\"sysfs\",\"source\":\"sysfs\",\"options\":[\"nosuid\"]},"
    "{\"destination\":\"/host\",\"type\":\"bind\",\"source\":\"/etc/\",\"options\":[\"rbind\"]},"
    "{\"destination\":\"/ro\",\"type\":\"bind\",\"source\":\"/etc\",\"options\":[\"rbind\",\"ro\"]},"
    "{\"destination\":\"/var/run/docker.sock\",\"source\":\"/var/run/docker.sock\",\"options\":[\"bind\",\"ro\"]},"
    "{\"destination\":\"/data\",\"type\":\"bind\",\"source\":\"/srv/data\",\"options\":[\"rbind\"]}],"
    "\"linux\":{\"namespaces\":[{\"type\":\"mount\"},{\"type\":\"network\",\"path\":\"/proc/1/ns/net\"},{\"type\":\"uts\"},{\"type\":\"ipc\"}],"
    "\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\"},\"netDevices\":{\"eth1\":{\"name\":\"ctr1\"}},"
    "\"resources\":{\"devices\":[{\"allow\":false,\"access\":\"rwm\"},{\"allow\":true,\"access\":\"rwm\"},{\"allow\":true,\"type\":\"c\",\"access\":\"m\"}]}}}";

static void privileged_config_is_reported_at_exact_pointers(void) {
    run r; validate(&r, PRIV, CTX);
    CHECK(count(&r, "cap-sys-admin", "/process/capabilities/bounding/1") == 1, "cap-sys-admin");
    CHECK(count(&r, "cap-net-raw", "/process/capabilities/bounding/2") == 1, "cap-net-raw");
    CHECK(count(&r, "cap-sys-ptrace", "/process/capabilities/effective/0") == 1, "cap-sys-ptrace");
    CHECK(count(&r, "cap-chown", NULL) == 0, "CAP_CHOWN is not privileged here");
    CHECK(count(&r, "no-new-privileges-off", "/process/noNewPrivileges") == 1, "nnp");
    CHECK(count(&r, "run-as-root", NULL) == 0, "uid 1000 is not root");
    CHECK(count(&r, "rootfs-writable", "/root/readonly") == 1, "rootfs");
    CHECK(count(&r, "proc-writable", "/mounts/0") == 1, "proc rw");
    CHECK(count(&r, "sysfs-writable", "/mounts/1/options") == 1, "sysfs rw");
    CHECK(count(&r, "sensitive-host-mount", "/mounts/2/source") == 1, "/etc rw");
    CHECK(count(&r, "sensitive-host-mount", NULL) == 1, "/etc ro or /srv/data flagged");
    CHECK(count(&r, "runtime-socket-mount", "/mounts/4/source") == 1, "docker.sock");
    CHECK(count(&r, "namespace-joined", "/linux/namespaces/1/path") == 1, "joined netns");
    CHECK(count(&r, "host-pid-namespace", "/linux/namespaces") == 1, "host pid");
    CHECK(count(&r, "host-network-namespace", NULL) == 0, "joined is not missing");
    CHECK(count(&r, "seccomp-default-allow", "/linux/seccomp/defaultAction") == 1, "seccomp allow");
    CHECK(count(&r, "no-seccomp", NULL) == 0, "seccomp present");
    CHECK(count(&r, "host-net-device", "/linux/netDevices/eth1") == 1, "netDevices");
    CHECK(count(&r, "devices-allow-all", "/linux/resources/devices/1") == 1, "devices");
    CHECK(count(&r, "devices-allow-all", NULL) == 1, "c *:* m flagged");
    CHECK(count(&r, "masked-paths-empty", "/linux/maskedPaths") == 1, "masked");
    CHECK(count(&r, "readonly-paths-empty", "/linux/readonlyPaths") == 1, "readonly");
    /* document order */
    for (size_t i = 1; i < r.n; i++) CHECK(strcmp(r.f[i].severity, "error") || !strcmp(r.f[i - 1].severity, "error"), "errors come first");
    arena_free_all(&r.p.a);
}

static void planner_errors_come_back_as_errors(void) {
    run r;
    validate(&r, "{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"/r\"},\"process\":{\"args\":[\"sh\"],\"cwd\":\"rel\"},"
                 "\"linux\":{\"namespaces\":[{\"type\":\"mount\"}]}}", CTX);
    CHECK(r.n > 0 && !strcmp(r.f[0].severity, "error") && !strcmp(r.f[0].rule, "process-cwd") && !strcmp(r.f[0].pointer, "/process/cwd"), "cwd error first");
    CHECK(count(&r, "host-pid-namespace", NULL) == 1, "findings run on configs with errors");
    arena_free_all(&r.p.a);
    validate(&r, "{", CTX);
    CHECK(r.n == 1 && !strcmp(r.f[0].rule, "json-syntax"), "syntax only");
    arena_free_all(&r.p.a);
    validate(&r, "{}", "{}");
    CHECK(r.n > 0 && !strcmp(r.f[0].rule, "context"), "context errors, no findings");
    CHECK(count(&r, "run-as-root", NULL) == 0, "no findings without a context");
    arena_free_all(&r.p.a);
}

static void rules_json_lists_both_tables(void) {
    arena a = {0}; size_t len;
    const char *j = planc_rules_json(&a, &len);
    CHECK(j && len == strlen(j), "rules json");
    CHECK(j && strstr(j, "{\"id\":\"json-syntax\",\"severity\":\"error\""), "rules.def first");
    CHECK(j && strstr(j, "{\"id\":\"cap-sys-admin\",\"severity\":\"warning\""), "findings.def");
    CHECK(j && strstr(j, "{\"id\":\"rootfs-writable\",\"severity\":\"info\""), "info");
    arena_free_all(&a);
}

int main(int argc, char **argv) {
    const char *fx = argc > 1 ? argv[1] : "test/fixtures";
    default_spec_warns_only_root_and_seccomp(fx);
    privileged_config_is_reported_at_exact_pointers();
    planner_errors_come_back_as_errors();
    rules_json_lists_both_tables();
    if (failures) { fprintf(stderr, "%d findings check(s) failed\n", failures); return 1; }
    printf("findings: all checks passed\n");
    return 0;
}
