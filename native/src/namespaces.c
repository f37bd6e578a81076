#include "namespaces.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util.h"

static int join(const char *path, int flag, const char *what) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return fail_errno("linux.namespaces: %s namespace %s", what, path);
  int rc = setns(fd, flag);
  int saved = errno;
  close(fd);
  errno = saved;
  if (rc < 0) return fail_errno("linux.namespaces: join the %s namespace %s", what, path);
  return 0;
}

/* A new network namespace starts with lo down; containers expect 127.0.0.1 to work, as Docker gives it. */
static int loopback_up(void) {
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return fail_errno("bring up lo: socket");
  struct ifreq request;
  memset(&request, 0, sizeof(request));
  strncpy(request.ifr_name, "lo", IFNAMSIZ - 1);
  int rc = ioctl(fd, SIOCGIFFLAGS, &request);
  if (rc == 0 && !(request.ifr_flags & IFF_UP)) {
    request.ifr_flags |= IFF_UP;
    rc = ioctl(fd, SIOCSIFFLAGS, &request);
  }
  int saved = errno;
  close(fd);
  errno = saved;
  return rc < 0 ? fail_errno("bring up lo") : 0;
}

int namespaces_prepare_pid(const config *cfg) {
  const namespace_spec *ns = config_namespace(cfg, CLONE_NEWPID);
  if (!ns) return 0;
  if (ns->path) return join(ns->path, CLONE_NEWPID, "pid");
  if (unshare(CLONE_NEWPID) < 0) return fail_errno("create a pid namespace");
  return 0;
}

int namespaces_enter(const config *cfg, int cgroup_phase) {
  if (!cgroup_phase && !config_has_namespace(cfg, CLONE_NEWNS)) return fail("linux.namespaces: a mount namespace is required");
  int fresh = 0;
  /* Joined namespaces first (the mount namespace last of them), then the new ones. */
  for (int pass = 0; pass < 2; pass++) {
    for (size_t i = 0; i < cfg->namespace_count; i++) {
      const namespace_spec *ns = &cfg->namespaces[i];
      if (ns->flag == CLONE_NEWPID || !ns->path || (pass == 0) != (ns->flag != CLONE_NEWNS)) continue;
      if ((ns->flag == CLONE_NEWCGROUP) != cgroup_phase) continue;
      if (join(ns->path, ns->flag, ns->name) < 0) return -1;
    }
  }
  for (size_t i = 0; i < cfg->namespace_count; i++) {
    const namespace_spec *ns = &cfg->namespaces[i];
    if (!ns->path && ns->flag != CLONE_NEWPID && (ns->flag == CLONE_NEWCGROUP) == cgroup_phase) fresh |= ns->flag;
  }
  if (fresh && unshare(fresh) < 0) return fail_errno("create namespaces");
  if ((fresh & CLONE_NEWNET) && loopback_up() < 0) return -1;
  return 0;
}

int namespaces_join_process(pid_t pid, int pid_only) {
  static const struct {
    const char *name;
    int flag;
  } order[] = {{"pid", CLONE_NEWPID}, {"cgroup", CLONE_NEWCGROUP}, {"ipc", CLONE_NEWIPC},
               {"uts", CLONE_NEWUTS}, {"net", CLONE_NEWNET},       {"mnt", CLONE_NEWNS}};
  for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
    if (pid_only != (order[i].flag == CLONE_NEWPID)) continue;
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/ns/%s", pid, order[i].name);
    if (join(path, order[i].flag, order[i].name) < 0) return -1;
  }
  return 0;
}
