/* The container's cgroup: one directory per v1 hierarchy (hybrid machines) or one in the v2 tree. */
#ifndef TCRUN_CGROUPS_H
#define TCRUN_CGROUPS_H

#include <sys/types.h>

#include "config.h"

#define CGROUP_MAX_DIRS 16

typedef struct {
  int unified; /* 1: the whole machine is cgroup v2 */
  char *path;  /* the cgroup path inside each hierarchy, e.g. /tcrun/web */
  size_t count;
  char *dirs[CGROUP_MAX_DIRS];        /* the container's directory in each hierarchy */
  char *controllers[CGROUP_MAX_DIRS]; /* "memory", "cpu,cpuacct", "" for the v2 tree */
  char *created[CGROUP_MAX_DIRS * 4]; /* directories created here, innermost last */
  size_t created_count;
} cgroup_set;

/* Creates the directories for cfg->cgroupsPath (default /tcrun/<id>) and applies linux.resources. */
int cgroup_create(const config *cfg, const char *id, cgroup_set *out);
int cgroup_enter(const cgroup_set *set, pid_t pid);
/* Removes the container's directories (and the parents it created when they are empty). */
int cgroup_destroy(const cgroup_set *set);
int cgroup_freeze(const cgroup_set *set, int frozen);
int cgroup_is_frozen(const cgroup_set *set);
/* Pids of every process in the container's cgroup; returns the count, -1 on error. */
int cgroup_pids(const cgroup_set *set, pid_t *pids, int max);
void cgroup_free(cgroup_set *set);

#endif
