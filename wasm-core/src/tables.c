/* tables.c — name → number translation tables (capabilities, rlimits, namespaces, mount
 * options). Data, not code; must never decide policy beyond the lookup. */
#include "planner.h"
#include <string.h>

typedef struct { const char *name; int value; } named;

static const named caps[] = {
#define FLAG(table, NAME, value) { #table "|" #NAME, value },
#include "../flags.def"
#undef FLAG
};

/* flags.def rows are "table|NAME"; find NAME within one table */
static int flag_lookup(const char *table, const char *name) {
    size_t tl = strlen(table);
    for (size_t i = 0; i < sizeof caps / sizeof caps[0]; i++)
        if (!strncmp(caps[i].name, table, tl) && caps[i].name[tl] == '|' && !strcmp(caps[i].name + tl + 1, name))
            return caps[i].value;
    return -1;
}

int cap_lookup(const char *name) { return flag_lookup("caps", name); }
int rlimit_lookup(const char *name) { return flag_lookup("rlimit", name); }
int flag_value(const char *table, const char *name) { return flag_lookup(table, name); }

static const struct { const char *name; uint32_t flag; } namespaces[] = {
    { "pid", F_CLONE_NEWPID }, { "network", F_CLONE_NEWNET }, { "mount", F_CLONE_NEWNS },
    { "ipc", F_CLONE_NEWIPC }, { "uts", F_CLONE_NEWUTS }, { "user", F_CLONE_NEWUSER },
    { "cgroup", F_CLONE_NEWCGROUP }, { "time", F_CLONE_NEWTIME },
};

uint32_t ns_lookup(const char *name, bool *known) {
    for (size_t i = 0; i < sizeof namespaces / sizeof namespaces[0]; i++)
        if (!strcmp(namespaces[i].name, name)) { *known = true; return namespaces[i].flag; }
    *known = false;
    return 0;
}

const char *ns_name(uint32_t flag) {
    for (size_t i = 0; i < sizeof namespaces / sizeof namespaces[0]; i++)
        if (namespaces[i].flag == flag) return namespaces[i].name;
    return "?";
}

/* The option words runc's specconv understands, with the same effect. */
enum { SET = 1, CLEAR = 2, PROP = 3, UNSUP = 4 };
static const struct { const char *name; int kind; uint64_t flag; } mount_options[] = {
    { "acl", SET, F_MS_POSIXACL },       { "async", CLEAR, F_MS_SYNCHRONOUS },
    { "atime", CLEAR, F_MS_NOATIME },    { "bind", SET, F_MS_BIND },
    { "defaults", SET, 0 },              { "dev", CLEAR, F_MS_NODEV },
    { "diratime", CLEAR, F_MS_NODIRATIME }, { "dirsync", SET, F_MS_DIRSYNC },
    { "exec", CLEAR, F_MS_NOEXEC },      { "iversion", SET, F_MS_I_VERSION },
    { "lazytime", SET, F_MS_LAZYTIME },  { "loud", CLEAR, F_MS_SILENT },
    { "mand", SET, F_MS_MANDLOCK },      { "noacl", CLEAR, F_MS_POSIXACL },
    { "noatime", SET, F_MS_NOATIME },    { "nodev", SET, F_MS_NODEV },
    { "nodiratime", SET, F_MS_NODIRATIME }, { "noexec", SET, F_MS_NOEXEC },
    { "noiversion", CLEAR, F_MS_I_VERSION }, { "nolazytime", CLEAR, F_MS_LAZYTIME },
    { "nomand", CLEAR, F_MS_MANDLOCK },  { "norelatime", CLEAR, F_MS_RELATIME },
    { "nostrictatime", CLEAR, F_MS_STRICTATIME }, { "nosuid", SET, F_MS_NOSUID },
    { "nosymfollow", SET, F_MS_NOSYMFOLLOW }, { "symfollow", CLEAR, F_MS_NOSYMFOLLOW },
    { "rbind", SET, F_MS_BIND | F_MS_REC }, { "relatime", SET, F_MS_RELATIME },
    { "remount", SET, F_MS_REMOUNT },    { "ro", SET, F_MS_RDONLY },
    { "rw", CLEAR, F_MS_RDONLY },        { "silent", SET, F_MS_SILENT },
    { "strictatime", SET, F_MS_STRICTATIME }, { "suid", CLEAR, F_MS_NOSUID },
    { "sync", SET, F_MS_SYNCHRONOUS },
    { "private", PROP, F_MS_PRIVATE },   { "rprivate", PROP, F_MS_PRIVATE | F_MS_REC },
    { "shared", PROP, F_MS_SHARED },     { "rshared", PROP, F_MS_SHARED | F_MS_REC },
    { "slave", PROP, F_MS_SLAVE },       { "rslave", PROP, F_MS_SLAVE | F_MS_REC },
    { "unbindable", PROP, F_MS_UNBINDABLE }, { "runbindable", PROP, F_MS_UNBINDABLE | F_MS_REC },
    /* recursive attributes need mount_setattr(2): no op yet */
    { "rro", UNSUP, 0 }, { "rrw", UNSUP, 0 }, { "rnosuid", UNSUP, 0 }, { "rsuid", UNSUP, 0 },
    { "rnodev", UNSUP, 0 }, { "rdev", UNSUP, 0 }, { "rnoexec", UNSUP, 0 }, { "rexec", UNSUP, 0 },
    { "rnodiratime", UNSUP, 0 }, { "rdiratime", UNSUP, 0 }, { "rrelatime", UNSUP, 0 },
    { "rnorelatime", UNSUP, 0 }, { "rnoatime", UNSUP, 0 }, { "ratime", UNSUP, 0 },
    { "rstrictatime", UNSUP, 0 }, { "rnostrictatime", UNSUP, 0 }, { "rnosymfollow", UNSUP, 0 },
    { "rsymfollow", UNSUP, 0 },
};

int mount_option_lookup(const char *name, uint64_t *flag) {
    for (size_t i = 0; i < sizeof mount_options / sizeof mount_options[0]; i++)
        if (!strcmp(mount_options[i].name, name)) { *flag = mount_options[i].flag; return mount_options[i].kind; }
    return 0;
}
