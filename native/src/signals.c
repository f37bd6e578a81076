#include "signals.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>

static const struct {
  const char *name;
  int number;
} names[] = {
    {"HUP", SIGHUP},     {"INT", SIGINT},       {"QUIT", SIGQUIT},   {"ILL", SIGILL},     {"TRAP", SIGTRAP},
    {"ABRT", SIGABRT},   {"IOT", SIGIOT},       {"BUS", SIGBUS},     {"FPE", SIGFPE},     {"KILL", SIGKILL},
    {"USR1", SIGUSR1},   {"SEGV", SIGSEGV},     {"USR2", SIGUSR2},   {"PIPE", SIGPIPE},   {"ALRM", SIGALRM},
    {"TERM", SIGTERM},   {"STKFLT", SIGSTKFLT}, {"CHLD", SIGCHLD},   {"CONT", SIGCONT},   {"STOP", SIGSTOP},
    {"TSTP", SIGTSTP},   {"TTIN", SIGTTIN},     {"TTOU", SIGTTOU},   {"URG", SIGURG},     {"XCPU", SIGXCPU},
    {"XFSZ", SIGXFSZ},   {"VTALRM", SIGVTALRM}, {"PROF", SIGPROF},   {"WINCH", SIGWINCH}, {"IO", SIGIO},
    {"POLL", SIGPOLL},   {"PWR", SIGPWR},       {"SYS", SIGSYS},
};

int signal_from_string(const char *text) {
  if (!text || !*text) return -1;
  char *end;
  long n = strtol(text, &end, 10);
  if (!*end) return n > 0 && n < NSIG ? (int)n : -1;
  if (!strncasecmp(text, "SIG", 3)) text += 3;
  for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
    if (!strcasecmp(names[i].name, text)) return names[i].number;
  if (!strncasecmp(text, "RTMIN", 5)) {
    long offset = text[5] == '+' ? strtol(text + 6, &end, 10) : 0;
    return SIGRTMIN + (int)offset <= SIGRTMAX ? SIGRTMIN + (int)offset : -1;
  }
  return -1;
}

int exit_status_of(int wait_status) {
  if (WIFEXITED(wait_status)) return WEXITSTATUS(wait_status);
  if (WIFSIGNALED(wait_status)) return 128 + WTERMSIG(wait_status);
  return 255;
}
