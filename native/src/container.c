#include "container.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "init.h"
#include "mounts.h"
#include "namespaces.h"
#include "process.h"
#include "seccomp.h"
#include "terminal.h"
#include "util.h"

static void report_and_exit(int sync) __attribute__((noreturn));
static void report_and_exit(int sync) {
  char message[1100];
  int n = snprintf(message, sizeof(message), "%c%s", SYNC_ERROR, last_error());
  if (n > (int)sizeof(message) - 1) n = (int)sizeof(message) - 1;
  send(sync, message, (size_t)n, MSG_NOSIGNAL);
  _exit(127);
}

static int wait_for(int sync, char expected) {
  char message;
  ssize_t n;
  do n = recv(sync, &message, 1, 0);
  while (n < 0 && errno == EINTR);
  if (n != 1 || message != expected) return fail("the monitor went away");
  return 0;
}

static int set_names(const config *cfg) {
  int own_uts = config_has_namespace(cfg, CLONE_NEWUTS);
  if ((cfg->hostname && *cfg->hostname) || (cfg->domainname && *cfg->domainname)) {
    if (!own_uts) return fail("hostname: setting it needs a uts namespace");
  }
  if (cfg->hostname && *cfg->hostname && sethostname(cfg->hostname, strlen(cfg->hostname)) < 0)
    return fail_errno("hostname %s", cfg->hostname);
  if (cfg->domainname && *cfg->domainname && setdomainname(cfg->domainname, strlen(cfg->domainname)) < 0)
    return fail_errno("domainname %s", cfg->domainname);
  return 0;
}

static int apply_sysctl(const config *cfg) {
  for (size_t i = 0; i < cfg->sysctl.count; i++) {
    char *path = xasprintf("/proc/sys/%s", cfg->sysctl.keys[i]);
    for (char *p = path + 10; *p; p++)
      if (*p == '.') *p = '/';
    int rc = write_file(path, cfg->sysctl.values[i]);
    free(path);
    if (rc < 0) return fail_context("linux.sysctl %s", cfg->sysctl.keys[i]);
  }
  return 0;
}

static int setup_terminal(const config *cfg, int sync) {
  int slave;
  int master = pty_open(&slave, cfg->process.console_rows, cfg->process.console_cols);
  if (master < 0) return -1;
  int rc = send_fd(sync, SYNC_PTY, master);
  close(master);
  if (rc < 0) return -1;
  return pty_take(slave);
}

void container_init(const config *cfg, int sync) {
  /* Namespaces come up while the monitor creates and joins the cgroup; the cgroup namespace after. */
  if (namespaces_enter(cfg, 0) < 0 || set_names(cfg) < 0 || process_set_oom_score(&cfg->process) < 0)
    report_and_exit(sync);
  if (wait_for(sync, SYNC_CGROUP_READY) < 0) _exit(127);
  if (namespaces_enter(cfg, 1) < 0 || rootfs_mount_all(cfg) < 0 || rootfs_pivot(cfg) < 0 || rootfs_populate_dev(cfg) < 0 || apply_sysctl(cfg) < 0)
    report_and_exit(sync);
  if (cfg->process.terminal) {
    if (setup_terminal(cfg, sync) < 0) report_and_exit(sync);
  } else if (setsid() < 0) {
    fail_errno("setsid");
    report_and_exit(sync);
  }
  if (rootfs_finish(cfg) < 0 || process_become(&cfg->process, cfg->seccomp) < 0) report_and_exit(sync);
  char *path = process_find_executable(&cfg->process);
  /* The profile is checked here, not by the caller, so the monitor never holds libseccomp's memory. */
  if (!path || (cfg->seccomp && seccomp_check(cfg->seccomp) < 0)) report_and_exit(sync);
  char ready = SYNC_READY;
  if (send(sync, &ready, 1, MSG_NOSIGNAL) != 1 || wait_for(sync, SYNC_START) < 0) _exit(127);
  if (cfg->use_init) {
    /* The monitor learns that the program started when this socket closes. */
    close(sync);
    init_run(&cfg->process, path, cfg->seccomp);
  }
  process_exec(&cfg->process, path, cfg->seccomp);
  report_and_exit(sync);
}
