#include "netns-netlink.h"

#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util.h"

int nl_open(void) {
  int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (fd < 0) return fail_errno("netlink socket");
  struct sockaddr_nl local = {.nl_family = AF_NETLINK};
  if (bind(fd, (struct sockaddr *)&local, sizeof(local)) < 0) {
    close(fd);
    return fail_errno("netlink bind");
  }
  return fd;
}

static struct nlmsghdr *header(nl_request *r) { return (struct nlmsghdr *)r->buf.bytes; }

/* Appends len bytes, padded to netlink's 4-byte alignment; a request too big is refused at send. */
static void *append(nl_request *r, size_t len) {
  size_t padded = NLMSG_ALIGN(len);
  if (r->overflow || r->len + padded > sizeof(r->buf.bytes)) {
    r->overflow = 1;
    return NULL;
  }
  char *at = r->buf.bytes + r->len;
  memset(at, 0, padded);
  r->len += padded;
  return at;
}

void nl_begin(nl_request *r, uint16_t type, uint16_t flags, const void *fixed, size_t fixed_len) {
  memset(r, 0, sizeof(*r));
  struct nlmsghdr *h = append(r, sizeof(struct nlmsghdr));
  h->nlmsg_type = type;
  h->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
  nl_put_raw(r, fixed, fixed_len);
}

void nl_put_raw(nl_request *r, const void *data, size_t len) {
  void *at = append(r, len);
  if (at) memcpy(at, data, len);
}

void nl_put(nl_request *r, uint16_t type, const void *data, size_t len) {
  struct rtattr *attr = append(r, RTA_LENGTH(len));
  if (!attr) return;
  attr->rta_type = type;
  attr->rta_len = (unsigned short)RTA_LENGTH(len);
  memcpy(RTA_DATA(attr), data, len);
}

void nl_put_u32(nl_request *r, uint16_t type, uint32_t value) { nl_put(r, type, &value, sizeof(value)); }

void nl_put_string(nl_request *r, uint16_t type, const char *value) {
  nl_put(r, type, value, strlen(value) + 1);
}

size_t nl_nest_begin(nl_request *r, uint16_t type) {
  size_t start = r->len;
  nl_put(r, type, NULL, 0);
  return start;
}

void nl_nest_end(nl_request *r, size_t start) {
  if (r->overflow) return;
  struct rtattr *attr = (struct rtattr *)(r->buf.bytes + start);
  attr->rta_len = (unsigned short)(r->len - start);
}

/* The answer to a request with NLM_F_ACK is one NLMSG_ERROR message, error 0 meaning success. */
static int read_ack(int fd, uint32_t seq) {
  union {
    char bytes[4096];
    struct nlmsghdr align;
  } answer;
  for (;;) {
    ssize_t n = recv(fd, answer.bytes, sizeof(answer.bytes), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return -1;
    for (struct nlmsghdr *h = &answer.align; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
      if (h->nlmsg_seq != seq || h->nlmsg_type != NLMSG_ERROR) continue;
      const struct nlmsgerr *err = NLMSG_DATA(h);
      if (err->error == 0) return 0;
      errno = -err->error;
      return -1;
    }
  }
}

int nl_talk(int fd, nl_request *r) {
  static uint32_t sequence;
  if (r->overflow) {
    errno = EMSGSIZE;
    return -1;
  }
  struct nlmsghdr *h = header(r);
  h->nlmsg_len = (uint32_t)r->len;
  h->nlmsg_seq = ++sequence;
  struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
  if (sendto(fd, r->buf.bytes, r->len, 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0) return -1;
  return read_ack(fd, h->nlmsg_seq);
}
