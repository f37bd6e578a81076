/* The container's first process: from a fork of the monitor to execve of process.args. */
#ifndef TCRUN_CONTAINER_H
#define TCRUN_CONTAINER_H

#include "config.h"

/* Messages on the SOCK_SEQPACKET pair between the monitor and the init. */
#define SYNC_CGROUP_READY 'G' /* monitor -> init: placed in the cgroup */
#define SYNC_PTY 'P'          /* init -> monitor: the pty master (with the fd) */
#define SYNC_READY 'R'        /* init -> monitor: created, waiting for start */
#define SYNC_START 'S'        /* monitor -> init: run the program */
#define SYNC_ERROR 'E'        /* init -> monitor: setup failed, text follows */

/* Never returns: sets up the container, waits for start, execs (or reports an error and exits). */
void container_init(const config *cfg, int sync) __attribute__((noreturn));

#endif
