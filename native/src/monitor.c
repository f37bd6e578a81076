#include "monitor.h"

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "attach.h"
#include "cgroups.h"
#include "container.h"
#include "logfile.h"
#include "namespaces.h"
#include "signals.h"
#include "state.h"
#include "terminal.h"
#include "util.h"

typedef struct {
  const monitor_options *o;
  int foreground;
  pid_t pid;
  int sync;          /* open until the program has started */
  int start_sent;
  int stdin_fd;      /* the container's stdin as we write it (pipe or pty master), -1 when none */
  int out_fd[2];     /* stdout, stderr (with a tty: the master, -1) */
  int caller_stdin;  /* foreground tty: our stdin, relayed to the pty */
  int terminal;      /* process.terminal, kept once the config is freed */
  int start_fifo;
  int signal_fd;
  int exited;
  int status;
  json_log log;
  attach_server attach;
  cgroup_set cgroup;
  int exit_fd;       /* the exit file's temporary, made while the program runs; -1 when none */
  char *exit_tmp;
} monitor_ctx;

static const int forwarded_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH};

static char *state_file(const monitor_ctx *m, const char *name) { return xasprintf("%s/%s", m->o->state_dir, name); }

/* Pipes for stdio; the child's ends land on fds 0-2 after the fork. child_fds[i] == -1 keeps ours. */
static int make_stdio(monitor_ctx *m, int child_fds[3]) {
  child_fds[0] = child_fds[1] = child_fds[2] = -1;
  m->stdin_fd = m->out_fd[0] = m->out_fd[1] = -1;
  if (m->o->cfg->process.terminal || m->foreground) return 0;
  int p[2];
  for (int stream = 0; stream < 2; stream++) {
    if (pipe2(p, O_CLOEXEC) < 0) return fail_errno("pipe");
    m->out_fd[stream] = p[0];
    child_fds[stream + 1] = p[1];
  }
  if (m->attach.listen_fd >= 0) {
    if (pipe2(p, O_CLOEXEC) < 0) return fail_errno("pipe");
    m->stdin_fd = p[1];
    child_fds[0] = p[0];
  } else {
    child_fds[0] = open("/dev/null", O_RDONLY | O_CLOEXEC);
  }
  return 0;
}

static void close_child_fds(int child_fds[3]) {
  for (int i = 0; i < 3; i++)
    if (child_fds[i] >= 0) close(child_fds[i]);
}

static void fork_child(monitor_ctx *m, int child_fds[3], int sync_child) {
  for (int i = 0; i < 3; i++)
    if (child_fds[i] >= 0 && dup2(child_fds[i], i) < 0) _exit(127);
  int keep[] = {sync_child};
  close_fds_except(keep, 1);
  container_init(m->o->cfg, sync_child);
}

/* Waits for the init to report: the pty (with a tty), then ready or an error. */
static int await_ready(monitor_ctx *m) {
  for (;;) {
    char message[1200];
    int fd;
    int n = recv_message(m->sync, message, sizeof(message) - 1, &fd);
    if (n <= 0) return fail("the container's init exited during setup");
    message[n] = '\0';
    if (message[0] == SYNC_PTY && fd >= 0) {
      m->out_fd[0] = fd;
      m->stdin_fd = fd;
    } else if (message[0] == SYNC_READY) {
      return 0;
    } else if (message[0] == SYNC_ERROR) {
      return fail("%s", message + 1);
    }
  }
}

static void undo_create(monitor_ctx *m) {
  if (m->pid > 0) {
    kill(m->pid, SIGKILL);
    waitpid(m->pid, NULL, 0);
  }
  cgroup_destroy(&m->cgroup);
  attach_close(&m->attach);
  json_log_close(&m->log);
}

static int write_state(monitor_ctx *m) {
  char created[48];
  rfc3339_now(created, sizeof(created));
  container_state st = {0};
  st.id = (char *)m->o->id;
  st.dir = (char *)m->o->state_dir;
  st.bundle = m->o->cfg->bundle;
  st.created = created;
  st.pid = m->pid;
  st.pid_start = process_start_time(m->pid);
  st.monitor_pid = getpid();
  st.monitor_start = process_start_time(getpid());
  st.attach_socket = (char *)m->o->attach_socket;
  st.cgroup = m->cgroup;
  st.annotations = json_get(m->o->cfg->document, "annotations");
  return state_write(&st);
}

/* Everything up to "created": I/O, cgroup, the init forked into its namespaces and waiting for start. */
static int create_container(monitor_ctx *m) {
  const config *cfg = m->o->cfg;
  int child_fds[3];
  m->sync = m->start_fifo = -1;
  if (!cfg->has_process) return fail("config.json: process: is required");
  if (json_log_open(&m->log, m->o->log_path) < 0 ||
      attach_listen(&m->attach, m->o->attach_socket, cfg->process.terminal, m->o->stdin_once) < 0 ||
      make_stdio(m, child_fds) < 0)
    return -1;
  if (!m->foreground && !m->o->start_now) {
    char *fifo = state_file(m, START_FIFO);
    if (mkfifo(fifo, 0600) < 0 || (m->start_fifo = open(fifo, O_RDWR | O_NONBLOCK | O_CLOEXEC)) < 0) {
      fail_errno("create %s", fifo);
      free(fifo);
      return -1;
    }
    free(fifo);
  }
  int pair[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) < 0) return fail_errno("socketpair");
  if (namespaces_prepare_pid(cfg) < 0) return -1;
  m->pid = fork();
  if (m->pid < 0) return fail_errno("fork");
  if (m->pid == 0) {
    close(pair[0]);
    fork_child(m, child_fds, pair[1]);
  }
  close(pair[1]);
  close_child_fds(child_fds);
  m->sync = pair[0];
  /* The init sets up its namespaces meanwhile; it waits for this before its cgroup namespace. */
  char go = SYNC_CGROUP_READY;
  int rc = cgroup_create(cfg, m->o->id, &m->cgroup) < 0 || cgroup_enter(&m->cgroup, m->pid) < 0 ? -1 : 0;
  if (rc == 0 && send(m->sync, &go, 1, MSG_NOSIGNAL) != 1) rc = fail_errno("signal the container's init");
  if (rc < 0) {
    /* The init may have failed first: its own error explains more than a failed cgroup write. */
    struct pollfd p = {m->sync, POLLIN, 0};
    if (poll(&p, 1, 100) > 0) await_ready(m);
    return -1;
  }
  if (await_ready(m) < 0) return -1;
  return write_state(m);
}

static void dispatch_output(monitor_ctx *m, int stream, const char *data, size_t len) {
  json_log_write(&m->log, stream, data, len);
  attach_broadcast(&m->attach, stream + 1, data, len);
  if (m->foreground) write_all(1, data, len);
}

static void read_output(monitor_ctx *m, int stream) {
  char buf[65536];
  ssize_t n = read(m->out_fd[stream], buf, sizeof(buf));
  if (n > 0) {
    dispatch_output(m, stream, buf, (size_t)n);
  } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
    /* EOF, or EIO from a pty master once every slave is closed. */
    if (m->out_fd[stream] != m->stdin_fd) close(m->out_fd[stream]);
    m->out_fd[stream] = -1;
  }
}

static void close_stdin(monitor_ctx *m) {
  if (m->stdin_fd < 0) return;
  if (m->terminal) {
    write_all(m->stdin_fd, "\x04", 1); /* EOF for the program reading the tty */
    return;
  }
  close(m->stdin_fd);
  m->stdin_fd = -1;
}

static void start_program(monitor_ctx *m) {
  char start = SYNC_START;
  if (send(m->sync, &start, 1, MSG_NOSIGNAL) == 1) m->start_sent = 1;
}

/* After start: the sync socket closes on execve (CLOEXEC), or carries the exec error, which goes to the
 * start error file (for `tcrun start`) and is returned (NULL once the program runs). */
static char *confirm_start(monitor_ctx *m) {
  char message[1200];
  int fd;
  int n;
  do n = recv_message(m->sync, message, sizeof(message) - 1, &fd);
  while (n < 0 && errno == EINTR);
  char *error = NULL;
  if (n > 0 && message[0] == SYNC_ERROR) {
    message[n] = '\0';
    error = xstrdup(message + 1);
    char *path = state_file(m, START_ERROR);
    write_file_atomic(path, error, strlen(error), 0600);
    free(path);
  }
  close(m->sync);
  m->sync = -1;
  if (m->start_fifo >= 0) {
    close(m->start_fifo);
    m->start_fifo = -1;
    char *fifo = state_file(m, START_FIFO);
    unlink(fifo);
    free(fifo);
  }
  return error;
}

static void handle_signals(monitor_ctx *m) {
  struct signalfd_siginfo info;
  while (read(m->signal_fd, &info, sizeof(info)) == sizeof(info)) {
    if (info.ssi_signo != SIGCHLD) {
      if (info.ssi_signo == SIGWINCH && m->stdin_fd >= 0 && m->foreground) {
        struct winsize size;
        if (ioctl(0, TIOCGWINSZ, &size) == 0) ioctl(m->stdin_fd, TIOCSWINSZ, &size);
      } else if (!m->exited) {
        kill(m->pid, (int)info.ssi_signo);
      }
      continue;
    }
    int status;
    pid_t pid;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
      if (pid != m->pid) continue;
      m->exited = 1;
      m->status = status;
    }
  }
}

static long long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void event_loop(monitor_ctx *m) {
  long long drain_deadline = 0;
  for (;;) {
    if (m->exited && !drain_deadline) drain_deadline = now_ms() + 500;
    int outputs_open = m->out_fd[0] >= 0 || m->out_fd[1] >= 0;
    if (m->exited && (!outputs_open || now_ms() >= drain_deadline)) return;
    struct pollfd fds[8 + ATTACH_MAX_CLIENTS];
    size_t n = 0;
    fds[n++] = (struct pollfd){.fd = m->signal_fd, .events = POLLIN};
    size_t first_output = n;
    for (int s = 0; s < 2; s++) fds[n++] = (struct pollfd){.fd = m->out_fd[s], .events = POLLIN};
    size_t control = n;
    fds[n++] = (struct pollfd){.fd = m->start_sent ? -1 : m->start_fifo, .events = POLLIN};
    fds[n++] = (struct pollfd){.fd = m->start_sent ? m->sync : -1, .events = POLLIN};
    fds[n++] = (struct pollfd){.fd = m->caller_stdin, .events = POLLIN};
    size_t attach_first = n;
    n += attach_poll_fds(&m->attach, fds + n);
    int timeout = m->exited ? (int)(drain_deadline - now_ms()) : -1;
    if (poll(fds, n, timeout < 0 && m->exited ? 0 : timeout) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (fds[0].revents) handle_signals(m);
    for (int s = 0; s < 2; s++)
      if (fds[first_output + s].revents && m->out_fd[s] >= 0) read_output(m, s);
    if (fds[control].revents & POLLIN) {
      char byte[16];
      if (read(m->start_fifo, byte, sizeof(byte)) > 0) start_program(m);
    }
    if (fds[control + 1].revents) free(confirm_start(m));
    if (fds[control + 2].revents) {
      char buf[4096];
      ssize_t got = read(m->caller_stdin, buf, sizeof(buf));
      if (got > 0 && m->stdin_fd >= 0) write_all(m->stdin_fd, buf, (size_t)got);
      else if (got <= 0) m->caller_stdin = -1;
    }
    int stdin_done = 0;
    attach_handle(&m->attach, fds + attach_first, n - attach_first, m->stdin_fd, &stdin_done);
    if (stdin_done) close_stdin(m);
  }
}

/* --rm: every process of the container gone (the pid namespace's go with its init, shortly), then its
 * cgroup and state, so that the exit file announces a container that is already deleted. */
static void remove_container(monitor_ctx *m) {
  if (cgroup_is_frozen(&m->cgroup)) cgroup_freeze(&m->cgroup, 0);
  for (int round = 0; round < 200; round++) {
    pid_t pids[64];
    int n = cgroup_pids(&m->cgroup, pids, 64);
    if (n <= 0) break;
    for (int i = 0; i < n; i++) kill(pids[i], SIGKILL);
    struct timespec pause = {0, 5 * 1000 * 1000};
    nanosleep(&pause, NULL);
  }
  cgroup_destroy(&m->cgroup);
  remove_tree(m->o->state_dir);
}

/* The exit file's temporary, made while the program runs rather than after its exit: making a file
 * can cost a millisecond on ext4, between the exit and whoever waits for it. Without it (it could
 * not be made) the exit file is written as any other. */
static void prepare_exit_file(monitor_ctx *m) {
  if (!m->o->exit_file) return;
  m->exit_tmp = xasprintf("%s.tmp.%d", m->o->exit_file, getpid());
  m->exit_fd = open(m->exit_tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
}

static void write_exit_file(monitor_ctx *m) {
  char text[16];
  int len = snprintf(text, sizeof(text), "%d", exit_status_of(m->status));
  if (m->exit_fd < 0) {
    write_file_atomic(m->o->exit_file, text, (size_t)len, 0644);
    return;
  }
  /* Renamed whole, as write_file_atomic would: the exit file never appears half written. */
  int written = write_all(m->exit_fd, text, (size_t)len);
  close(m->exit_fd);
  if (written < 0 || rename(m->exit_tmp, m->o->exit_file) < 0) {
    unlink(m->exit_tmp);
    write_file_atomic(m->o->exit_file, text, (size_t)len, 0644);
  }
  free(m->exit_tmp);
}

/* The exit file comes last: whoever sees it finds the log complete, the attach socket gone and, with
 * --rm, the container deleted. */
static void finish(monitor_ctx *m) {
  json_log_close(&m->log);
  attach_close(&m->attach);
  if (m->o->remove_on_exit) remove_container(m);
  if (m->o->exit_file) write_exit_file(m);
}

static int block_signals(monitor_ctx *m) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGCHLD);
  if (m->foreground)
    for (size_t i = 0; i < sizeof(forwarded_signals) / sizeof(forwarded_signals[0]); i++)
      sigaddset(&set, forwarded_signals[i]);
  sigprocmask(SIG_BLOCK, &set, NULL);
  m->signal_fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
  return m->signal_fd < 0 ? fail_errno("signalfd") : 0;
}

/* Where the monitor answers whoever made it: monitor_spawn's result pipe ("ok PID" or "error MESSAGE"), or,
 * in place, the caller's stdout and stderr: the pid as `--pid-file -` prints it, or tcrun's error line. */
typedef struct {
  int result_fd;
  int out_fd, err_fd;
  const char *id;
} answer_channel;

static void answer(answer_channel *a, pid_t pid, const char *error) {
  char *text;
  if (a->result_fd >= 0) {
    text = error ? xasprintf("error %s", error) : xasprintf("ok %d", pid);
    write_all(a->result_fd, text, strlen(text));
  } else if (error) {
    text = xasprintf("tcrun: run %s: %s\n", a->id, error);
    write_all(a->err_fd, text, strlen(text));
  } else {
    text = xasprintf("%d\n", pid);
    write_all(a->out_fd, text, strlen(text));
  }
  free(text);
  int *fds[] = {&a->result_fd, &a->out_fd, &a->err_fd};
  for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
    if (*fds[i] >= 0) close(*fds[i]);
    *fds[i] = -1;
  }
}

static void monitor_main(const monitor_options *o, answer_channel *channel) __attribute__((noreturn));
static void monitor_main(const monitor_options *o, answer_channel *channel) {
  /* Hold nothing of the caller: no fds but the answer's, stdio on /dev/null, cwd at /. */
  int null = open("/dev/null", O_RDWR);
  for (int fd = 0; fd < 3; fd++) dup2(null, fd);
  if (null > 2) close(null);
  int keep[] = {channel->result_fd, channel->out_fd, channel->err_fd};
  close_fds_except(keep, 3);
  debug_open(o->debug_log, 0);
  if (chdir("/") < 0) _exit(1);
  prctl(PR_SET_NAME, "tcrun-monitor", 0, 0, 0);
  prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
  signal(SIGPIPE, SIG_IGN);
  signal(SIGHUP, SIG_IGN);
  monitor_ctx m = {.o = o, .caller_stdin = -1, .exit_fd = -1};
  if (block_signals(&m) < 0 || create_container(&m) < 0) {
    char *error = xstrdup(last_error());
    undo_create(&m);
    remove_tree(o->state_dir);
    answer(channel, 0, error);
    _exit(1);
  }
  if (o->monitor_pid_file) {
    char *pid = xasprintf("%d", getpid());
    write_file_atomic(o->monitor_pid_file, pid, strlen(pid), 0644);
    free(pid);
  }
  /* The config (a seccomp profile can be large) is not needed any more: give its memory back. */
  m.terminal = o->cfg->process.terminal;
  config_free(o->cfg);
  malloc_trim(0);
  char *error = NULL;
  if (o->start_now) {
    start_program(&m);
    error = confirm_start(&m);
  }
  answer(channel, m.pid, error);
  free(error);
  prepare_exit_file(&m);
  event_loop(&m);
  finish(&m);
  _exit(0);
}

pid_t monitor_spawn(const monitor_options *o) {
  int result[2];
  if (pipe2(result, O_CLOEXEC) < 0) return fail_errno("pipe");
  pid_t monitor = fork();
  if (monitor < 0) return fail_errno("fork");
  if (monitor == 0) {
    close(result[0]);
    /* A session of its own, away from the caller's terminal and signals. One fork, not the daemon's
     * two: the monitor opens ttys only with O_NOCTTY, so it never takes a controlling terminal, and
     * the caller exits right after the answer, leaving the monitor to be reparented without a zombie. */
    setsid();
    answer_channel channel = {.result_fd = result[1], .out_fd = -1, .err_fd = -1};
    monitor_main(o, &channel);
  }
  close(result[1]);
  strbuf answer = {0};
  char buf[1024];
  ssize_t n;
  while ((n = read(result[0], buf, sizeof(buf))) != 0) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    sb_append(&answer, buf, (size_t)n);
  }
  close(result[0]);
  pid_t pid = -1;
  if (answer.data && !strncmp(answer.data, "ok ", 3))
    pid = (pid_t)atoi(answer.data + 3);
  else if (answer.data && !strncmp(answer.data, "error ", 6))
    fail("%s", answer.data + 6);
  else {
    fail("the monitor exited before the container was created");
    remove_tree(o->state_dir);
  }
  sb_free(&answer);
  return pid;
}

int monitor_become(const monitor_options *o) {
  answer_channel channel = {
      .result_fd = -1,
      .out_fd = fcntl(1, F_DUPFD_CLOEXEC, 3),
      .err_fd = fcntl(2, F_DUPFD_CLOEXEC, 3),
      .id = o->id,
  };
  if (channel.out_fd < 0 || channel.err_fd < 0) {
    fail_errno("keep stdout and stderr");
    remove_tree(o->state_dir);
    return -1;
  }
  /* A session of its own, as monitor_spawn's monitor has (the caller's process group gets no signal of ours). */
  setsid();
  monitor_main(o, &channel);
}

int monitor_foreground(const monitor_options *o) {
  monitor_ctx m = {.o = o, .foreground = 1, .caller_stdin = -1, .terminal = o->cfg->process.terminal, .exit_fd = -1};
  prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
  if (block_signals(&m) < 0 || create_container(&m) < 0) {
    undo_create(&m);
    remove_tree(o->state_dir);
    return -1;
  }
  if (o->cfg->process.terminal) {
    m.caller_stdin = 0;
    terminal_make_raw(0);
    struct winsize size;
    if (ioctl(0, TIOCGWINSZ, &size) == 0) ioctl(m.stdin_fd, TIOCSWINSZ, &size);
  }
  start_program(&m);
  event_loop(&m);
  terminal_restore();
  finish(&m);
  cgroup_destroy(&m.cgroup);
  remove_tree(o->state_dir);
  return exit_status_of(m.status);
}
