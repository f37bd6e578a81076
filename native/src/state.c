#include "state.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

int valid_container_id(const char *id) {
  if (!id || !*id || strlen(id) > 200 || id[0] == '.') return 0;
  for (const char *p = id; *p; p++)
    if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || strchr("_.-", *p)))
      return 0;
  return 1;
}

char *state_dir_of(const char *root, const char *id) { return xasprintf("%s/%s", root, id); }

int process_alive(pid_t pid, unsigned long long start_time) {
  if (pid <= 0) return 0;
  unsigned long long now = process_start_time(pid);
  return now != 0 && (start_time == 0 || now == start_time);
}

static void write_string_field(strbuf *sb, const char *key, const char *value) {
  sb_printf(sb, ",\"%s\":", key);
  json_write_string(sb, value ? value : "", value ? strlen(value) : 0);
}

int state_write(const container_state *st) {
  strbuf sb = {0};
  sb_puts(&sb, "{\"ociVersion\":\"1.0.2\"");
  write_string_field(&sb, "id", st->id);
  write_string_field(&sb, "bundle", st->bundle);
  write_string_field(&sb, "created", st->created);
  sb_printf(&sb, ",\"pid\":%d,\"pidStart\":%llu,\"monitorPid\":%d,\"monitorStart\":%llu", st->pid, st->pid_start,
            st->monitor_pid, st->monitor_start);
  if (st->attach_socket) write_string_field(&sb, "attachSocket", st->attach_socket);
  write_string_field(&sb, "cgroupPath", st->cgroup.path);
  sb_puts(&sb, ",\"cgroupDirs\":[");
  for (size_t i = 0; i < st->cgroup.count; i++) {
    if (i) sb_puts(&sb, ",");
    json_write_string(&sb, st->cgroup.dirs[i], strlen(st->cgroup.dirs[i]));
  }
  sb_puts(&sb, "],\"cgroupControllers\":[");
  for (size_t i = 0; i < st->cgroup.count; i++) {
    if (i) sb_puts(&sb, ",");
    json_write_string(&sb, st->cgroup.controllers[i], strlen(st->cgroup.controllers[i]));
  }
  sb_puts(&sb, "],\"cgroupCreated\":[");
  for (size_t i = 0; i < st->cgroup.created_count; i++) {
    if (i) sb_puts(&sb, ",");
    json_write_string(&sb, st->cgroup.created[i], strlen(st->cgroup.created[i]));
  }
  sb_printf(&sb, "],\"cgroupUnified\":%s", st->cgroup.unified ? "true" : "false");
  sb_puts(&sb, ",\"annotations\":{");
  for (size_t i = 0; st->annotations && i < st->annotations->count; i++) {
    if (i) sb_puts(&sb, ",");
    json_write_string(&sb, st->annotations->keys[i], strlen(st->annotations->keys[i]));
    sb_puts(&sb, ":");
    const json_value *v = st->annotations->items[i];
    json_write_string(&sb, v->string ? v->string : "", v->length);
  }
  sb_puts(&sb, "}}\n");
  char *path = xasprintf("%s/state.json", st->dir);
  int rc = write_file_atomic(path, sb.data, sb.len, 0600);
  free(path);
  sb_free(&sb);
  return rc;
}

static char *string_member(const json_value *doc, const char *key) {
  const json_value *v = json_get(doc, key);
  return v && v->type == JSON_STRING ? xstrdup(v->string) : NULL;
}

static long long integer_member(const json_value *doc, const char *key) {
  const json_value *v = json_get(doc, key);
  return v && v->type == JSON_NUMBER ? v->integer : 0;
}

static size_t string_list(const json_value *v, char **out, size_t max) {
  size_t n = 0;
  for (size_t i = 0; v && v->type == JSON_ARRAY && i < v->count && n < max; i++)
    if (v->items[i]->type == JSON_STRING) out[n++] = xstrdup(v->items[i]->string);
  return n;
}

int state_read(const char *root, const char *id, container_state *out) {
  memset(out, 0, sizeof(*out));
  if (!valid_container_id(id)) return fail("invalid container ID (letters, digits, '_', '.', '-')");
  out->id = xstrdup(id);
  out->dir = state_dir_of(root, id);
  char *path = xasprintf("%s/state.json", out->dir);
  size_t len;
  char *text = read_file(path, &len);
  free(path);
  if (!text) {
    if (errno == ENOENT && access(out->dir, F_OK) == 0) return 0; /* still being created */
    return fail("container %s does not exist", id);
  }
  out->document = json_parse(text, len);
  free(text);
  if (!out->document) return fail_context("state of container %s", id);
  const json_value *doc = out->document;
  out->bundle = string_member(doc, "bundle");
  out->created = string_member(doc, "created");
  out->attach_socket = string_member(doc, "attachSocket");
  out->pid = (pid_t)integer_member(doc, "pid");
  out->pid_start = (unsigned long long)integer_member(doc, "pidStart");
  out->monitor_pid = (pid_t)integer_member(doc, "monitorPid");
  out->monitor_start = (unsigned long long)integer_member(doc, "monitorStart");
  out->cgroup.path = string_member(doc, "cgroupPath");
  const json_value *unified = json_get(doc, "cgroupUnified");
  out->cgroup.unified = unified && unified->boolean;
  out->cgroup.count = string_list(json_get(doc, "cgroupDirs"), out->cgroup.dirs, CGROUP_MAX_DIRS);
  if (string_list(json_get(doc, "cgroupControllers"), out->cgroup.controllers, CGROUP_MAX_DIRS) != out->cgroup.count)
    return fail("state of container %s: cgroup directories and controllers differ", id);
  out->cgroup.created_count =
      string_list(json_get(doc, "cgroupCreated"), out->cgroup.created, sizeof(out->cgroup.created) / sizeof(char *));
  out->annotations = json_get(doc, "annotations");
  return 0;
}

void state_free(container_state *st) {
  free(st->id);
  free(st->dir);
  free(st->bundle);
  free(st->created);
  free(st->attach_socket);
  cgroup_free(&st->cgroup);
  json_free(st->document);
  memset(st, 0, sizeof(*st));
}

const char *state_status(const container_state *st) {
  if (!st->document) return "creating";
  if (!process_alive(st->pid, st->pid_start)) return "stopped";
  char *fifo = xasprintf("%s/%s", st->dir, START_FIFO);
  int created = access(fifo, F_OK) == 0;
  free(fifo);
  if (created) return "created";
  if (cgroup_is_frozen(&st->cgroup)) return "paused";
  return "running";
}

void state_to_json(const container_state *st, strbuf *out) {
  const char *status = state_status(st);
  sb_puts(out, "{\"ociVersion\":\"1.0.2\",\"id\":");
  json_write_string(out, st->id, strlen(st->id));
  sb_printf(out, ",\"status\":\"%s\",\"pid\":%d,\"bundle\":", status, strcmp(status, "stopped") ? st->pid : 0);
  json_write_string(out, st->bundle ? st->bundle : "", st->bundle ? strlen(st->bundle) : 0);
  if (st->created) {
    sb_puts(out, ",\"created\":");
    json_write_string(out, st->created, strlen(st->created));
  }
  sb_puts(out, ",\"annotations\":{");
  for (size_t i = 0; st->annotations && i < st->annotations->count; i++) {
    if (i) sb_puts(out, ",");
    json_write_string(out, st->annotations->keys[i], strlen(st->annotations->keys[i]));
    sb_puts(out, ":");
    const json_value *v = st->annotations->items[i];
    json_write_string(out, v->string ? v->string : "", v->length);
  }
  sb_puts(out, "}}");
}
