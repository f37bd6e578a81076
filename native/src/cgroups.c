#include "cgroups.h"

#include <errno.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

static int is_unified_machine(void) {
  struct statfs fs;
  return statfs("/sys/fs/cgroup", &fs) == 0 && fs.f_type == CGROUP2_SUPER_MAGIC;
}

/* Adds one hierarchy (mount point + controllers) unless the same controllers are already listed. */
static void add_hierarchy(cgroup_set *set, const char *mount_point, const char *controllers, const char *path) {
  for (size_t i = 0; i < set->count; i++)
    if (!strcmp(set->controllers[i], controllers)) return;
  if (set->count >= CGROUP_MAX_DIRS) return;
  set->dirs[set->count] = xasprintf("%s%s", mount_point, path);
  set->controllers[set->count] = xstrdup(controllers);
  set->count++;
}

/* The controllers named in a v1 mount's super options ("rw,memory" -> "memory", "name=systemd"). */
static char *controllers_of(const char *options) {
  strbuf out = {0};
  char *copy = xstrdup(options), *save = NULL;
  for (char *opt = strtok_r(copy, ",", &save); opt; opt = strtok_r(NULL, ",", &save)) {
    if (!strcmp(opt, "rw") || !strcmp(opt, "ro") || !strncmp(opt, "relatime", 8) || !strcmp(opt, "noprefix") ||
        !strncmp(opt, "release_agent", 13) || !strcmp(opt, "clone_children") || !strcmp(opt, "xattr") ||
        !strcmp(opt, "cpuset_v2_mode") || !strcmp(opt, "favordynmods") || !strcmp(opt, "nsdelegate") ||
        !strcmp(opt, "memory_recursiveprot"))
      continue;
    if (out.len) sb_puts(&out, ",");
    sb_puts(&out, opt);
  }
  free(copy);
  if (!out.data) sb_puts(&out, "");
  return out.data;
}

/* Finds the hierarchies from /proc/self/mountinfo: v1 controllers, plus the v2 tree in hybrid mode. */
static int discover(cgroup_set *set, const char *path) {
  set->unified = is_unified_machine();
  if (set->unified) {
    add_hierarchy(set, "/sys/fs/cgroup", "", path);
    return 0;
  }
  char *info = read_file("/proc/self/mountinfo", NULL);
  if (!info) return fail_errno("read /proc/self/mountinfo");
  char *save = NULL;
  for (char *line = strtok_r(info, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
    char mount_point[512], fstype[32], source[64], options[512];
    char *sep = strstr(line, " - ");
    if (!sep || sscanf(line, "%*s %*s %*s %*s %511s", mount_point) != 1 ||
        sscanf(sep + 3, "%31s %63s %511s", fstype, source, options) != 3)
      continue;
    if (!strcmp(fstype, "cgroup")) {
      char *controllers = controllers_of(options);
      add_hierarchy(set, mount_point, controllers, path);
      free(controllers);
    } else if (!strcmp(fstype, "cgroup2")) {
      add_hierarchy(set, mount_point, "", path);
    }
  }
  free(info);
  if (set->count == 0) return fail("no cgroup hierarchy is mounted");
  return 0;
}

static const char *dir_with(const cgroup_set *set, const char *controller) {
  for (size_t i = 0; i < set->count; i++) {
    if (set->unified) return set->dirs[i];
    char *list = set->controllers[i];
    size_t n = strlen(controller);
    for (char *p = strstr(list, controller); p; p = strstr(p + 1, controller))
      if ((p == list || p[-1] == ',') && (p[n] == ',' || p[n] == '\0')) return set->dirs[i];
  }
  return NULL;
}

static int write_control(const char *dir, const char *file, const char *value) {
  char *path = xasprintf("%s/%s", dir, file);
  int rc = write_file(path, value);
  free(path);
  return rc;
}

static int control_exists(const char *dir, const char *file) {
  char *path = xasprintf("%s/%s", dir, file);
  int ok = access(path, F_OK) == 0;
  free(path);
  return ok;
}

/* A new v1 cpuset is empty: it must inherit cpus and mems before it can hold a process. */
static void inherit_cpuset(const char *dir) {
  char *parent = xstrdup(dir);
  *strrchr(parent, '/') = '\0';
  static const char *files[] = {"cpuset.cpus", "cpuset.mems"};
  for (size_t i = 0; i < 2; i++) {
    char *mine = xasprintf("%s/%s", dir, files[i]);
    char *theirs = xasprintf("%s/%s", parent, files[i]);
    char *value = read_file(mine, NULL);
    if (value && (value[0] == '\n' || value[0] == '\0')) {
      free(value);
      value = read_file(theirs, NULL);
      if (value) write_file(mine, value);
    }
    free(value);
    free(mine);
    free(theirs);
  }
  free(parent);
}

/* In v2 a child only gets the controllers its parent delegates in cgroup.subtree_control. */
static void delegate_controllers(const char *parent) {
  char *available = xasprintf("%s/cgroup.controllers", parent);
  char *list = read_file(available, NULL);
  free(available);
  if (!list) return;
  char *save = NULL;
  for (char *c = strtok_r(list, " \n", &save); c; c = strtok_r(NULL, " \n", &save)) {
    char *value = xasprintf("+%s", c);
    write_control(parent, "cgroup.subtree_control", value);
    free(value);
  }
  free(list);
}

static int make_dirs(cgroup_set *set, size_t index) {
  const char *dir = set->dirs[index];
  int is_cpuset = !set->unified && dir_with(set, "cpuset") == dir;
  /* Create each level below the hierarchy's mount point, outermost first. */
  size_t mount_len = strlen(dir) - strlen(set->path);
  int retries = 10;
  for (const char *p = dir + mount_len + 1; p <= dir + strlen(dir); p++) {
    if (*p != '/' && *p != '\0') continue;
    char *level = xstrndup(dir, (size_t)(p - dir));
    if (set->unified) {
      char *parent = xstrndup(dir, (size_t)(strrchr(level, '/') - level));
      delegate_controllers(parent);
      free(parent);
    }
    if (mkdir(level, 0755) == 0) {
      set->created[set->created_count++] = xstrdup(level);
      if (is_cpuset) inherit_cpuset(level);
    } else if (errno == ENOENT && retries-- > 0) {
      /* Another container removed a shared parent just now: start again from the top. */
      p = dir + mount_len;
    } else if (errno != EEXIST) {
      fail_errno("create cgroup %s", level);
      free(level);
      return -1;
    }
    free(level);
  }
  return 0;
}

static int apply_memory(const cgroup_set *set, const resources_spec *r) {
  const char *dir = dir_with(set, "memory");
  if (!dir || !(r->has_memory_limit || r->has_memory_swap || r->has_memory_reservation)) return 0;
  char value[32];
  if (set->unified) {
    if (r->has_memory_limit) {
      snprintf(value, sizeof(value), "%lld", r->memory_limit);
      if (write_control(dir, "memory.max", r->memory_limit > 0 ? value : "max") < 0) return -1;
    }
    if (r->has_memory_swap && control_exists(dir, "memory.swap.max")) {
      /* OCI swap counts memory plus swap; v2 counts swap alone. */
      long long swap = r->memory_swap - (r->has_memory_limit ? r->memory_limit : 0);
      snprintf(value, sizeof(value), "%lld", swap < 0 ? 0 : swap);
      if (write_control(dir, "memory.swap.max", r->memory_swap < 0 ? "max" : value) < 0) return -1;
    }
    if (r->has_memory_reservation) {
      snprintf(value, sizeof(value), "%lld", r->memory_reservation);
      if (write_control(dir, "memory.low", value) < 0) return -1;
    }
    return 0;
  }
  if (r->has_memory_limit) {
    snprintf(value, sizeof(value), "%lld", r->memory_limit > 0 ? r->memory_limit : -1);
    if (write_control(dir, "memory.limit_in_bytes", value) < 0) return -1;
  }
  if (r->has_memory_swap && control_exists(dir, "memory.memsw.limit_in_bytes")) {
    snprintf(value, sizeof(value), "%lld", r->memory_swap);
    if (write_control(dir, "memory.memsw.limit_in_bytes", value) < 0) return -1;
  }
  if (r->has_memory_reservation) {
    snprintf(value, sizeof(value), "%lld", r->memory_reservation);
    if (write_control(dir, "memory.soft_limit_in_bytes", value) < 0) return -1;
  }
  return 0;
}

static int apply_cpu(const cgroup_set *set, const resources_spec *r) {
  const char *dir = dir_with(set, "cpu");
  char value[64];
  if (dir && set->unified) {
    if (r->has_cpu_shares && r->cpu_shares) {
      /* The usual shares (2..262144) to weight (1..10000) mapping. */
      unsigned long long weight = 1 + ((r->cpu_shares - 2) * 9999) / 262142;
      snprintf(value, sizeof(value), "%llu", weight);
      if (write_control(dir, "cpu.weight", value) < 0) return -1;
    }
    if (r->has_cpu_quota || r->has_cpu_period) {
      unsigned long long period = r->has_cpu_period && r->cpu_period ? r->cpu_period : 100000;
      if (r->has_cpu_quota && r->cpu_quota > 0)
        snprintf(value, sizeof(value), "%lld %llu", r->cpu_quota, period);
      else
        snprintf(value, sizeof(value), "max %llu", period);
      if (write_control(dir, "cpu.max", value) < 0) return -1;
    }
  } else if (dir) {
    if (r->has_cpu_shares && r->cpu_shares) {
      snprintf(value, sizeof(value), "%llu", r->cpu_shares);
      if (write_control(dir, "cpu.shares", value) < 0) return -1;
    }
    if (r->has_cpu_period && r->cpu_period) {
      snprintf(value, sizeof(value), "%llu", r->cpu_period);
      if (write_control(dir, "cpu.cfs_period_us", value) < 0) return -1;
    }
    if (r->has_cpu_quota && r->cpu_quota) {
      snprintf(value, sizeof(value), "%lld", r->cpu_quota > 0 ? r->cpu_quota : -1);
      if (write_control(dir, "cpu.cfs_quota_us", value) < 0) return -1;
    }
  }
  const char *cpuset = dir_with(set, "cpuset");
  if (cpuset && r->cpuset_cpus && *r->cpuset_cpus && write_control(cpuset, "cpuset.cpus", r->cpuset_cpus) < 0) return -1;
  if (cpuset && r->cpuset_mems && *r->cpuset_mems && write_control(cpuset, "cpuset.mems", r->cpuset_mems) < 0) return -1;
  return 0;
}

static int apply_pids(const cgroup_set *set, const resources_spec *r) {
  const char *dir = dir_with(set, "pids");
  if (!dir || !r->has_pids_limit) return 0;
  char value[32];
  snprintf(value, sizeof(value), "%lld", r->pids_limit);
  return write_control(dir, "pids.max", r->pids_limit > 0 ? value : "max");
}

/* v1 device access rules, in order, then the devices every container is given. */
static int apply_devices(const cgroup_set *set, const resources_spec *r) {
  const char *dir = dir_with(set, "devices");
  if (!dir || set->unified || r->device_count == 0) return 0;
  for (size_t i = 0; i < r->device_count; i++) {
    const device_rule *d = &r->devices[i];
    char rule[96], major[24] = "*", minor[24] = "*";
    if (d->major >= 0) snprintf(major, sizeof(major), "%lld", d->major);
    if (d->minor >= 0) snprintf(minor, sizeof(minor), "%lld", d->minor);
    if (d->type == 'a')
      snprintf(rule, sizeof(rule), "a");
    else
      snprintf(rule, sizeof(rule), "%c %s:%s %s", d->type, major, minor, d->access);
    if (write_control(dir, d->allow ? "devices.allow" : "devices.deny", rule) < 0) return -1;
  }
  static const char *defaults[] = {"c 1:3 rwm", "c 1:5 rwm", "c 1:7 rwm", "c 1:8 rwm", "c 1:9 rwm",
                                   "c 5:0 rwm", "c 5:2 rwm", "c 136:* rwm"};
  for (size_t i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++)
    if (write_control(dir, "devices.allow", defaults[i]) < 0) return -1;
  return 0;
}

int cgroup_create(const config *cfg, const char *id, cgroup_set *out) {
  memset(out, 0, sizeof(*out));
  char *path = cfg->cgroups_path && *cfg->cgroups_path
                   ? xasprintf("%s%s", cfg->cgroups_path[0] == '/' ? "" : "/", cfg->cgroups_path)
                   : xasprintf("/tcrun/%s", id);
  if (strstr(path, "/..") || strchr(path, ':')) {
    free(path);
    return fail("linux.cgroupsPath %s: must be a plain path (no '..', no systemd slice syntax)", cfg->cgroups_path);
  }
  out->path = path;
  int rc = discover(out, path);
  for (size_t i = 0; rc == 0 && i < out->count; i++) rc = make_dirs(out, i);
  if (rc == 0 && (apply_memory(out, &cfg->resources) < 0 || apply_cpu(out, &cfg->resources) < 0 ||
                  apply_pids(out, &cfg->resources) < 0 || apply_devices(out, &cfg->resources) < 0))
    rc = fail_context("linux.resources");
  if (rc < 0) {
    cgroup_destroy(out);
    return -1;
  }
  return 0;
}

int cgroup_enter(const cgroup_set *set, pid_t pid) {
  char value[24];
  snprintf(value, sizeof(value), "%d", pid);
  for (size_t i = 0; i < set->count; i++)
    if (write_control(set->dirs[i], "cgroup.procs", value) < 0) return -1;
  return 0;
}

/* rmdir fails with EBUSY while the last exiting processes are being released: retry briefly. */
static int remove_dir(const char *dir) {
  for (int attempt = 0; attempt < 2000; attempt++) {
    if (rmdir(dir) == 0 || errno == ENOENT) return 0;
    if (errno != EBUSY) break;
    struct timespec pause = {0, 500 * 1000};
    nanosleep(&pause, NULL);
  }
  return fail_errno("remove cgroup %s", dir);
}

int cgroup_destroy(const cgroup_set *set) {
  int rc = 0;
  for (size_t i = 0; i < set->count; i++)
    if (remove_dir(set->dirs[i]) < 0) rc = -1;
  /* Parents created for this container go too, unless another container still uses them. */
  for (size_t i = set->created_count; i-- > 0;) rmdir(set->created[i]);
  return rc;
}

int cgroup_freeze(const cgroup_set *set, int frozen) {
  const char *dir = dir_with(set, "freezer");
  if (set->unified) return write_control(set->dirs[0], "cgroup.freeze", frozen ? "1" : "0");
  if (!dir) return fail("no freezer cgroup is mounted");
  if (write_control(dir, "freezer.state", frozen ? "FROZEN" : "THAWED") < 0) return -1;
  for (int attempt = 0; frozen && attempt < 1000 && !cgroup_is_frozen(set); attempt++) {
    struct timespec pause = {0, 1000 * 1000};
    nanosleep(&pause, NULL);
  }
  return 0;
}

int cgroup_is_frozen(const cgroup_set *set) {
  const char *dir = set->unified ? set->dirs[0] : dir_with(set, "freezer");
  if (!dir) return 0;
  char *path = xasprintf("%s/%s", dir, set->unified ? "cgroup.events" : "freezer.state");
  char *text = read_file(path, NULL);
  free(path);
  int frozen = text && (set->unified ? strstr(text, "frozen 1") != NULL : !strncmp(text, "FROZEN", 6));
  free(text);
  return frozen;
}

int cgroup_pids(const cgroup_set *set, pid_t *pids, int max) {
  const char *dir = set->unified ? set->dirs[0] : dir_with(set, "pids");
  if (!dir) dir = dir_with(set, "freezer");
  if (!dir) dir = set->dirs[0];
  char *path = xasprintf("%s/cgroup.procs", dir);
  char *text = read_file(path, NULL);
  free(path);
  if (!text) return errno == ENOENT ? 0 : fail_errno("read %s/cgroup.procs", dir);
  int n = 0;
  for (char *p = text; *p && n < max;) {
    char *end;
    long pid = strtol(p, &end, 10);
    if (end == p) break;
    pids[n++] = (pid_t)pid;
    p = end;
    while (*p == '\n') p++;
  }
  free(text);
  return n;
}

void cgroup_free(cgroup_set *set) {
  for (size_t i = 0; i < set->count; i++) {
    free(set->dirs[i]);
    free(set->controllers[i]);
  }
  for (size_t i = 0; i < set->created_count; i++) free(set->created[i]);
  free(set->path);
  memset(set, 0, sizeof(*set));
}
