/* The command line a process shows in /proc/PID/cmdline (and so in ps), rewritten in place. */
#ifndef TCRUN_PROCTITLE_H
#define TCRUN_PROCTITLE_H

#include <stddef.h>

/* Where the kernel reads the command line from: the argument strings, then the environment's. */
typedef struct {
  char *start, *args_end, *end;
} proctitle_area;

/* Run once at start-up, before anything forks: copies the environment to the heap (so its strings
 * on the stack are free to hold a title) and finds the area. -1 when /proc gives no addresses. */
int proctitle_init(proctitle_area *area);

/* Shows argv, joined by spaces, as the command line (cut to the area's size), as setproctitle does. */
void proctitle_set(const proctitle_area *area, char **argv, size_t argc);

#endif
