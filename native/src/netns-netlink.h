/* Just enough rtnetlink for netns-create: build a request, send it, read its acknowledgement. */
#ifndef TCRUN_NETNS_NETLINK_H
#define TCRUN_NETNS_NETLINK_H

#include <stddef.h>
#include <stdint.h>

/* One request being built; big enough for a veth pair with both ends' attributes. */
typedef struct {
  union {
    char bytes[1024];
    uint32_t align;
  } buf;
  size_t len;
  int overflow;
} nl_request;

/* A route netlink socket of the network namespace the caller is in when opening it. */
int nl_open(void);

/* Starts a request: the netlink header, then the message's fixed part (ifinfomsg, ifaddrmsg...). */
void nl_begin(nl_request *r, uint16_t type, uint16_t flags, const void *fixed, size_t fixed_len);
void nl_put(nl_request *r, uint16_t type, const void *data, size_t len);
void nl_put_u32(nl_request *r, uint16_t type, uint32_t value);
void nl_put_string(nl_request *r, uint16_t type, const char *value);
/* Nested attributes: nl_nest_begin returns where the nest starts, nl_nest_end closes it there. */
size_t nl_nest_begin(nl_request *r, uint16_t type);
void nl_nest_end(nl_request *r, size_t start);
/* Raw bytes inside the current nest (the ifinfomsg a veth peer's attributes follow). */
void nl_put_raw(nl_request *r, const void *data, size_t len);

/* Sends the request on fd and waits for the kernel's answer: 0, or -1 with errno set (the caller words it). */
int nl_talk(int fd, nl_request *r);

#endif
