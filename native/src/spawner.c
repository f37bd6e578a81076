#include "spawner.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "proctitle.h"
#include "signals.h"
#include "util.h"

/* One program run for a request: its output pipes until EOF, its status once reaped. */
typedef struct {
  uint32_t id;
  pid_t pid;
  int out[2]; /* stdout, stderr read ends; -1 once at EOF */
  strbuf captured[2];
  int status;
  int reaped;
  int answer_at_eof; /* SPAWN_ANSWER_AT_EOF: answered once its output ends, exited or not */
} job;

typedef struct {
  job *jobs;
  size_t count, cap;
  strbuf input;
  int signal_fd;
  struct stat self; /* this executable: a request to run it runs in a fork, without execve */
  proctitle_area title;
  int titled;
} spawner;

static uint32_t read_u32(const char *p) {
  uint32_t v;
  memcpy(&v, p, 4);
  return v;
}

static void put_u32(strbuf *sb, uint32_t v) { sb_append(sb, (const char *)&v, 4); }

/* Whether argv[0] is this very executable (the engine's tcrun commands): same file, same inode. */
static int is_self(const spawner *s, const char *program) {
  struct stat st;
  return s->self.st_ino != 0 && stat(program, &st) == 0 && st.st_dev == s->self.st_dev && st.st_ino == s->self.st_ino;
}

/* The child: stdin from in_fd, stdout and stderr into the pipes, the signal mask the helper blocked cleared.
 * A tcrun command runs here and now, in this copy of tcrun: an execve of tcrun and its dynamic loading cost
 * 3-4 ms of every container start on a VM (measured). Nothing of the spawner's is kept but the three fds,
 * and the command line shows the command (inherited by the monitor it makes), as after an exec. */
static void exec_child(const spawner *s, char **argv, size_t argc, int in_fd, int out_fd, int err_fd)
    __attribute__((noreturn));
static void exec_child(const spawner *s, char **argv, size_t argc, int in_fd, int out_fd, int err_fd) {
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  signal(SIGPIPE, SIG_DFL);
  if (dup2(in_fd, 0) < 0 || dup2(out_fd, 1) < 0 || dup2(err_fd, 2) < 0) _exit(127);
  if (s->titled && is_self(s, argv[0])) {
    proctitle_set(&s->title, argv, argc);
    close_range(3, ~0U, 0);
    int status = tcrun_main((int)argc, argv);
    fflush(NULL);
    _exit(status);
  }
  execvp(argv[0], argv);
  fprintf(stderr, "spawn %s: %s\n", argv[0], strerror(errno));
  _exit(127);
}

/* The program's stdin: /dev/null, or a pipe already holding all of the input (grown to fit it). */
static int open_input(const char *input, uint32_t len) {
  if (len == 0) return open("/dev/null", O_RDONLY | O_CLOEXEC);
  int p[2];
  if (pipe2(p, O_CLOEXEC) < 0) return -1;
  if (len > 65536) fcntl(p[1], F_SETPIPE_SZ, (int)len);
  int rc = fcntl(p[1], F_SETFL, O_NONBLOCK) < 0 ? -1 : write_all(p[1], input, len);
  close(p[1]);
  if (rc < 0) {
    close(p[0]);
    errno = E2BIG;
    return -1;
  }
  return p[0];
}

/* A request: u32 id, u32 flags, u32 input length, the input, then the program and its arguments, each
 * NUL-terminated. */
static void start_job(spawner *s, const char *payload, uint32_t len) {
  if (s->count == s->cap) {
    s->cap = s->cap ? s->cap * 2 : 16;
    s->jobs = xrealloc(s->jobs, s->cap * sizeof(job));
  }
  job *j = &s->jobs[s->count++];
  memset(j, 0, sizeof(*j));
  j->id = read_u32(payload);
  j->answer_at_eof = (read_u32(payload + 4) & SPAWN_ANSWER_AT_EOF) != 0;
  j->out[0] = j->out[1] = -1;
  uint32_t input_len = read_u32(payload + 8);
  /* An input longer than the request (read_requests ensures len >= 12) would read past it. */
  int malformed = input_len > len - 12;
  uint32_t first = malformed ? len : 12 + input_len;
  size_t argc = 0;
  for (uint32_t i = first; i < len; i++) argc += payload[i] == '\0';
  char **argv = xcalloc(argc + 1, sizeof(char *));
  size_t n = 0;
  for (uint32_t i = first; i < len && n < argc; i += (uint32_t)strlen(payload + i) + 1) argv[n++] = (char *)payload + i;
  int pipes[2][2], in = -1;
  if (argc == 0 || malformed || (in = open_input(payload + 12, input_len)) < 0 || pipe2(pipes[0], O_CLOEXEC) < 0 ||
      pipe2(pipes[1], O_CLOEXEC) < 0 || (j->pid = fork()) < 0) {
    sb_puts(&j->captured[1], argc == 0 || malformed ? "spawn: malformed command" : strerror(errno));
    j->status = 127;
    j->reaped = 1;
    if (in >= 0) close(in);
    free(argv);
    return;
  }
  if (j->pid == 0) exec_child(s, argv, argc, in, pipes[0][1], pipes[1][1]);
  close(in);
  free(argv);
  for (int stream = 0; stream < 2; stream++) {
    close(pipes[stream][1]);
    j->out[stream] = pipes[stream][0];
  }
}

/* The reply: u32 id, i32 status, u32 stdout length, stdout, stderr. */
static int reply(const job *j) {
  strbuf frame = {0};
  uint32_t len = 12 + (uint32_t)j->captured[0].len + (uint32_t)j->captured[1].len;
  put_u32(&frame, len);
  put_u32(&frame, j->id);
  put_u32(&frame, (uint32_t)j->status);
  put_u32(&frame, (uint32_t)j->captured[0].len);
  if (j->captured[0].len) sb_append(&frame, j->captured[0].data, j->captured[0].len);
  if (j->captured[1].len) sb_append(&frame, j->captured[1].data, j->captured[1].len);
  int rc = write_all(1, frame.data, frame.len);
  sb_free(&frame);
  return rc;
}

/* Answers and forgets every job whose program exited and whose output is complete. */
static int finish_jobs(spawner *s) {
  for (size_t i = 0; i < s->count;) {
    job *j = &s->jobs[i];
    if ((!j->reaped && !j->answer_at_eof) || j->out[0] >= 0 || j->out[1] >= 0) {
      i++;
      continue;
    }
    int rc = reply(j);
    sb_free(&j->captured[0]);
    sb_free(&j->captured[1]);
    s->jobs[i] = s->jobs[--s->count];
    if (rc < 0) return -1;
  }
  return 0;
}

static void reap(spawner *s) {
  struct signalfd_siginfo info;
  while (read(s->signal_fd, &info, sizeof(info)) == sizeof(info)) continue;
  int status;
  pid_t pid;
  while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
    for (size_t i = 0; i < s->count; i++) {
      if (s->jobs[i].pid != pid || s->jobs[i].reaped) continue;
      s->jobs[i].status = exit_status_of(status);
      s->jobs[i].reaped = 1;
    }
  }
}

/* Reads requests from stdin; returns 0 at EOF (the engine is gone), -1 on a broken frame. */
static int read_requests(spawner *s) {
  char buf[65536];
  ssize_t n = read(0, buf, sizeof(buf));
  if (n < 0) return errno == EINTR || errno == EAGAIN ? 1 : -1;
  if (n == 0) return 0;
  sb_append(&s->input, buf, (size_t)n);
  size_t at = 0;
  while (s->input.len - at >= 4) {
    uint32_t len = read_u32(s->input.data + at);
    if (len < 12) return -1;
    if (s->input.len - at - 4 < len) break;
    start_job(s, s->input.data + at + 4, len);
    at += 4 + len;
  }
  memmove(s->input.data, s->input.data + at, s->input.len - at);
  s->input.len -= at;
  s->input.data[s->input.len] = '\0';
  return 1;
}

static void read_output(job *j, int stream) {
  char buf[65536];
  ssize_t n = read(j->out[stream], buf, sizeof(buf));
  if (n > 0) {
    sb_append(&j->captured[stream], buf, (size_t)n);
  } else if (n == 0 || errno != EINTR) {
    close(j->out[stream]);
    j->out[stream] = -1;
  }
}

int spawner_serve(void) {
  /* Nothing outlives the engine that started this: its death ends the helper (not the programs). */
  prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
  if (getppid() == 1) return fail("the engine that started the spawner is gone");
  signal(SIGPIPE, SIG_IGN);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGCHLD);
  sigprocmask(SIG_BLOCK, &set, NULL);
  spawner s = {0};
  if (stat("/proc/self/exe", &s.self) < 0) s.self.st_ino = 0;
  s.titled = proctitle_init(&s.title) == 0;
  s.signal_fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
  if (s.signal_fd < 0) return fail_errno("signalfd");
  for (;;) {
    size_t slots = 2 + 2 * s.count;
    struct pollfd *fds = xcalloc(slots, sizeof(struct pollfd));
    fds[0] = (struct pollfd){.fd = 0, .events = POLLIN};
    fds[1] = (struct pollfd){.fd = s.signal_fd, .events = POLLIN};
    size_t watched = s.count;
    for (size_t i = 0; i < watched; i++)
      for (int stream = 0; stream < 2; stream++)
        fds[2 + 2 * i + stream] = (struct pollfd){.fd = s.jobs[i].out[stream], .events = POLLIN};
    if (poll(fds, slots, -1) < 0 && errno != EINTR) {
      free(fds);
      return fail_errno("poll");
    }
    for (size_t i = 0; i < watched; i++)
      for (int stream = 0; stream < 2; stream++)
        if (fds[2 + 2 * i + stream].revents && s.jobs[i].out[stream] >= 0) read_output(&s.jobs[i], stream);
    if (fds[1].revents) reap(&s);
    int input = fds[0].revents ? read_requests(&s) : 1;
    free(fds);
    if (finish_jobs(&s) < 0) return fail_errno("write a reply");
    if (input == 0) return 0;
    if (input < 0) return fail("spawner: malformed request");
  }
}
