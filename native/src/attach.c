#include "attach.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "util.h"

int attach_listen(attach_server *s, const char *path, int raw, int stdin_once) {
  memset(s, 0, sizeof(*s));
  s->listen_fd = -1;
  s->first_client_fd = -1;
  s->raw = raw;
  s->stdin_once = stdin_once;
  if (!path) return 0;
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  if (strlen(path) >= sizeof(addr.sun_path)) return fail("--attach-socket %s: path longer than 107 bytes", path);
  strcpy(addr.sun_path, path);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return fail_errno("--attach-socket: socket");
  unlink(path);
  if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(fd, 16) < 0) {
    fail_errno("--attach-socket %s", path);
    close(fd);
    return -1;
  }
  chmod(path, 0600);
  s->listen_fd = fd;
  s->path = xstrdup(path);
  return 0;
}

static void drop_client(attach_server *s, size_t i) {
  close(s->clients[i].fd);
  s->clients[i] = s->clients[--s->count];
}

static int send_all(int fd, const char *data, size_t len) {
  while (len > 0) {
    ssize_t n = send(fd, data, len, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return -1;
    data += n;
    len -= (size_t)n;
  }
  return 0;
}

void attach_broadcast(attach_server *s, int stream, const char *data, size_t len) {
  unsigned char header[8] = {(unsigned char)stream, 0, 0, 0, (unsigned char)(len >> 24), (unsigned char)(len >> 16),
                             (unsigned char)(len >> 8), (unsigned char)len};
  for (size_t i = 0; i < s->count;) {
    int fd = s->clients[i].fd;
    if ((!s->raw && send_all(fd, (const char *)header, sizeof(header)) < 0) || send_all(fd, data, len) < 0) {
      drop_client(s, i);
      continue;
    }
    i++;
  }
}

size_t attach_poll_fds(const attach_server *s, struct pollfd *fds) {
  if (s->listen_fd < 0) return 0;
  fds[0] = (struct pollfd){.fd = s->listen_fd, .events = POLLIN};
  for (size_t i = 0; i < s->count; i++)
    fds[i + 1] = (struct pollfd){.fd = s->clients[i].fd, .events = s->clients[i].reading ? POLLIN : 0};
  return s->count + 1;
}

static void accept_clients(attach_server *s) {
  for (;;) {
    int fd = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC);
    if (fd < 0) return;
    if (s->count >= ATTACH_MAX_CLIENTS) {
      close(fd);
      continue;
    }
    /* A client that stops reading must not stall the container: writes to it give up after 5 s. */
    struct timeval timeout = {5, 0};
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
    s->clients[s->count++] = (attach_client){fd, 1};
    if (!s->first_client_seen) {
      s->first_client_seen = 1;
      s->first_client_fd = fd;
    }
  }
}

void attach_handle(attach_server *s, const struct pollfd *fds, size_t n, int stdin_fd, int *close_stdin) {
  if (n == 0) return;
  /* Clients first (their indexes match fds[1..]); accepting may reorder nothing before that. */
  for (size_t k = n - 1; k >= 1; k--) {
    size_t i = k - 1;
    if (i >= s->count || fds[k].fd != s->clients[i].fd || !fds[k].revents) continue;
    if (fds[k].revents & POLLIN) {
      char buf[8192];
      ssize_t got = read(s->clients[i].fd, buf, sizeof(buf));
      if (got > 0) {
        if (stdin_fd >= 0 && !s->stdin_closed) write_all(stdin_fd, buf, (size_t)got);
        continue;
      }
      if (got < 0 && errno == EINTR) continue;
      s->clients[i].reading = 0;
      if (s->stdin_once && s->clients[i].fd == s->first_client_fd && !s->stdin_closed) {
        s->stdin_closed = 1;
        *close_stdin = 1;
      }
      if (got < 0) drop_client(s, i);
      continue;
    }
    if (fds[k].revents & (POLLHUP | POLLERR)) drop_client(s, i);
  }
  if (fds[0].revents & POLLIN) accept_clients(s);
}

void attach_close(attach_server *s) {
  while (s->count) {
    shutdown(s->clients[0].fd, SHUT_RDWR);
    drop_client(s, 0);
  }
  if (s->listen_fd >= 0) close(s->listen_fd);
  if (s->path) unlink(s->path);
  s->listen_fd = -1;
}
