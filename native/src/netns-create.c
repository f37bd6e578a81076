#include "netns-create.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <net/if.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "netns-netlink.h"
#include "util.h"

/* One veth pair: a line of stdin. */
typedef struct {
  char ifname[IFNAMSIZ], host_ifname[IFNAMSIZ], bridge[IFNAMSIZ];
  unsigned char mac[6];
  uint32_t mtu;
  struct in_addr address, gateway;
  unsigned prefix;
  int has_gateway;
  unsigned bridge_index;
} attachment;

/* Both sockets are opened where they act: host_nl before the unshare, inside_nl after it. */
typedef struct {
  int host_ns, host_nl, inside_nl;
} sockets;

static int parse_address(const char *text, attachment *a) {
  char address[INET_ADDRSTRLEN];
  char rest;
  if (sscanf(text, "%15[0-9.]/%u%c", address, &a->prefix, &rest) != 2 || a->prefix > 32 ||
      inet_pton(AF_INET, address, &a->address) != 1)
    return fail("invalid address %s", text);
  return 0;
}

static int parse_attachment(const char *line, attachment *a) {
  char mac[18], address[19], gateway[16] = "", rest;
  memset(a, 0, sizeof(*a));
  int fields = sscanf(line, "%15s %15s %17s %u %18s %15s %15s %c", a->ifname, a->host_ifname, mac, &a->mtu,
                      address, a->bridge, gateway, &rest);
  if (fields != 6 && fields != 7) return fail("invalid attachment line: %s", line);
  unsigned char *m = a->mac;
  if (sscanf(mac, "%2hhx:%2hhx:%2hhx:%2hhx:%2hhx:%2hhx%c", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5], &rest) != 6)
    return fail("invalid MAC address %s", mac);
  if (parse_address(address, a) < 0) return -1;
  a->has_gateway = fields == 7;
  if (a->has_gateway && inet_pton(AF_INET, gateway, &a->gateway) != 1) return fail("invalid gateway %s", gateway);
  return 0;
}

/* Every line of stdin, each bridge looked up while still in the host's namespace. */
static int read_attachments(attachment **out, size_t *count) {
  char line[256];
  size_t cap = 0;
  *out = NULL;
  *count = 0;
  while (fgets(line, sizeof(line), stdin)) {
    if (strspn(line, " \t\r\n") == strlen(line)) continue;
    if (*count == cap) {
      cap = cap ? cap * 2 : 4;
      *out = xrealloc(*out, cap * sizeof(attachment));
    }
    attachment *a = &(*out)[*count];
    if (parse_attachment(line, a) < 0) return -1;
    a->bridge_index = if_nametoindex(a->bridge);
    if (!a->bridge_index) return fail_errno("bridge %s", a->bridge);
    (*count)++;
  }
  return 0;
}

static int link_up(int fd, unsigned index, const char *name) {
  struct ifinfomsg info = {.ifi_family = AF_UNSPEC, .ifi_index = (int)index, .ifi_flags = IFF_UP, .ifi_change = IFF_UP};
  nl_request r;
  nl_begin(&r, RTM_NEWLINK, 0, &info, sizeof(info));
  return nl_talk(fd, &r) < 0 ? fail_errno("set %s up", name) : 0;
}

/* The pair is made inside; its host end goes straight to the host's namespace. */
static int add_veth(const sockets *s, const attachment *a) {
  struct ifinfomsg info = {.ifi_family = AF_UNSPEC};
  nl_request r;
  nl_begin(&r, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, &info, sizeof(info));
  nl_put_string(&r, IFLA_IFNAME, a->ifname);
  nl_put(&r, IFLA_ADDRESS, a->mac, sizeof(a->mac));
  nl_put_u32(&r, IFLA_MTU, a->mtu);
  size_t link_info = nl_nest_begin(&r, IFLA_LINKINFO);
  nl_put_string(&r, IFLA_INFO_KIND, "veth");
  size_t data = nl_nest_begin(&r, IFLA_INFO_DATA);
  size_t peer = nl_nest_begin(&r, VETH_INFO_PEER);
  nl_put_raw(&r, &info, sizeof(info));
  nl_put_string(&r, IFLA_IFNAME, a->host_ifname);
  nl_put_u32(&r, IFLA_MTU, a->mtu);
  nl_put_u32(&r, IFLA_NET_NS_FD, (uint32_t)s->host_ns);
  nl_nest_end(&r, peer);
  nl_nest_end(&r, data);
  nl_nest_end(&r, link_info);
  return nl_talk(s->inside_nl, &r) < 0 ? fail_errno("add veth %s (host end %s)", a->ifname, a->host_ifname) : 0;
}

static int add_address(int fd, const attachment *a, unsigned index) {
  struct ifaddrmsg info = {.ifa_family = AF_INET, .ifa_prefixlen = (unsigned char)a->prefix, .ifa_index = index};
  nl_request r;
  nl_begin(&r, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, &info, sizeof(info));
  nl_put(&r, IFA_LOCAL, &a->address, sizeof(a->address));
  nl_put(&r, IFA_ADDRESS, &a->address, sizeof(a->address));
  return nl_talk(fd, &r) < 0 ? fail_errno("address %s/%u on %s", inet_ntoa(a->address), a->prefix, a->ifname) : 0;
}

static int replace_default_route(int fd, const attachment *a, unsigned index) {
  struct rtmsg info = {.rtm_family = AF_INET,
                       .rtm_table = RT_TABLE_MAIN,
                       .rtm_protocol = RTPROT_BOOT,
                       .rtm_scope = RT_SCOPE_UNIVERSE,
                       .rtm_type = RTN_UNICAST};
  nl_request r;
  nl_begin(&r, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE, &info, sizeof(info));
  nl_put(&r, RTA_GATEWAY, &a->gateway, sizeof(a->gateway));
  nl_put_u32(&r, RTA_OIF, index);
  return nl_talk(fd, &r) < 0 ? fail_errno("default route via %s", inet_ntoa(a->gateway)) : 0;
}

/* On the host: onto its bridge and up, in one request as `ip link set X master B up` does. */
static int enslave_host_end(int fd, const attachment *a) {
  struct ifinfomsg info = {.ifi_family = AF_UNSPEC, .ifi_flags = IFF_UP, .ifi_change = IFF_UP};
  nl_request r;
  nl_begin(&r, RTM_NEWLINK, 0, &info, sizeof(info));
  nl_put_string(&r, IFLA_IFNAME, a->host_ifname);
  nl_put_u32(&r, IFLA_MASTER, a->bridge_index);
  return nl_talk(fd, &r) < 0 ? fail_errno("%s onto bridge %s", a->host_ifname, a->bridge) : 0;
}

static int attach(const sockets *s, const attachment *a) {
  if (add_veth(s, a) < 0) return -1;
  unsigned index = if_nametoindex(a->ifname);
  if (!index) return fail_errno("%s", a->ifname);
  if (add_address(s->inside_nl, a, index) < 0 || link_up(s->inside_nl, index, a->ifname) < 0) return -1;
  if (a->has_gateway && replace_default_route(s->inside_nl, a, index) < 0) return -1;
  return enslave_host_end(s->host_nl, a);
}

/* The file the namespace is bound on; its directory is made when missing. */
static int make_mount_point(const char *path) {
  char *dir = xstrdup(path);
  char *slash = strrchr(dir, '/');
  if (slash && slash != dir) {
    *slash = '\0';
    if (mkdir_p(dir, 0755) < 0) {
      free(dir);
      return -1;
    }
  }
  free(dir);
  int fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444);
  if (fd < 0) return fail_errno("create %s", path);
  close(fd);
  return 0;
}

/* This process moves into a new namespace, which the bind mount keeps after it exits. */
static int enter_new_netns(const char *path) {
  if (unshare(CLONE_NEWNET) < 0) return fail_errno("unshare the network namespace");
  if (mount("/proc/self/ns/net", path, NULL, MS_BIND, NULL) < 0) return fail_errno("bind the namespace on %s", path);
  return 0;
}

static int build(const sockets *s, const attachment *list, size_t count) {
  /* A new namespace's loopback is always its first link (LOOPBACK_IFINDEX). */
  if (link_up(s->inside_nl, 1, "lo") < 0) return -1;
  for (size_t i = 0; i < count; i++)
    if (attach(s, &list[i]) < 0) return -1;
  return 0;
}

int cmd_netns_create(const char *path) {
  attachment *list;
  size_t count;
  if (read_attachments(&list, &count) < 0) return -1;
  sockets s = {.host_ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC), .inside_nl = -1};
  if (s.host_ns < 0) return fail_errno("open the host's network namespace");
  if ((s.host_nl = nl_open()) < 0 || make_mount_point(path) < 0) return -1;
  if (enter_new_netns(path) < 0) {
    unlink(path);
    return -1;
  }
  int rc = (s.inside_nl = nl_open()) < 0 ? -1 : build(&s, list, count);
  if (rc < 0) {
    umount2(path, MNT_DETACH);
    unlink(path);
  }
  return rc;
}
