/*
 * tcrun netns-delete PATH...: unmounts each namespace file netns-create made and removes it.
 * The kernel frees a namespace once no mount and no process holds it. A path already gone,
 * or no longer a mount, is not an error; each failure is one line on stderr,
 * "netns-delete PATH: reason", and the status is then 1.
 */
#ifndef TCRUN_NETNS_DELETE_H
#define TCRUN_NETNS_DELETE_H

int cmd_netns_delete(int count, char **paths);

#endif
