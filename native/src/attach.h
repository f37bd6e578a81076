/* The attach socket: live output to every client (Docker's multiplexed frames, or raw with a tty), input to stdin. */
#ifndef TCRUN_ATTACH_H
#define TCRUN_ATTACH_H

#include <poll.h>
#include <stddef.h>

#define ATTACH_MAX_CLIENTS 64

typedef struct {
  int fd;
  int reading; /* 0 once the client has closed its sending side */
} attach_client;

typedef struct {
  int listen_fd; /* -1 when there is no socket */
  char *path;
  int raw; /* tty: no framing */
  int stdin_once;
  int stdin_closed;
  int first_client_seen;
  int first_client_fd;
  attach_client clients[ATTACH_MAX_CLIENTS];
  size_t count;
} attach_server;

int attach_listen(attach_server *s, const char *path, int raw, int stdin_once);
/* Sends output of stream 1 (stdout) or 2 (stderr) to every client. */
void attach_broadcast(attach_server *s, int stream, const char *data, size_t len);
/* Fills poll entries for the listening socket and clients; returns how many. */
size_t attach_poll_fds(const attach_server *s, struct pollfd *fds);
/* Handles poll results. Input goes to stdin_fd; sets *close_stdin when stdin must close (--stdin-once). */
void attach_handle(attach_server *s, const struct pollfd *fds, size_t n, int stdin_fd, int *close_stdin);
/* Closes every client and removes the socket file. */
void attach_close(attach_server *s);

#endif
