/* The built-in init (annotation org.tcompose.init=true): PID 1 that forwards signals and reaps zombies. */
#ifndef TCRUN_INIT_H
#define TCRUN_INIT_H

#include "config.h"

/* Forks the user process (which runs exec_child) and stays as its reaper; exits with its status. */
void init_run(const process_spec *p, const char *path, const json_value *seccomp) __attribute__((noreturn));

#endif
