/* A container's record under <root>/<id>/: state.json, the config copy, the start fifo. */
#ifndef TCRUN_STATE_H
#define TCRUN_STATE_H

#include <sys/types.h>

#include "cgroups.h"
#include "json.h"

#define START_FIFO "start.fifo"
#define START_ERROR "start.error"

typedef struct {
  char *id;
  char *dir;
  char *bundle;
  char *created;
  pid_t pid;
  unsigned long long pid_start;
  pid_t monitor_pid;
  unsigned long long monitor_start;
  char *attach_socket;
  cgroup_set cgroup;
  json_value *annotations; /* owned by document */
  json_value *document;
} container_state;

int valid_container_id(const char *id);
char *state_dir_of(const char *root, const char *id);
int state_write(const container_state *st);
/* Reads <root>/<id>/state.json; "container X does not exist" when there is none. */
int state_read(const char *root, const char *id, container_state *out);
void state_free(container_state *st);
/* creating, created, running, paused or stopped. */
const char *state_status(const container_state *st);
int process_alive(pid_t pid, unsigned long long start_time);
/* The OCI state JSON (runtime.md), with status. */
void state_to_json(const container_state *st, strbuf *out);

#endif
