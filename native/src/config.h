/* The OCI config.json of a bundle, read into plain C structures and validated. */
#ifndef TCRUN_CONFIG_H
#define TCRUN_CONFIG_H

#include <stdint.h>
#include <sys/types.h>

#include "json.h"

typedef struct {
  char *destination, *type, *source;
  char **options;
  size_t option_count;
} mount_spec;

typedef struct {
  int flag; /* CLONE_NEW* */
  const char *name;
  char *path; /* join this namespace, or NULL for a new one */
} namespace_spec;

typedef struct {
  int resource;
  unsigned long long soft, hard;
} rlimit_spec;

typedef struct {
  char *path;
  char type; /* c, b, u, p */
  long long major, minor;
  int has_mode;
  mode_t mode;
  uid_t uid;
  gid_t gid;
} device_spec;

typedef struct {
  int allow;
  char type; /* a, c, b */
  long long major, minor; /* -1: any */
  char *access;
} device_rule;

typedef struct {
  int has_memory_limit, has_memory_swap, has_memory_reservation;
  long long memory_limit, memory_swap, memory_reservation;
  int has_cpu_shares, has_cpu_quota, has_cpu_period;
  unsigned long long cpu_shares, cpu_period;
  long long cpu_quota;
  char *cpuset_cpus, *cpuset_mems;
  int has_pids_limit;
  long long pids_limit;
  device_rule *devices;
  size_t device_count;
} resources_spec;

typedef struct {
  char **keys, **values;
  size_t count;
} string_map;

typedef struct {
  int terminal;
  unsigned short console_rows, console_cols;
  char **args; /* NULL-terminated */
  char **env;  /* NULL-terminated */
  char *cwd;
  uid_t uid;
  gid_t gid;
  gid_t *additional_gids;
  size_t additional_gid_count;
  int has_umask;
  mode_t umask;
  rlimit_spec *rlimits;
  size_t rlimit_count;
  int no_new_privileges;
  int has_oom_score_adj;
  int oom_score_adj;
  int has_capabilities;
  uint64_t bounding, effective, inheritable, permitted, ambient;
} process_spec;

typedef struct config {
  char *bundle;
  char *oci_version;
  char *root_path; /* absolute */
  int root_readonly;
  char *hostname, *domainname;
  int has_process;
  process_spec process;
  mount_spec *mounts;
  size_t mount_count;
  namespace_spec namespaces[8];
  size_t namespace_count;
  char *cgroups_path;
  resources_spec resources;
  string_map sysctl;
  string_map annotations;
  char **masked_paths, **readonly_paths;
  size_t masked_count, readonly_count;
  unsigned long rootfs_propagation; /* MS_* flags, 0 when unset */
  device_spec *devices;
  size_t device_count;
  json_value *seccomp; /* linux.seccomp, translated by seccomp.c */
  int use_init;        /* annotation org.tcompose.init=true */
  json_value *document;
} config;

/* Reads <bundle>/config.json. Errors read "config.json: process.args: why (line N)". */
config *config_load(const char *bundle);
void config_free(config *cfg);
int config_has_namespace(const config *cfg, int flag);
const namespace_spec *config_namespace(const config *cfg, int flag);
const char *config_annotation(const config *cfg, const char *key);
/* Fills process fields from a JSON "process" object, shared with exec. */
int config_parse_process(const json_value *process, process_spec *out);

#endif
