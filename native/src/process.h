/* The user-side setup of a container process, shared by the container's init and exec. */
#ifndef TCRUN_PROCESS_H
#define TCRUN_PROCESS_H

#include "config.h"

/* While /proc is still the host's: oom_score_adj. */
int process_set_oom_score(const process_spec *p);
/* Inside the container's root, as root: rlimits, cwd, user, capabilities, umask, no_new_privs.
   With a seccomp profile and no no_new_privs, CAP_SYS_ADMIN is held until process_exec loads it. */
int process_become(const process_spec *p, const json_value *seccomp);
/* Leaves exactly the requested capabilities when process_become held CAP_SYS_ADMIN. */
int process_release_admin(const process_spec *p, const json_value *seccomp);
/* args[0] looked up in the PATH of the process env (as the container user); a malloc'd path. */
char *process_find_executable(const process_spec *p);
/* Seccomp, the final capabilities, then execve; returns only on failure. */
int process_exec(const process_spec *p, const char *path, const json_value *seccomp);

#endif
