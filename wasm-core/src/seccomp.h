/* seccomp.h — what the seccomp reader (seccomp.c) and compiler (seccomp_bpf.c) share: the
 * SECCOMP_RET_* values, the ABIs with syscall tables and the name lookups. wasm-core only; never
 * grows policy: decisions stay in the two .c files. */
#ifndef PLANC_SECCOMP_H
#define PLANC_SECCOMP_H
#include "planner.h"

#define RET_KILL_PROCESS 0x80000000u
#define RET_KILL_THREAD  0x00000000u
#define RET_TRAP         0x00030000u
#define RET_ERRNO        0x00050000u
#define RET_USER_NOTIF   0x7fc00000u
#define RET_TRACE        0x7ff00000u
#define RET_LOG          0x7ffc0000u
#define RET_ALLOW        0x7fff0000u
#define AUDIT_ARCH_X86_64 0xc000003eu
#define AUDIT_ARCH_I386  0x40000003u
#define X32_SYSCALL_BIT  0x40000000u
#define I386_SOCKETCALL  102u
#define I386_IPC         117u

enum { CMP_NE, CMP_LT, CMP_LE, CMP_EQ, CMP_GE, CMP_GT, CMP_MASKED_EQ };
/* ABIs with syscall tables (syscalls.def), in its column order */
enum { ABI_X86_64, ABI_I386, ABI_X32, ABI__COUNT };

/* the syscalls.def entry of a name, -1 when no ABI has it */
int sc_syscall_index(const char *name);
/* the number of entry i on an ABI (x32 with its bit), -1 when that ABI lacks it */
int64_t sc_syscall_nr(int i, int abi);
/* i386's socketcall(2)/ipc(2) calls: the entry of a name, -1 when it is not one */
typedef struct { const char *name; uint8_t call; bool ipc; } sc_mux;
#define SC_NMUX 32
extern const sc_mux sc_mux_calls[SC_NMUX + 1];   /* ends with a NULL name */
int sc_mux_index(const char *name);
#endif
