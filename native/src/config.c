#include "config.h"

#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <unistd.h>

#include "capabilities.h"

/* Every config error names the field and the line of config.json it came from. */
static int field_error(const char *field, const json_value *v, const char *why) {
  if (v) return fail("config.json: %s: %s (line %d)", field, why, v->line);
  return fail("config.json: %s: %s", field, why);
}

static int expect_type(const char *field, const json_value *v, json_type type) {
  if (v->type == type) return 0;
  char why[96];
  snprintf(why, sizeof(why), "must be %s %s, not %s", type == JSON_ARRAY || type == JSON_OBJECT ? "an" : "a",
           json_type_name(type), json_type_name(v->type));
  return field_error(field, v, why);
}

/* Optional string member: absent or null leaves *out unchanged. */
static int get_string(const json_value *obj, const char *key, const char *field, char **out) {
  const json_value *v = json_get(obj, key);
  if (!v || v->type == JSON_NULL) return 0;
  if (expect_type(field, v, JSON_STRING) < 0) return -1;
  *out = v->string;
  return 0;
}

static int get_bool(const json_value *obj, const char *key, const char *field, int *out) {
  const json_value *v = json_get(obj, key);
  if (!v || v->type == JSON_NULL) return 0;
  if (expect_type(field, v, JSON_BOOL) < 0) return -1;
  *out = v->boolean;
  return 0;
}

static int get_integer(const json_value *obj, const char *key, const char *field, long long *out, int *has) {
  const json_value *v = json_get(obj, key);
  if (!v || v->type == JSON_NULL) return 0;
  if (v->type != JSON_NUMBER || !v->is_integer) return field_error(field, v, "must be an integer");
  *out = v->integer;
  if (has) *has = 1;
  return 0;
}

/* A NULL-terminated array of the strings of a JSON array (absent: NULL, count 0). */
static int get_strings(const json_value *v, const char *field, char ***out, size_t *count) {
  *out = NULL;
  if (count) *count = 0;
  if (!v || v->type == JSON_NULL) return 0;
  if (expect_type(field, v, JSON_ARRAY) < 0) return -1;
  char **list = xcalloc(v->count + 1, sizeof(*list));
  for (size_t i = 0; i < v->count; i++) {
    if (v->items[i]->type != JSON_STRING) {
      free(list);
      return field_error(field, v->items[i], "must be an array of strings");
    }
    list[i] = v->items[i]->string;
  }
  *out = list;
  if (count) *count = v->count;
  return 0;
}

static int get_string_map(const json_value *v, const char *field, string_map *out) {
  if (!v || v->type == JSON_NULL) return 0;
  if (expect_type(field, v, JSON_OBJECT) < 0) return -1;
  out->keys = xcalloc(v->count, sizeof(char *));
  out->values = xcalloc(v->count, sizeof(char *));
  for (size_t i = 0; i < v->count; i++) {
    if (v->items[i]->type != JSON_STRING) return field_error(field, v->items[i], "values must be strings");
    out->keys[i] = v->keys[i];
    out->values[i] = v->items[i]->string;
  }
  out->count = v->count;
  return 0;
}

static int capability_set(const json_value *caps, const char *key, uint64_t *out) {
  char field[64];
  snprintf(field, sizeof(field), "process.capabilities.%s", key);
  char **list;
  size_t count;
  if (get_strings(json_get(caps, key), field, &list, &count) < 0) return -1;
  for (size_t i = 0; i < count; i++) {
    int cap = capability_from_name(list[i]);
    if (cap < 0) {
      char why[96];
      snprintf(why, sizeof(why), "unknown capability %.60s", list[i]);
      free(list);
      return field_error(field, json_get(caps, key), why);
    }
    *out |= 1ULL << cap;
  }
  free(list);
  return 0;
}

static const struct {
  const char *name;
  int resource;
} rlimit_names[] = {
    {"RLIMIT_AS", RLIMIT_AS},         {"RLIMIT_CORE", RLIMIT_CORE},     {"RLIMIT_CPU", RLIMIT_CPU},
    {"RLIMIT_DATA", RLIMIT_DATA},     {"RLIMIT_FSIZE", RLIMIT_FSIZE},   {"RLIMIT_LOCKS", RLIMIT_LOCKS},
    {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK}, {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE}, {"RLIMIT_NICE", RLIMIT_NICE},
    {"RLIMIT_NOFILE", RLIMIT_NOFILE}, {"RLIMIT_NPROC", RLIMIT_NPROC},   {"RLIMIT_RSS", RLIMIT_RSS},
    {"RLIMIT_RTPRIO", RLIMIT_RTPRIO}, {"RLIMIT_RTTIME", RLIMIT_RTTIME}, {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
    {"RLIMIT_STACK", RLIMIT_STACK},
};

static int parse_rlimits(const json_value *v, process_spec *out) {
  if (!v || v->type == JSON_NULL) return 0;
  if (expect_type("process.rlimits", v, JSON_ARRAY) < 0) return -1;
  out->rlimits = xcalloc(v->count, sizeof(*out->rlimits));
  for (size_t i = 0; i < v->count; i++) {
    const json_value *item = v->items[i];
    if (expect_type("process.rlimits[]", item, JSON_OBJECT) < 0) return -1;
    char *type = NULL;
    long long soft = 0, hard = 0;
    int has_soft = 0, has_hard = 0;
    if (get_string(item, "type", "process.rlimits[].type", &type) < 0 ||
        get_integer(item, "soft", "process.rlimits[].soft", &soft, &has_soft) < 0 ||
        get_integer(item, "hard", "process.rlimits[].hard", &hard, &has_hard) < 0)
      return -1;
    if (!type || !has_soft || !has_hard) return field_error("process.rlimits[]", item, "needs type, soft and hard");
    int resource = -1;
    for (size_t k = 0; k < sizeof(rlimit_names) / sizeof(rlimit_names[0]); k++)
      if (!strcmp(rlimit_names[k].name, type)) resource = rlimit_names[k].resource;
    if (resource < 0) return field_error("process.rlimits[].type", item, "unknown rlimit");
    out->rlimits[out->rlimit_count++] = (rlimit_spec){resource, (unsigned long long)soft, (unsigned long long)hard};
  }
  return 0;
}

int config_parse_process(const json_value *p, process_spec *out) {
  if (expect_type("process", p, JSON_OBJECT) < 0) return -1;
  const json_value *args = json_get(p, "args");
  size_t argc;
  if (get_strings(args, "process.args", &out->args, &argc) < 0) return -1;
  if (argc == 0) return field_error("process.args", args ? args : p, "must name the program to run");
  if (get_strings(json_get(p, "env"), "process.env", &out->env, NULL) < 0) return -1;
  if (!out->env) out->env = xcalloc(1, sizeof(char *));
  out->cwd = "/";
  if (get_string(p, "cwd", "process.cwd", &out->cwd) < 0 || get_bool(p, "terminal", "process.terminal", &out->terminal) < 0 ||
      get_bool(p, "noNewPrivileges", "process.noNewPrivileges", &out->no_new_privileges) < 0)
    return -1;
  if (out->cwd[0] != '/') return field_error("process.cwd", json_get(p, "cwd"), "must be an absolute path");
  const json_value *console = json_get(p, "consoleSize");
  if (console && console->type == JSON_OBJECT) {
    long long h = 0, w = 0;
    if (get_integer(console, "height", "process.consoleSize.height", &h, NULL) < 0 ||
        get_integer(console, "width", "process.consoleSize.width", &w, NULL) < 0)
      return -1;
    out->console_rows = (unsigned short)h;
    out->console_cols = (unsigned short)w;
  }
  const json_value *user = json_get(p, "user");
  if (user && user->type != JSON_NULL) {
    if (expect_type("process.user", user, JSON_OBJECT) < 0) return -1;
    long long uid = 0, gid = 0, umask_value = 0;
    if (get_integer(user, "uid", "process.user.uid", &uid, NULL) < 0 ||
        get_integer(user, "gid", "process.user.gid", &gid, NULL) < 0 ||
        get_integer(user, "umask", "process.user.umask", &umask_value, &out->has_umask) < 0)
      return -1;
    if (uid < 0 || uid > UINT32_MAX - 1 || gid < 0 || gid > UINT32_MAX - 1)
      return field_error("process.user", user, "uid and gid must be between 0 and 4294967294");
    out->uid = (uid_t)uid;
    out->gid = (gid_t)gid;
    out->umask = (mode_t)umask_value;
    const json_value *gids = json_get(user, "additionalGids");
    if (gids && gids->type != JSON_NULL) {
      if (expect_type("process.user.additionalGids", gids, JSON_ARRAY) < 0) return -1;
      out->additional_gids = xcalloc(gids->count, sizeof(gid_t));
      for (size_t i = 0; i < gids->count; i++) {
        if (gids->items[i]->type != JSON_NUMBER || !gids->items[i]->is_integer || gids->items[i]->integer < 0)
          return field_error("process.user.additionalGids", gids->items[i], "must be an array of group ids");
        out->additional_gids[i] = (gid_t)gids->items[i]->integer;
      }
      out->additional_gid_count = gids->count;
    }
  }
  if (parse_rlimits(json_get(p, "rlimits"), out) < 0) return -1;
  long long oom = 0;
  if (get_integer(p, "oomScoreAdj", "process.oomScoreAdj", &oom, &out->has_oom_score_adj) < 0) return -1;
  if (oom < -1000 || oom > 1000) return field_error("process.oomScoreAdj", json_get(p, "oomScoreAdj"), "must be between -1000 and 1000");
  out->oom_score_adj = (int)oom;
  const json_value *caps = json_get(p, "capabilities");
  if (caps && caps->type != JSON_NULL) {
    if (expect_type("process.capabilities", caps, JSON_OBJECT) < 0) return -1;
    out->has_capabilities = 1;
    if (capability_set(caps, "bounding", &out->bounding) < 0 || capability_set(caps, "effective", &out->effective) < 0 ||
        capability_set(caps, "inheritable", &out->inheritable) < 0 ||
        capability_set(caps, "permitted", &out->permitted) < 0 || capability_set(caps, "ambient", &out->ambient) < 0)
      return -1;
  }
  return 0;
}

static int parse_mounts(const json_value *v, config *cfg) {
  if (!v || v->type == JSON_NULL) return 0;
  if (expect_type("mounts", v, JSON_ARRAY) < 0) return -1;
  cfg->mounts = xcalloc(v->count, sizeof(*cfg->mounts));
  for (size_t i = 0; i < v->count; i++) {
    const json_value *m = v->items[i];
    mount_spec *out = &cfg->mounts[cfg->mount_count++];
    if (expect_type("mounts[]", m, JSON_OBJECT) < 0 || get_string(m, "destination", "mounts[].destination", &out->destination) < 0 ||
        get_string(m, "type", "mounts[].type", &out->type) < 0 || get_string(m, "source", "mounts[].source", &out->source) < 0 ||
        get_strings(json_get(m, "options"), "mounts[].options", &out->options, &out->option_count) < 0)
      return -1;
    if (!out->destination || out->destination[0] != '/')
      return field_error("mounts[].destination", m, "must be an absolute path inside the container");
  }
  return 0;
}

static const struct {
  const char *name;
  int flag;
} namespace_types[] = {
    {"pid", CLONE_NEWPID},  {"network", CLONE_NEWNET},  {"mount", CLONE_NEWNS}, {"ipc", CLONE_NEWIPC},
    {"uts", CLONE_NEWUTS},  {"user", CLONE_NEWUSER},    {"cgroup", CLONE_NEWCGROUP},
};

static int parse_namespaces(const json_value *v, config *cfg) {
  if (!v || v->type == JSON_NULL) return 0;
  if (expect_type("linux.namespaces", v, JSON_ARRAY) < 0) return -1;
  for (size_t i = 0; i < v->count; i++) {
    const json_value *ns = v->items[i];
    char *type = NULL, *path = NULL;
    if (expect_type("linux.namespaces[]", ns, JSON_OBJECT) < 0 ||
        get_string(ns, "type", "linux.namespaces[].type", &type) < 0 ||
        get_string(ns, "path", "linux.namespaces[].path", &path) < 0)
      return -1;
    int flag = 0;
    const char *name = NULL;
    for (size_t k = 0; k < sizeof(namespace_types) / sizeof(namespace_types[0]); k++)
      if (type && !strcmp(type, namespace_types[k].name)) flag = namespace_types[k].flag, name = namespace_types[k].name;
    if (!flag) return field_error("linux.namespaces[].type", ns, "unknown namespace type");
    if (flag == CLONE_NEWUSER)
      return field_error("linux.namespaces", ns, "user namespaces are not supported by tcrun");
    if (config_has_namespace(cfg, flag)) return field_error("linux.namespaces", ns, "namespace type listed twice");
    if (path && !*path) path = NULL;
    cfg->namespaces[cfg->namespace_count++] = (namespace_spec){flag, name, path};
  }
  return 0;
}

static int parse_devices(const json_value *v, config *cfg) {
  if (!v || v->type == JSON_NULL) return 0;
  if (expect_type("linux.devices", v, JSON_ARRAY) < 0) return -1;
  cfg->devices = xcalloc(v->count, sizeof(*cfg->devices));
  for (size_t i = 0; i < v->count; i++) {
    const json_value *d = v->items[i];
    device_spec *out = &cfg->devices[cfg->device_count++];
    char *type = NULL;
    long long mode = 0, uid = 0, gid = 0;
    if (expect_type("linux.devices[]", d, JSON_OBJECT) < 0 || get_string(d, "path", "linux.devices[].path", &out->path) < 0 ||
        get_string(d, "type", "linux.devices[].type", &type) < 0 ||
        get_integer(d, "major", "linux.devices[].major", &out->major, NULL) < 0 ||
        get_integer(d, "minor", "linux.devices[].minor", &out->minor, NULL) < 0 ||
        get_integer(d, "fileMode", "linux.devices[].fileMode", &mode, &out->has_mode) < 0 ||
        get_integer(d, "uid", "linux.devices[].uid", &uid, NULL) < 0 ||
        get_integer(d, "gid", "linux.devices[].gid", &gid, NULL) < 0)
      return -1;
    if (!out->path || out->path[0] != '/' || !type || strlen(type) != 1 || !strchr("cbup", type[0]))
      return field_error("linux.devices[]", d, "needs an absolute path and a type c, b, u or p");
    out->type = type[0];
    out->mode = (mode_t)mode;
    out->uid = (uid_t)uid;
    out->gid = (gid_t)gid;
  }
  return 0;
}

static int parse_device_rules(const json_value *v, resources_spec *r) {
  if (!v || v->type == JSON_NULL) return 0;
  if (expect_type("linux.resources.devices", v, JSON_ARRAY) < 0) return -1;
  r->devices = xcalloc(v->count, sizeof(*r->devices));
  for (size_t i = 0; i < v->count; i++) {
    const json_value *d = v->items[i];
    device_rule *out = &r->devices[r->device_count++];
    char *type = "a";
    out->major = out->minor = -1;
    out->access = "rwm";
    if (expect_type("linux.resources.devices[]", d, JSON_OBJECT) < 0 ||
        get_bool(d, "allow", "linux.resources.devices[].allow", &out->allow) < 0 ||
        get_string(d, "type", "linux.resources.devices[].type", &type) < 0 ||
        get_integer(d, "major", "linux.resources.devices[].major", &out->major, NULL) < 0 ||
        get_integer(d, "minor", "linux.resources.devices[].minor", &out->minor, NULL) < 0 ||
        get_string(d, "access", "linux.resources.devices[].access", &out->access) < 0)
      return -1;
    if (strlen(type) != 1 || !strchr("acb", type[0]))
      return field_error("linux.resources.devices[].type", d, "must be a, c or b");
    if (strspn(out->access, "rwm") != strlen(out->access))
      return field_error("linux.resources.devices[].access", d, "must be made of r, w and m");
    out->type = type[0];
  }
  return 0;
}

static int parse_resources(const json_value *v, resources_spec *r) {
  if (!v || v->type == JSON_NULL) return 0;
  if (expect_type("linux.resources", v, JSON_OBJECT) < 0) return -1;
  const json_value *memory = json_get(v, "memory");
  if (memory && memory->type == JSON_OBJECT &&
      (get_integer(memory, "limit", "linux.resources.memory.limit", &r->memory_limit, &r->has_memory_limit) < 0 ||
       get_integer(memory, "swap", "linux.resources.memory.swap", &r->memory_swap, &r->has_memory_swap) < 0 ||
       get_integer(memory, "reservation", "linux.resources.memory.reservation", &r->memory_reservation,
                   &r->has_memory_reservation) < 0))
    return -1;
  const json_value *cpu = json_get(v, "cpu");
  long long shares = 0, period = 0;
  if (cpu && cpu->type == JSON_OBJECT &&
      (get_integer(cpu, "shares", "linux.resources.cpu.shares", &shares, &r->has_cpu_shares) < 0 ||
       get_integer(cpu, "quota", "linux.resources.cpu.quota", &r->cpu_quota, &r->has_cpu_quota) < 0 ||
       get_integer(cpu, "period", "linux.resources.cpu.period", &period, &r->has_cpu_period) < 0 ||
       get_string(cpu, "cpus", "linux.resources.cpu.cpus", &r->cpuset_cpus) < 0 ||
       get_string(cpu, "mems", "linux.resources.cpu.mems", &r->cpuset_mems) < 0))
    return -1;
  r->cpu_shares = (unsigned long long)shares;
  r->cpu_period = (unsigned long long)period;
  const json_value *pids = json_get(v, "pids");
  if (pids && pids->type == JSON_OBJECT &&
      get_integer(pids, "limit", "linux.resources.pids.limit", &r->pids_limit, &r->has_pids_limit) < 0)
    return -1;
  return parse_device_rules(json_get(v, "devices"), r);
}

static int parse_propagation(const json_value *linux_obj, config *cfg) {
  char *value = NULL;
  if (get_string(linux_obj, "rootfsPropagation", "linux.rootfsPropagation", &value) < 0) return -1;
  if (!value) return 0;
  static const struct {
    const char *name;
    unsigned long flags;
  } kinds[] = {
      {"private", MS_PRIVATE}, {"rprivate", MS_PRIVATE | MS_REC}, {"slave", MS_SLAVE},
      {"rslave", MS_SLAVE | MS_REC}, {"shared", MS_SHARED}, {"rshared", MS_SHARED | MS_REC},
      {"unbindable", MS_UNBINDABLE}, {"runbindable", MS_UNBINDABLE | MS_REC},
  };
  for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
    if (!strcmp(kinds[i].name, value)) cfg->rootfs_propagation = kinds[i].flags;
  if (!cfg->rootfs_propagation)
    return field_error("linux.rootfsPropagation", json_get(linux_obj, "rootfsPropagation"),
                       "must be private, slave, shared or unbindable (optionally r-prefixed)");
  return 0;
}

static int parse_linux(const json_value *v, config *cfg) {
  if (!v || v->type == JSON_NULL) return 0;
  if (expect_type("linux", v, JSON_OBJECT) < 0) return -1;
  if (parse_namespaces(json_get(v, "namespaces"), cfg) < 0 || parse_devices(json_get(v, "devices"), cfg) < 0 ||
      parse_resources(json_get(v, "resources"), &cfg->resources) < 0 ||
      get_string(v, "cgroupsPath", "linux.cgroupsPath", &cfg->cgroups_path) < 0 ||
      get_string_map(json_get(v, "sysctl"), "linux.sysctl", &cfg->sysctl) < 0 ||
      get_strings(json_get(v, "maskedPaths"), "linux.maskedPaths", &cfg->masked_paths, &cfg->masked_count) < 0 ||
      get_strings(json_get(v, "readonlyPaths"), "linux.readonlyPaths", &cfg->readonly_paths, &cfg->readonly_count) < 0 ||
      parse_propagation(v, cfg) < 0)
    return -1;
  const json_value *seccomp = json_get(v, "seccomp");
  if (seccomp && seccomp->type != JSON_NULL) {
    if (expect_type("linux.seccomp", seccomp, JSON_OBJECT) < 0) return -1;
    cfg->seccomp = (json_value *)seccomp;
  }
  return 0;
}

static int parse_document(const json_value *doc, config *cfg) {
  if (expect_type("(top level)", doc, JSON_OBJECT) < 0) return -1;
  if (get_string(doc, "ociVersion", "ociVersion", &cfg->oci_version) < 0) return -1;
  if (!cfg->oci_version) return field_error("ociVersion", doc, "is required");
  const json_value *root = json_get(doc, "root");
  char *root_path = NULL;
  if (!root || expect_type("root", root, JSON_OBJECT) < 0) return root ? -1 : field_error("root", doc, "is required");
  if (get_string(root, "path", "root.path", &root_path) < 0 || get_bool(root, "readonly", "root.readonly", &cfg->root_readonly) < 0)
    return -1;
  if (!root_path || !*root_path) return field_error("root.path", root, "is required");
  cfg->root_path = root_path[0] == '/' ? xstrdup(root_path) : xasprintf("%s/%s", cfg->bundle, root_path);
  if (get_string(doc, "hostname", "hostname", &cfg->hostname) < 0 || get_string(doc, "domainname", "domainname", &cfg->domainname) < 0 ||
      parse_mounts(json_get(doc, "mounts"), cfg) < 0 || parse_linux(json_get(doc, "linux"), cfg) < 0 ||
      get_string_map(json_get(doc, "annotations"), "annotations", &cfg->annotations) < 0)
    return -1;
  const json_value *process = json_get(doc, "process");
  if (process && process->type != JSON_NULL) {
    cfg->has_process = 1;
    if (config_parse_process(process, &cfg->process) < 0) return -1;
  }
  const char *init = config_annotation(cfg, "org.tcompose.init");
  cfg->use_init = init && (!strcmp(init, "true") || !strcmp(init, "1"));
  return 0;
}

config *config_load(const char *bundle) {
  config *cfg = xcalloc(1, sizeof(*cfg));
  cfg->bundle = absolute_path(bundle);
  char *path = xasprintf("%s/config.json", cfg->bundle);
  size_t len;
  char *text = read_file(path, &len);
  if (!text) {
    if (errno == ENOENT)
      fail("bundle %s: %s", cfg->bundle, access(cfg->bundle, F_OK) == 0 ? "config.json not found" : "no such directory");
    else
      fail_errno("bundle %s: read config.json", cfg->bundle);
    free(path);
    return NULL;
  }
  free(path);
  cfg->document = json_parse(text, len);
  free(text);
  if (!cfg->document) {
    fail_context("bundle %s: config.json", cfg->bundle);
    return NULL;
  }
  if (parse_document(cfg->document, cfg) < 0) {
    fail_context("bundle %s", cfg->bundle);
    return NULL;
  }
  return cfg;
}

int config_has_namespace(const config *cfg, int flag) { return config_namespace(cfg, flag) != NULL; }

const namespace_spec *config_namespace(const config *cfg, int flag) {
  for (size_t i = 0; i < cfg->namespace_count; i++)
    if (cfg->namespaces[i].flag == flag) return &cfg->namespaces[i];
  return NULL;
}

const char *config_annotation(const config *cfg, const char *key) {
  for (size_t i = 0; i < cfg->annotations.count; i++)
    if (!strcmp(cfg->annotations.keys[i], key)) return cfg->annotations.values[i];
  return NULL;
}

static void free_process(process_spec *p) {
  free(p->args);
  free(p->env);
  free(p->additional_gids);
  free(p->rlimits);
}

void config_free(config *cfg) {
  if (!cfg) return;
  free_process(&cfg->process);
  for (size_t i = 0; i < cfg->mount_count; i++) free(cfg->mounts[i].options);
  free(cfg->mounts);
  free(cfg->devices);
  free(cfg->resources.devices);
  free(cfg->sysctl.keys);
  free(cfg->sysctl.values);
  free(cfg->annotations.keys);
  free(cfg->annotations.values);
  free(cfg->masked_paths);
  free(cfg->readonly_paths);
  free(cfg->root_path);
  free(cfg->bundle);
  json_free(cfg->document);
  free(cfg);
}
