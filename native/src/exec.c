#include "exec.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"
#include "namespaces.h"
#include "process.h"
#include "signals.h"
#include "state.h"
#include "terminal.h"
#include "util.h"

/* The container's env with each K=V of --env replacing the same K. */
static char **merge_env(char **base, char **extra, size_t extra_count) {
  size_t n = 0;
  while (base && base[n]) n++;
  char **env = xcalloc(n + extra_count + 1, sizeof(char *));
  size_t count = 0;
  for (size_t i = 0; i < n; i++) env[count++] = base[i];
  for (size_t i = 0; i < extra_count; i++) {
    size_t key = strcspn(extra[i], "=");
    size_t k = 0;
    while (k < count && !(strncmp(env[k], extra[i], key) == 0 && env[k][key] == '=')) k++;
    env[k] = extra[i];
    if (k == count) count++;
  }
  return env;
}

static int parse_user(const char *user, process_spec *p) {
  unsigned long long uid, gid;
  char *copy = xstrdup(user);
  char *colon = strchr(copy, ':');
  if (colon) *colon = '\0';
  int ok = parse_ulong(copy, &uid) == 0 && (!colon || parse_ulong(colon + 1, &gid) == 0);
  free(copy);
  if (!ok) return fail("--user %s: expected UID[:GID] (numbers)", user);
  p->uid = (uid_t)uid;
  p->gid = colon ? (gid_t)gid : (gid_t)uid;
  p->additional_gids = NULL;
  p->additional_gid_count = 0;
  return 0;
}

/* A detached process keeps nothing of the caller: its stdio is /dev/null. */
static void detach_stdio(void) {
  int null = open("/dev/null", O_RDWR | O_CLOEXEC);
  for (int fd = 0; fd < 3; fd++) dup2(null, fd);
}

static void child_process(const container_state *st, const exec_options *o, const process_spec *p,
                          const json_value *seccomp, int pty_socket) __attribute__((noreturn));
static void child_process(const container_state *st, const exec_options *o, const process_spec *p,
                          const json_value *seccomp, int pty_socket) {
  if (o->detach && pty_socket < 0) detach_stdio();
  for (size_t i = 0; i < st->cgroup.count; i++) {
    char *procs = xasprintf("%s/cgroup.procs", st->cgroup.dirs[i]);
    if (write_file(procs, "0") < 0) goto fail;
    free(procs);
  }
  if (process_set_oom_score(p) < 0 || namespaces_join_process(st->pid, 0) < 0) goto fail;
  if (pty_socket >= 0) {
    int slave;
    int master = pty_open(&slave, 0, 0);
    if (master < 0 || send_fd(pty_socket, 'P', master) < 0 || pty_take(slave) < 0) goto fail;
    close(master);
    close(pty_socket);
  }
  if (process_become(p, seccomp) < 0) goto fail;
  char *path = process_find_executable(p);
  if (path) process_exec(p, path, seccomp);
fail:
  fprintf(stderr, "tcrun: exec %s: %s\n", st->id, last_error());
  _exit(errno == ENOENT ? 127 : 126);
}

static int load_process(const container_state *st, const exec_options *o, process_spec *p, config **cfg_out) {
  config *cfg = config_load(st->dir);
  if (!cfg) return -1;
  *cfg_out = cfg;
  if (cfg->has_process) *p = cfg->process;
  else p->cwd = "/";
  p->args = o->argv;
  p->env = merge_env(cfg->has_process ? cfg->process.env : NULL, o->env, o->env_count);
  p->terminal = o->tty;
  if (o->cwd) p->cwd = (char *)o->cwd;
  if (o->user && parse_user(o->user, p) < 0) return -1;
  return 0;
}

/* Relays the pty (tty mode) and forwards signals until the process exits. */
static int supervise(pid_t child, int master) {
  sigset_t set;
  sigemptyset(&set);
  static const int forwarded[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH, SIGCHLD};
  for (size_t i = 0; i < sizeof(forwarded) / sizeof(forwarded[0]); i++) sigaddset(&set, forwarded[i]);
  int sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
  int in = master >= 0 ? 0 : -1;
  if (master >= 0) {
    terminal_make_raw(0);
    struct winsize size;
    if (ioctl(0, TIOCGWINSZ, &size) == 0) ioctl(master, TIOCSWINSZ, &size);
  }
  int status = 0, exited = 0;
  while (!exited || master >= 0) {
    struct pollfd fds[3] = {{sfd, POLLIN, 0}, {master, POLLIN, 0}, {in, POLLIN, 0}};
    if (poll(fds, 3, exited ? 200 : -1) <= 0) {
      if (exited) break;
      continue;
    }
    if (fds[0].revents) {
      struct signalfd_siginfo info;
      while (read(sfd, &info, sizeof(info)) == sizeof(info)) {
        if (info.ssi_signo == SIGWINCH && master >= 0) {
          struct winsize size;
          if (ioctl(0, TIOCGWINSZ, &size) == 0) ioctl(master, TIOCSWINSZ, &size);
        } else if (info.ssi_signo != SIGCHLD) {
          kill(child, (int)info.ssi_signo);
        }
      }
      if (!exited && waitpid(child, &status, WNOHANG) == child) exited = 1;
    }
    char buf[8192];
    if (fds[1].revents) {
      ssize_t n = read(master, buf, sizeof(buf));
      if (n > 0) write_all(1, buf, (size_t)n);
      else {
        close(master);
        master = -1;
      }
    }
    if (fds[2].revents) {
      ssize_t n = read(in, buf, sizeof(buf));
      if (n > 0 && master >= 0) write_all(master, buf, (size_t)n);
      else if (n <= 0) in = -1;
    }
  }
  terminal_restore();
  if (!exited) waitpid(child, &status, 0);
  return exit_status_of(status);
}

int exec_in_container(const char *root, const char *id, const exec_options *o) {
  container_state st;
  if (state_read(root, id, &st) < 0) return -1;
  const char *status = state_status(&st);
  if (strcmp(status, "running")) return fail("container %s is %s, not running", id, status);
  process_spec p = {0};
  config *cfg = NULL;
  if (load_process(&st, o, &p, &cfg) < 0) return -1;
  int pair[2] = {-1, -1};
  if (o->tty && socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) < 0) return fail_errno("socketpair");
  sigset_t set;
  sigfillset(&set);
  sigprocmask(SIG_BLOCK, &set, NULL);
  if (namespaces_join_process(st.pid, 1) < 0) return -1;
  /* Closes on execve (CLOEXEC): the pid file and --detach wait until the program really runs. */
  int exec_sync[2];
  if (pipe2(exec_sync, O_CLOEXEC) < 0) return fail_errno("pipe");
  pid_t child = fork();
  if (child < 0) return fail_errno("fork");
  if (child == 0) {
    close(exec_sync[0]);
    if (pair[0] >= 0) close(pair[0]);
    child_process(&st, o, &p, cfg->seccomp, pair[1]);
  }
  int master = -1;
  if (o->tty) {
    close(pair[1]);
    char tag;
    recv_message(pair[0], &tag, 1, &master);
    close(pair[0]);
  }
  close(exec_sync[1]);
  char byte;
  while (read(exec_sync[0], &byte, 1) < 0 && errno == EINTR) continue;
  close(exec_sync[0]);
  if (o->pid_file) {
    char *text = xasprintf("%d", child);
    if (write_file_atomic(o->pid_file, text, strlen(text), 0644) < 0) return -1;
    free(text);
  }
  if (o->detach) return 0;
  return supervise(child, master);
}
