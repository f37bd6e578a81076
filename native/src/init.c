#include "init.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "process.h"
#include "proctitle.h"
#include "signals.h"
#include "util.h"

static void ignore(int sig) { (void)sig; }

/* The command line the container sees for PID 1: the program it runs, as Docker's init shows it, rather than
 * the monitor's, inherited with its host paths. Left as it is when /proc is not mounted. */
static void show_program(const process_spec *p) {
  proctitle_area area;
  if (proctitle_init(&area) < 0) return;
  size_t count = 0;
  while (p->args[count]) count++;
  char **title = xcalloc(count + 2, sizeof(char *));
  title[0] = "tcrun-init";
  title[1] = "--";
  for (size_t i = 0; i < count; i++) title[2 + i] = p->args[i];
  proctitle_set(&area, title, count + 2);
  free(title);
}

void init_run(const process_spec *p, const char *path, const json_value *seccomp) {
  /* PID 1 only receives the signals it handles: give every one a handler, then take them synchronously. */
  sigset_t all;
  sigfillset(&all);
  sigprocmask(SIG_BLOCK, &all, NULL);
  struct sigaction sa = {0};
  sa.sa_handler = ignore;
  for (int sig = 1; sig < NSIG; sig++)
    if (sig != SIGKILL && sig != SIGSTOP) sigaction(sig, &sa, NULL);

  pid_t child = fork();
  if (child < 0) {
    fprintf(stderr, "tcrun init: fork: %s\n", strerror(errno));
    _exit(127);
  }
  if (child == 0) {
    sa.sa_handler = SIG_DFL;
    for (int sig = 1; sig < NSIG; sig++)
      if (sig != SIGKILL && sig != SIGSTOP) sigaction(sig, &sa, NULL);
    process_exec(p, path, seccomp);
    fprintf(stderr, "tcrun init: %s\n", last_error());
    _exit(127);
  }
  show_program(p);
  /* The container cannot read or trace this process's memory through /proc/1. */
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  /* Only the program loads the filter: the init gives up the CAP_SYS_ADMIN it held for it. */
  if (process_release_admin(p, seccomp) < 0) {
    fprintf(stderr, "tcrun init: %s\n", last_error());
    kill(child, SIGKILL);
    _exit(127);
  }
  for (;;) {
    siginfo_t info;
    int sig = sigwaitinfo(&all, &info);
    if (sig < 0) continue;
    if (sig != SIGCHLD) {
      kill(child, sig);
      continue;
    }
    int status;
    pid_t pid;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
      if (pid == child) _exit(exit_status_of(status));
  }
}
