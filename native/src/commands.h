/* The tcrun commands. Each returns the process exit status; errors are left in last_error(). */
#ifndef TCRUN_COMMANDS_H
#define TCRUN_COMMANDS_H

#include "exec.h"
#include "monitor.h"

typedef struct {
  const char *root;
  const char *debug_log;
} global_options;

typedef struct {
  const char *bundle;
  const char *pid_file;
  int detach;
  int in_place; /* run --detach --in-place: this process becomes the monitor (see monitor_become) */
  monitor_options monitor;
} create_options;

int cmd_create(const global_options *g, const char *id, create_options *o);
int cmd_run(const global_options *g, const char *id, create_options *o);
int cmd_start(const global_options *g, const char *id);
int cmd_state(const global_options *g, const char *id);
int cmd_kill(const global_options *g, const char *id, const char *signal_name, int all);
int cmd_delete(const global_options *g, const char *id, int force);
int cmd_pause(const global_options *g, const char *id, int frozen);
int cmd_list(const global_options *g, int json);
int cmd_exec(const global_options *g, const char *id, const exec_options *o);
int cmd_features(void);

#endif
