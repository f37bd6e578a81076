/* Entering the container's namespaces: new ones with unshare, existing ones by path with setns. */
#ifndef TCRUN_NAMESPACES_H
#define TCRUN_NAMESPACES_H

#include <sys/types.h>

#include "config.h"

/* In the monitor, before forking the init: the pid namespace (new or joined) applies to children. */
int namespaces_prepare_pid(const config *cfg);
/* In the init: join the namespaces given by path, unshare the new ones (except pid). The cgroup
 * namespace comes in a phase of its own (cgroup_phase 1), once the init is in its cgroup. */
int namespaces_enter(const config *cfg, int cgroup_phase);
/* For exec: join every namespace of a running process, the mount namespace last. pid applies to children. */
int namespaces_join_process(pid_t pid, int pid_only);

#endif
