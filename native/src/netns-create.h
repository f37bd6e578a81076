/*
 * tcrun netns-create PATH: a container's network namespace, kept by a bind mount on PATH (a
 * file this makes), with loopback up and one veth pair per line of stdin:
 *   IFNAME HOST_IFNAME MAC MTU ADDRESS/PREFIX BRIDGE [GATEWAY]
 * IFNAME is the end inside, addressed and up (with the default route via GATEWAY when given);
 * HOST_IFNAME the end on the host, up on BRIDGE. All of it or nothing: on failure the mount
 * and the file go, and the veths with the namespace.
 */
#ifndef TCRUN_NETNS_CREATE_H
#define TCRUN_NETNS_CREATE_H

int cmd_netns_create(const char *path);

#endif
