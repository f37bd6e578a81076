/* `tcrun exec`: a new process in a running container's namespaces, cgroup, root and restrictions. */
#ifndef TCRUN_EXEC_H
#define TCRUN_EXEC_H

#include <stddef.h>

typedef struct {
  char **env; /* K=V overrides */
  size_t env_count;
  const char *cwd;
  const char *user; /* UID[:GID] */
  int tty;
  int detach;
  const char *pid_file;
  char **argv; /* NULL-terminated */
} exec_options;

/* Returns the process's exit status (foreground), 0 (detach), or -1 with the error set. */
int exec_in_container(const char *root, const char *id, const exec_options *o);

#endif
