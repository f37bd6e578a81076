#include "commands.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "capabilities.h"
#include "config.h"
#include "seccomp.h"
#include "signals.h"
#include "state.h"
#include "util.h"

static void sleep_ms(long ms) {
  struct timespec t = {ms / 1000, (ms % 1000) * 1000000};
  nanosleep(&t, NULL);
}

/* Absolute paths, so that the monitor (cwd /) writes where the caller meant. */
static const char *absolute_or_null(const char *path) { return path ? absolute_path(path) : NULL; }

/* Validates, then makes the state dir (its existence is the ID's reservation) and a private copy of config.json. */
static int prepare(const global_options *g, const char *id, create_options *o) {
  if (!valid_container_id(id)) return fail("invalid container ID (letters, digits, '_', '.', '-'; not starting with '.')");
  config *cfg = config_load(o->bundle ? o->bundle : ".");
  if (!cfg) return -1;
  if (mkdir_p(g->root, 0700) < 0) return -1;
  char *dir = state_dir_of(g->root, id);
  if (mkdir(dir, 0700) < 0) {
    int exists = errno == EEXIST;
    fail_errno("state directory %s", dir);
    free(dir);
    return exists ? fail("container %s already exists", id) : -1;
  }
  char *source = xasprintf("%s/config.json", cfg->bundle), *copy = xasprintf("%s/config.json", dir);
  size_t len;
  char *text = read_file(source, &len);
  int rc = text ? write_file_atomic(copy, text, len, 0600) : fail_errno("read %s", source);
  free(text);
  free(source);
  free(copy);
  if (rc < 0) {
    remove_tree(dir);
    free(dir);
    return -1;
  }
  monitor_options *m = &o->monitor;
  m->id = id;
  m->state_dir = dir;
  m->cfg = cfg;
  m->log_path = absolute_or_null(m->log_path);
  m->exit_file = absolute_or_null(m->exit_file);
  m->attach_socket = absolute_or_null(m->attach_socket);
  m->monitor_pid_file = absolute_or_null(m->monitor_pid_file);
  m->debug_log = absolute_or_null(g->debug_log);
  return 0;
}

/* "-" prints the pid instead: a caller that reads our output anyway needs no file. */
static int write_pid_file(const char *path, pid_t pid) {
  if (!path) return 0;
  char text[24];
  int n = snprintf(text, sizeof(text), "%d", pid);
  if (!strcmp(path, "-")) return printf("%s\n", text) < 0 || fflush(stdout) ? fail_errno("stdout") : 0;
  return write_file_atomic(path, text, (size_t)n, 0644);
}

int cmd_create(const global_options *g, const char *id, create_options *o) {
  if (prepare(g, id, o) < 0) return -1;
  pid_t pid = monitor_spawn(&o->monitor);
  if (pid < 0) return -1;
  return write_pid_file(o->pid_file, pid);
}

int cmd_run(const global_options *g, const char *id, create_options *o) {
  if (o->in_place && !o->detach) return fail("--in-place needs --detach");
  if (!o->detach) {
    if (prepare(g, id, o) < 0) return -1;
    int status = monitor_foreground(&o->monitor);
    return status;
  }
  /* The monitor starts the program as soon as the container is created and answers once it is exec'd. */
  o->monitor.start_now = 1;
  if (o->in_place) return prepare(g, id, o) < 0 ? -1 : monitor_become(&o->monitor);
  return cmd_create(g, id, o);
}

/* Waits until the monitor removes the start fifo (the program started), it dies, or 30 s pass. */
static int await_started(const container_state *st, const char *fifo) {
  int ino = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
  if (ino >= 0) inotify_add_watch(ino, st->dir, IN_DELETE);
  int rc = -1;
  for (int waited = 0; waited < 30000; waited += 100) {
    if (access(fifo, F_OK) != 0) {
      rc = 0;
      break;
    }
    if (!process_alive(st->monitor_pid, st->monitor_start)) {
      fail("the container's monitor is gone");
      break;
    }
    struct pollfd p = {ino, POLLIN, 0};
    if (poll(&p, 1, 100) > 0) {
      char buf[4096];
      while (read(ino, buf, sizeof(buf)) > 0) continue;
    }
  }
  if (rc < 0 && access(fifo, F_OK) == 0 && process_alive(st->monitor_pid, st->monitor_start))
    fail("timed out waiting for the program to start");
  if (ino >= 0) close(ino);
  return rc;
}

int cmd_start(const global_options *g, const char *id) {
  container_state st;
  if (state_read(g->root, id, &st) < 0) return -1;
  const char *status = state_status(&st);
  if (strcmp(status, "created")) return fail("container %s is %s, not created", id, status);
  char *fifo = xasprintf("%s/%s", st.dir, START_FIFO);
  int fd = open(fifo, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return fail_errno("container %s: start", id);
  int rc = write(fd, "s", 1) == 1 ? 0 : fail_errno("container %s: start", id);
  close(fd);
  if (rc == 0) rc = await_started(&st, fifo);
  free(fifo);
  char *error_path = xasprintf("%s/%s", st.dir, START_ERROR);
  char *error = read_file(error_path, NULL);
  free(error_path);
  if (error) rc = fail("%s", error);
  free(error);
  state_free(&st);
  return rc < 0 ? -1 : 0;
}

int cmd_state(const global_options *g, const char *id) {
  container_state st;
  if (state_read(g->root, id, &st) < 0) return -1;
  strbuf out = {0};
  state_to_json(&st, &out);
  puts(out.data);
  sb_free(&out);
  state_free(&st);
  return 0;
}

static void kill_all(const container_state *st, int sig) {
  pid_t pids[4096];
  int n = cgroup_pids(&st->cgroup, pids, 4096);
  for (int i = 0; i < n; i++) kill(pids[i], sig);
}

int cmd_kill(const global_options *g, const char *id, const char *signal_name, int all) {
  int sig = signal_from_string(signal_name ? signal_name : "TERM");
  if (sig < 0) return fail("unknown signal %s", signal_name);
  container_state st;
  if (state_read(g->root, id, &st) < 0) return -1;
  const char *status = state_status(&st);
  if (!strcmp(status, "stopped") || !strcmp(status, "creating"))
    return fail("container %s is %s: nothing to signal", id, status);
  if (all) kill_all(&st, sig);
  else if (kill(st.pid, sig) < 0) return fail_errno("kill %d", st.pid);
  state_free(&st);
  return 0;
}

static int wait_until_dead(pid_t pid, unsigned long long start, int ms) {
  for (int waited = 0; waited < ms; waited += 5) {
    if (!process_alive(pid, start)) return 0;
    sleep_ms(5);
  }
  return -1;
}

/* Kills every process of the container and waits for the init and then the monitor to finish. */
static int stop_everything(container_state *st) {
  int paused = cgroup_is_frozen(&st->cgroup);
  kill_all(st, SIGKILL);
  if (st->pid > 0 && process_alive(st->pid, st->pid_start)) kill(st->pid, SIGKILL);
  if (paused) cgroup_freeze(&st->cgroup, 0);
  if (wait_until_dead(st->pid, st->pid_start, 10000) < 0) return fail("process %d does not die", st->pid);
  for (int round = 0; round < 100; round++) {
    pid_t pids[16];
    if (cgroup_pids(&st->cgroup, pids, 16) <= 0) break;
    kill_all(st, SIGKILL);
    sleep_ms(10);
  }
  return 0;
}

int cmd_delete(const global_options *g, const char *id, int force) {
  container_state st;
  if (state_read(g->root, id, &st) < 0) {
    if (force && valid_container_id(id)) return 0;
    return -1;
  }
  const char *status = state_status(&st);
  if (!strcmp(status, "creating") && !force) return fail("container %s is being created", id);
  if (strcmp(status, "stopped") && strcmp(status, "created") && !force)
    return fail("container %s is %s: stop it first or use --force", id, status);
  if (strcmp(status, "stopped") && stop_everything(&st) < 0) return -1;
  /* The monitor writes the rest of the log and the exit file, then exits. */
  if (st.monitor_pid > 0 && wait_until_dead(st.monitor_pid, st.monitor_start, 5000) < 0) {
    kill(st.monitor_pid, SIGKILL);
    wait_until_dead(st.monitor_pid, st.monitor_start, 1000);
  }
  if (st.attach_socket) unlink(st.attach_socket);
  int rc = cgroup_destroy(&st.cgroup);
  if (remove_tree(st.dir) < 0) rc = -1;
  state_free(&st);
  return rc < 0 ? -1 : 0;
}

int cmd_pause(const global_options *g, const char *id, int frozen) {
  container_state st;
  if (state_read(g->root, id, &st) < 0) return -1;
  const char *status = state_status(&st);
  if (strcmp(status, frozen ? "running" : "paused"))
    return fail("container %s is %s, not %s", id, status, frozen ? "running" : "paused");
  int rc = cgroup_freeze(&st.cgroup, frozen);
  state_free(&st);
  return rc < 0 ? -1 : 0;
}

int cmd_list(const global_options *g, int json) {
  DIR *dir = opendir(g->root);
  strbuf out = {0};
  if (json) sb_puts(&out, "[");
  else sb_printf(&out, "%-24s %-8s %-10s %-40s %s\n", "ID", "PID", "STATUS", "BUNDLE", "CREATED");
  int first = 1;
  struct dirent *entry;
  while (dir && (entry = readdir(dir))) {
    if (entry->d_name[0] == '.') continue;
    container_state st;
    if (state_read(g->root, entry->d_name, &st) < 0) continue;
    if (json) {
      if (!first) sb_puts(&out, ",");
      state_to_json(&st, &out);
    } else {
      const char *status = state_status(&st);
      sb_printf(&out, "%-24s %-8d %-10s %-40s %s\n", st.id, strcmp(status, "stopped") ? st.pid : 0, status,
                st.bundle ? st.bundle : "", st.created ? st.created : "");
    }
    first = 0;
    state_free(&st);
  }
  if (dir) closedir(dir);
  if (json) sb_puts(&out, "]\n");
  fputs(out.data, stdout);
  sb_free(&out);
  return 0;
}

int cmd_exec(const global_options *g, const char *id, const exec_options *o) {
  int status = exec_in_container(g->root, id, o);
  return status;
}

int cmd_features(void) {
  strbuf out = {0};
  sb_puts(&out, "{\n  \"ociVersionMin\": \"1.0.0\",\n  \"ociVersionMax\": \"1.1.0\",\n  \"hooks\": [],\n");
  sb_puts(&out, "  \"mountOptions\": [\"bind\", \"rbind\", \"ro\", \"rw\", \"nosuid\", \"suid\", \"nodev\", \"dev\", "
                "\"noexec\", \"exec\", \"sync\", \"async\", \"dirsync\", \"remount\", \"mand\", \"nomand\", \"atime\", "
                "\"noatime\", \"diratime\", \"nodiratime\", \"relatime\", \"norelatime\", \"strictatime\", "
                "\"nostrictatime\", \"nosymfollow\", \"private\", \"rprivate\", \"shared\", \"rshared\", \"slave\", "
                "\"rslave\", \"unbindable\", \"runbindable\"],\n");
  sb_puts(&out, "  \"linux\": {\n    \"namespaces\": [\"cgroup\", \"ipc\", \"mount\", \"network\", \"pid\", \"uts\"],\n");
  sb_puts(&out, "    \"capabilities\": [");
  for (int i = 0; i < capability_count(); i++) sb_printf(&out, "%s\"%s\"", i ? ", " : "", capability_name(i));
  sb_puts(&out, "],\n    \"cgroup\": {\"v1\": true, \"v2\": true, \"systemd\": false, \"systemdUser\": false},\n");
  sb_printf(&out, "    \"seccomp\": {\"enabled\": %s", seccomp_available() ? "true" : "false");
  if (seccomp_available())
    sb_puts(&out, ", \"actions\": [\"SCMP_ACT_ALLOW\", \"SCMP_ACT_ERRNO\", \"SCMP_ACT_KILL\", \"SCMP_ACT_KILL_PROCESS\", "
                  "\"SCMP_ACT_KILL_THREAD\", \"SCMP_ACT_LOG\", \"SCMP_ACT_TRACE\", \"SCMP_ACT_TRAP\"], \"operators\": "
                  "[\"SCMP_CMP_EQ\", \"SCMP_CMP_GE\", \"SCMP_CMP_GT\", \"SCMP_CMP_LE\", \"SCMP_CMP_LT\", "
                  "\"SCMP_CMP_MASKED_EQ\", \"SCMP_CMP_NE\"], \"archs\": [\"SCMP_ARCH_X86_64\", \"SCMP_ARCH_X86\", "
                  "\"SCMP_ARCH_X32\", \"SCMP_ARCH_AARCH64\", \"SCMP_ARCH_ARM\"]");
  sb_puts(&out, "},\n    \"apparmor\": {\"enabled\": false},\n    \"selinux\": {\"enabled\": false}\n  },\n");
  sb_puts(&out, "  \"annotations\": {\"org.tcompose.init\": \"supported\", \"org.tcompose.rootfs.overlay\": \"supported\"}\n}\n");
  fputs(out.data, stdout);
  sb_free(&out);
  return 0;
}
