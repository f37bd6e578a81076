/* The per-container monitor: parent of the container's init, holder of its stdio, writer of log and exit file. */
#ifndef TCRUN_MONITOR_H
#define TCRUN_MONITOR_H

#include <sys/types.h>

#include "config.h"

typedef struct {
  const char *id;
  const char *state_dir; /* already created by the caller */
  config *cfg;
  const char *log_path, *exit_file, *attach_socket, *monitor_pid_file;
  int stdin_once;
  int start_now;       /* run --detach: start at once; the spawn returns once the program is exec'd */
  int remove_on_exit;  /* --rm: the monitor deletes the container (cgroup, state) before the exit file */
  const char *debug_log;
} monitor_options;

/* Forks a detached monitor (fork, setsid) that creates the container. Returns the container's pid once
 * it is "created" (with start_now: once its program is exec'd), or -1 with the error set (the monitor has
 * cleaned up by then, except after a failed start_now exec: the container is then stopped, for delete). */
pid_t monitor_spawn(const monitor_options *o);
/* `run --detach --in-place`: this process becomes the monitor, with no fork: it prints the container's pid on
 * stdout once the program is exec'd (or tcrun's error line on stderr), closes its stdio and lives on until the
 * container ends. For a supervisor that reads the output to its end rather than waiting for an exit, like
 * `tcrun spawner` answering at the end of output; the fork and the answer's hop through the caller cost
 * about 2 ms of every start. Returns only when the container could not be set up (-1, error set). */
int monitor_become(const monitor_options *o);
/* `run` in the foreground: this process monitors with the caller's stdio, starts at once, forwards signals,
 * removes the container at the end and returns its exit status; -1 (error set) when creation failed. */
int monitor_foreground(const monitor_options *o);

#endif
