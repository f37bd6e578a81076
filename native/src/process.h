/* The user-side setup of a container process, shared by the container's init and exec. */
#ifndef TCRUN_PROCESS_H
#define TCRUN_PROCESS_H

#include "config.h"

/* While /proc is still the host's: oom_score_adj. */
int process_set_oom_score(const process_spec *p);
/* Inside the container's root, as root: rlimits, cwd, user, capabilities, umask, no_new_privs. */
int process_become(const process_spec *p);
/* args[0] looked up in the PATH of the process env (as the container user); a malloc'd path. */
char *process_find_executable(const process_spec *p);
/* Seccomp then execve; returns only on failure. */
int process_exec(const process_spec *p, const char *path, const json_value *seccomp);

#endif
