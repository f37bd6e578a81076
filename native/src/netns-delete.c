#include "netns-delete.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

/* EINVAL: not a mount point (never bound, or unmounted before); ENOENT: no such file. */
static int delete_one(const char *path) {
  if (umount2(path, UMOUNT_NOFOLLOW) < 0 && errno != EINVAL && errno != ENOENT) {
    fprintf(stderr, "netns-delete %s: unmount: %s\n", path, strerror(errno));
    return -1;
  }
  if (unlink(path) < 0 && errno != ENOENT) {
    fprintf(stderr, "netns-delete %s: remove: %s\n", path, strerror(errno));
    return -1;
  }
  return 0;
}

int cmd_netns_delete(int count, char **paths) {
  int status = 0;
  for (int i = 0; i < count; i++)
    if (delete_one(paths[i]) < 0) status = 1;
  return status;
}
