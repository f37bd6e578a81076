#include "process.h"

#include <errno.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capabilities.h"
#include "seccomp.h"
#include "util.h"

int process_set_oom_score(const process_spec *p) {
  if (!p->has_oom_score_adj) return 0;
  char value[16];
  snprintf(value, sizeof(value), "%d", p->oom_score_adj);
  if (write_file("/proc/self/oom_score_adj", value) < 0) return fail_context("process.oomScoreAdj");
  return 0;
}

/* Limits above the caller's hard limit would fail (no CAP_SYS_RESOURCE on some hosts): they are clamped to it. */
static int apply_rlimits(const process_spec *p) {
  for (size_t i = 0; i < p->rlimit_count; i++) {
    const rlimit_spec *r = &p->rlimits[i];
    struct rlimit current;
    if (getrlimit(r->resource, &current) < 0) return fail_errno("getrlimit");
    struct rlimit wanted = {r->soft, r->hard};
    if (current.rlim_max != RLIM_INFINITY && (wanted.rlim_max == RLIM_INFINITY || wanted.rlim_max > current.rlim_max)) {
      debug("rlimit %d: hard %llu clamped to %llu", r->resource, r->hard, (unsigned long long)current.rlim_max);
      wanted.rlim_max = current.rlim_max;
    }
    if (wanted.rlim_cur > wanted.rlim_max) wanted.rlim_cur = wanted.rlim_max;
    if (setrlimit(r->resource, &wanted) < 0) return fail_errno("process.rlimits: set limit %d", r->resource);
  }
  return 0;
}

static int change_user(const process_spec *p) {
  if (setgroups(p->additional_gid_count, p->additional_gids) < 0) return fail_errno("setgroups");
  if (setresgid(p->gid, p->gid, p->gid) < 0) return fail_errno("setgid %u", p->gid);
  if (setresuid(p->uid, p->uid, p->uid) < 0) return fail_errno("setuid %u", p->uid);
  return 0;
}

/* Loading a filter needs CAP_SYS_ADMIN unless no_new_privs is set (as runc and crun, tcrun does
   not impose no_new_privs): the init keeps it until the filter is in place, just before execve. */
static int holds_admin_for_seccomp(const process_spec *p, const json_value *seccomp) {
  return seccomp && seccomp_available() && !p->no_new_privileges;
}

int process_become(const process_spec *p, const json_value *seccomp) {
  if (apply_rlimits(p) < 0) return -1;
  if (chdir(p->cwd) < 0) return fail_errno("process.cwd %s", p->cwd);
  if (capabilities_drop_bounding(p) < 0) return -1;
  /* Keep the permitted set across setuid; capabilities_apply then sets exactly what is asked. */
  if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0) return fail_errno("keep capabilities");
  if (change_user(p) < 0) return -1;
  if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0) return fail_errno("keep capabilities");
  if (capabilities_apply(p, holds_admin_for_seccomp(p, seccomp)) < 0) return -1;
  umask(p->has_umask ? p->umask : 022);
  if (p->no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) return fail_errno("set no_new_privs");
  return 0;
}

static const char *env_value(char *const *env, const char *name) {
  size_t n = strlen(name);
  for (; env && *env; env++)
    if (!strncmp(*env, name, n) && (*env)[n] == '=') return *env + n + 1;
  return NULL;
}

static int is_executable(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

char *process_find_executable(const process_spec *p) {
  const char *name = p->args[0];
  if (strchr(name, '/')) {
    if (is_executable(name)) return xstrdup(name);
    fail_errno("process.args[0] %s", name);
    return NULL;
  }
  const char *path = env_value(p->env, "PATH");
  if (!path) path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  char *dirs = xstrdup(path), *save = NULL;
  for (char *dir = strtok_r(dirs, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
    char *candidate = xasprintf("%s/%s", *dir ? dir : ".", name);
    if (is_executable(candidate)) {
      free(dirs);
      return candidate;
    }
    free(candidate);
  }
  free(dirs);
  fail("process.args[0]: executable file %s not found in $PATH", name);
  return NULL;
}

int process_release_admin(const process_spec *p, const json_value *seccomp) {
  return holds_admin_for_seccomp(p, seccomp) ? capabilities_apply(p, 0) : 0;
}

int process_exec(const process_spec *p, const char *path, const json_value *seccomp) {
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  /* From here the program's filter applies to tcrun too: it still calls capset, prctl and execve. */
  if (seccomp && seccomp_install(seccomp) < 0) return -1;
  if (process_release_admin(p, seccomp) < 0) return -1;
  execve(path, p->args, p->env);
  return fail_errno("exec %s", path);
}
