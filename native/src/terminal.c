#include "terminal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

#include "util.h"

int pty_open(int *slave, unsigned short rows, unsigned short cols) {
  int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0) return fail_errno("open /dev/ptmx");
  char name[64];
  if (unlockpt(master) < 0 || ptsname_r(master, name, sizeof(name)) != 0) {
    fail_errno("set up the pty");
    close(master);
    return -1;
  }
  *slave = open(name, O_RDWR | O_NOCTTY);
  if (*slave < 0) {
    fail_errno("open %s", name);
    close(master);
    return -1;
  }
  if (rows && cols) {
    struct winsize size = {.ws_row = rows, .ws_col = cols};
    ioctl(master, TIOCSWINSZ, &size);
  }
  return master;
}

int pty_take(int slave) {
  if (setsid() < 0 && errno != EPERM) return fail_errno("setsid");
  if (ioctl(slave, TIOCSCTTY, 0) < 0) return fail_errno("make the pty the controlling terminal");
  for (int fd = 0; fd < 3; fd++)
    if (dup2(slave, fd) < 0) return fail_errno("dup2 the pty");
  if (slave > 2) close(slave);
  return 0;
}

int send_fd(int socket, char tag, int fd) {
  char control[CMSG_SPACE(sizeof(int))];
  memset(control, 0, sizeof(control));
  struct iovec iov = {&tag, 1};
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof(control)};
  struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
  cmsg->cmsg_level = SOL_SOCKET;
  cmsg->cmsg_type = SCM_RIGHTS;
  cmsg->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
  if (sendmsg(socket, &msg, MSG_NOSIGNAL) < 0) return fail_errno("send the pty to the monitor");
  return 0;
}

int recv_message(int socket, char *buf, int size, int *fd) {
  char control[CMSG_SPACE(sizeof(int))];
  struct iovec iov = {buf, (size_t)size};
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof(control)};
  *fd = -1;
  ssize_t n;
  do n = recvmsg(socket, &msg, MSG_CMSG_CLOEXEC);
  while (n < 0 && errno == EINTR);
  if (n < 0) return -1;
  for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) memcpy(fd, CMSG_DATA(c), sizeof(int));
  return (int)n;
}

static struct termios saved_termios;
static int saved_fd = -1;

void terminal_make_raw(int fd) {
  if (!isatty(fd) || tcgetattr(fd, &saved_termios) < 0) return;
  struct termios raw = saved_termios;
  cfmakeraw(&raw);
  raw.c_oflag |= OPOST; /* keep "\n" -> "\r\n" on output, as docker does */
  if (tcsetattr(fd, TCSANOW, &raw) == 0) saved_fd = fd;
}

void terminal_restore(void) {
  if (saved_fd >= 0) tcsetattr(saved_fd, TCSANOW, &saved_termios);
  saved_fd = -1;
}
