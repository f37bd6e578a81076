#include "mounts.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "util.h"

typedef struct {
  unsigned long flags;       /* given to mount(2) */
  unsigned long propagation; /* applied afterwards with a second mount(2) */
  int bind;
  strbuf data; /* filesystem-specific options */
} mount_options;

static const struct {
  const char *name;
  int clear;
  unsigned long flag;
} flag_options[] = {
    {"defaults", 0, 0},           {"ro", 0, MS_RDONLY},           {"rw", 1, MS_RDONLY},
    {"nosuid", 0, MS_NOSUID},     {"suid", 1, MS_NOSUID},         {"nodev", 0, MS_NODEV},
    {"dev", 1, MS_NODEV},         {"noexec", 0, MS_NOEXEC},       {"exec", 1, MS_NOEXEC},
    {"sync", 0, MS_SYNCHRONOUS},  {"async", 1, MS_SYNCHRONOUS},   {"dirsync", 0, MS_DIRSYNC},
    {"remount", 0, MS_REMOUNT},   {"mand", 0, MS_MANDLOCK},       {"nomand", 1, MS_MANDLOCK},
    {"atime", 1, MS_NOATIME},     {"noatime", 0, MS_NOATIME},     {"diratime", 1, MS_NODIRATIME},
    {"nodiratime", 0, MS_NODIRATIME}, {"relatime", 0, MS_RELATIME}, {"norelatime", 1, MS_RELATIME},
    {"strictatime", 0, MS_STRICTATIME}, {"nostrictatime", 1, MS_STRICTATIME}, {"nosymfollow", 0, MS_NOSYMFOLLOW},
};

static const struct {
  const char *name;
  unsigned long flag;
} propagation_options[] = {
    {"private", MS_PRIVATE}, {"rprivate", MS_PRIVATE | MS_REC}, {"shared", MS_SHARED},
    {"rshared", MS_SHARED | MS_REC}, {"slave", MS_SLAVE}, {"rslave", MS_SLAVE | MS_REC},
    {"unbindable", MS_UNBINDABLE}, {"runbindable", MS_UNBINDABLE | MS_REC},
};

static void parse_options(const mount_spec *m, mount_options *out) {
  memset(out, 0, sizeof(*out));
  out->bind = m->type && !strcmp(m->type, "bind");
  for (size_t i = 0; i < m->option_count; i++) {
    const char *opt = m->options[i];
    int known = 0;
    if (!strcmp(opt, "bind") || !strcmp(opt, "rbind")) {
      out->bind = 1;
      if (opt[0] == 'r') out->flags |= MS_REC;
      continue;
    }
    for (size_t k = 0; !known && k < sizeof(flag_options) / sizeof(flag_options[0]); k++) {
      if (strcmp(opt, flag_options[k].name)) continue;
      known = 1;
      if (flag_options[k].clear) out->flags &= ~flag_options[k].flag;
      else out->flags |= flag_options[k].flag;
    }
    for (size_t k = 0; !known && k < sizeof(propagation_options) / sizeof(propagation_options[0]); k++) {
      if (strcmp(opt, propagation_options[k].name)) continue;
      known = 1;
      out->propagation = propagation_options[k].flag;
    }
    if (known) continue;
    if (out->data.len) sb_puts(&out->data, ",");
    sb_puts(&out->data, opt);
  }
}

/* Opens path inside the rootfs: symlinks and ".." resolve as if the rootfs were "/", so they cannot escape it. */
static int open_in_root(int rootfd, const char *path, int flags) {
  struct open_how how = {.flags = (unsigned long long)flags, .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS};
  return (int)syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
}

/* Creates a missing mount point: a directory, or an empty file for a file bind. */
static int create_mount_point(int parent, const char *name, int as_file) {
  if (!as_file) return mkdirat(parent, name, 0755);
  int file = openat(parent, name, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (file < 0) return -1;
  close(file);
  return 0;
}

/* Walks destination inside the rootfs as the container will see it: symlinks are followed
 * (absolute ones from the rootfs), missing parts are created, and a ".." that would climb above
 * the rootfs (through a symlink or not) is refused as an escape. Returns an O_PATH fd of the
 * mount point. */
static int open_mount_point(int rootfd, const char *destination, int is_dir) {
  strbuf resolved = {0}; /* "/a/b" resolved so far; empty is the rootfs itself */
  sb_puts(&resolved, "");
  char *pending = xstrdup(destination), *rest = pending;
  int links = 0, fd = -1;
  for (;;) {
    rest += strspn(rest, "/");
    if (!*rest) break;
    size_t n = strcspn(rest, "/");
    char name[256];
    if (n >= sizeof(name)) {
      fail("mount destination %s: a path component is too long", destination);
      goto out;
    }
    memcpy(name, rest, n);
    name[n] = '\0';
    rest += n;
    if (!strcmp(name, ".")) continue;
    if (!strcmp(name, "..")) {
      if (resolved.len == 0) {
        fail("mount destination %s: escapes the rootfs (through '..' or a symlink)", destination);
        goto out;
      }
      resolved.len = (size_t)(strrchr(resolved.data, '/') - resolved.data);
      resolved.data[resolved.len] = '\0';
      continue;
    }
    int parent = open_in_root(rootfd, resolved.len ? resolved.data : "/", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (parent < 0) {
      fail_errno("mount destination %s: %s", destination, resolved.data);
      goto out;
    }
    struct stat st;
    int exists = fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) == 0;
    if (exists && S_ISLNK(st.st_mode)) {
      char target[4096];
      ssize_t len = readlinkat(parent, name, target, sizeof(target) - 1);
      close(parent);
      if (len < 0 || ++links > 40) {
        fail("mount destination %s: too many or unreadable symlinks", destination);
        goto out;
      }
      target[len] = '\0';
      if (target[0] == '/') resolved.data[resolved.len = 0] = '\0';
      char *next = xasprintf("%s/%s", target, rest);
      free(pending);
      pending = rest = next;
      continue;
    }
    int last = rest[strspn(rest, "/")] == '\0';
    int rc = exists ? 0 : create_mount_point(parent, name, last && !is_dir);
    int saved = errno;
    close(parent);
    if (rc < 0 && saved != EEXIST) {
      errno = saved;
      fail_errno("mount destination %s: create %s/%s", destination, resolved.data, name);
      goto out;
    }
    sb_printf(&resolved, "/%s", name);
  }
  fd = open_in_root(rootfd, resolved.len ? resolved.data : "/", O_PATH | O_CLOEXEC);
  if (fd < 0) fail_errno("mount destination %s", destination);
out:
  free(pending);
  sb_free(&resolved);
  return fd;
}

static void fd_path(int fd, char *buf, size_t size) { snprintf(buf, size, "/proc/self/fd/%d", fd); }

/* Flags a bind remount must keep so that it only adds restrictions. */
static unsigned long current_flags(const char *path) {
  struct statvfs st;
  if (statvfs(path, &st) < 0) return 0;
  unsigned long flags = 0;
  if (st.f_flag & ST_NOSUID) flags |= MS_NOSUID;
  if (st.f_flag & ST_NODEV) flags |= MS_NODEV;
  if (st.f_flag & ST_NOEXEC) flags |= MS_NOEXEC;
  if (st.f_flag & ST_NOATIME) flags |= MS_NOATIME;
  if (st.f_flag & ST_NODIRATIME) flags |= MS_NODIRATIME;
  if (st.f_flag & ST_RELATIME) flags |= MS_RELATIME;
  if (st.f_flag & ST_RDONLY) flags |= MS_RDONLY;
  return flags;
}

/* After the mount exists: a bind remount for bind flags, then the propagation. */
static int finish_mount(int rootfd, const mount_spec *m, const mount_options *opts) {
  unsigned long remount = opts->flags & (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME | MS_NODIRATIME |
                                         MS_RELATIME | MS_STRICTATIME | MS_NOSYMFOLLOW);
  if (!(opts->bind && remount) && !opts->propagation) return 0;
  int fd = open_in_root(rootfd, m->destination, O_PATH | O_CLOEXEC);
  if (fd < 0) return fail_errno("mount %s", m->destination);
  char target[64];
  fd_path(fd, target, sizeof(target));
  int rc = 0;
  if (opts->bind && remount &&
      mount(NULL, target, NULL, MS_BIND | MS_REMOUNT | remount | current_flags(target), NULL) < 0)
    rc = fail_errno("remount %s with its options", m->destination);
  if (rc == 0 && opts->propagation && mount(NULL, target, NULL, opts->propagation, NULL) < 0)
    rc = fail_errno("set propagation of %s", m->destination);
  close(fd);
  return rc;
}

/* A cgroup mount: the v2 tree, or a tmpfs with one mount per v1 hierarchy the container belongs to. */
static int mount_cgroup(int rootfd, const mount_spec *m, const mount_options *opts, const char *target) {
  unsigned long flags = opts->flags & ~MS_RDONLY;
  if (access("/sys/fs/cgroup/cgroup.controllers", F_OK) == 0 && access("/sys/fs/cgroup/unified", F_OK) != 0) {
    if (mount("cgroup2", target, "cgroup2", opts->flags, NULL) < 0) return fail_errno("mount cgroup2 on %s", m->destination);
    return 0;
  }
  if (mount("tmpfs", target, "tmpfs", flags, "mode=755") < 0) return fail_errno("mount tmpfs on %s", m->destination);
  char *cgroups = read_file("/proc/self/cgroup", NULL);
  if (!cgroups) return fail_errno("read /proc/self/cgroup");
  int dir = open_in_root(rootfd, m->destination, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0) {
    free(cgroups);
    return fail_errno("open %s", m->destination);
  }
  int rc = 0;
  char *save = NULL;
  for (char *line = strtok_r(cgroups, "\n", &save); line && rc == 0; line = strtok_r(NULL, "\n", &save)) {
    char *controllers = strchr(line, ':');
    char *end = controllers ? strchr(controllers + 1, ':') : NULL;
    if (!end) continue;
    *end = '\0';
    controllers++;
    const char *name = *controllers ? controllers : "unified";
    if (!strncmp(name, "name=", 5)) name += 5;
    char *sub = xasprintf("%s/%s", m->destination, name);
    int fd = open_mount_point(rootfd, sub, 1);
    if (fd < 0) {
      free(sub);
      rc = -1;
      break;
    }
    char path[64];
    fd_path(fd, path, sizeof(path));
    char *data = *controllers ? xasprintf("%s%s", strncmp(controllers, "name=", 5) ? "" : "none,", controllers) : NULL;
    /* Read-only as the spec asks: a writable hierarchy would let the container raise its own limits. */
    if (mount("cgroup", path, *controllers ? "cgroup" : "cgroup2", opts->flags, data) < 0)
      rc = fail_errno("mount cgroup %s", sub);
    close(fd);
    /* "cpu,cpuacct" is also reachable as "cpu" and "cpuacct", as on the host. */
    if (rc == 0 && strchr(name, ',')) {
      char *copy = xstrdup(name), *inner = NULL;
      for (char *c = strtok_r(copy, ",", &inner); c; c = strtok_r(NULL, ",", &inner)) symlinkat(name, dir, c);
      free(copy);
    }
    free(data);
    free(sub);
  }
  free(cgroups);
  if (rc == 0 && (opts->flags & MS_RDONLY)) {
    char path[64];
    fd_path(dir, path, sizeof(path));
    if (mount(NULL, path, NULL, MS_REMOUNT | MS_RDONLY | flags, "mode=755") < 0)
      rc = fail_errno("remount %s read-only", m->destination);
  }
  close(dir);
  return rc;
}

static int mount_one(int rootfd, const mount_spec *m) {
  mount_options opts;
  parse_options(m, &opts);
  int is_dir = 1;
  if (opts.bind) {
    struct stat st;
    if (!m->source || stat(m->source, &st) < 0) {
      sb_free(&opts.data);
      return fail_errno("mount %s: bind source %s", m->destination, m->source ? m->source : "(none)");
    }
    is_dir = S_ISDIR(st.st_mode);
  }
  int fd = open_mount_point(rootfd, m->destination, is_dir);
  if (fd < 0) {
    sb_free(&opts.data);
    return -1;
  }
  char target[64];
  fd_path(fd, target, sizeof(target));
  int rc = 0;
  if (opts.bind) {
    if (mount(m->source, target, NULL, MS_BIND | (opts.flags & MS_REC), NULL) < 0)
      rc = fail_errno("bind mount %s on %s", m->source, m->destination);
  } else if (m->type && !strcmp(m->type, "cgroup")) {
    rc = mount_cgroup(rootfd, m, &opts, target);
  } else {
    const char *type = m->type ? m->type : "none";
    const char *source = m->source ? m->source : type;
    if (mount(source, target, type, opts.flags & ~MS_REC, opts.data.data) < 0)
      rc = fail_errno("mount %s (%s) on %s", source, type, m->destination);
  }
  close(fd);
  if (rc == 0) rc = finish_mount(rootfd, m, &opts);
  sb_free(&opts.data);
  return rc;
}

/* The rootfs as an overlay mounted in the container's own mount namespace, so the host never
 * sees it and nothing needs unmounting after the container: the options name the lower,
 * upper and work dirs relative to a directory, which keeps them within the one page the
 * kernel takes however many layers there are. */
static int mount_overlay_rootfs(const config *cfg, const char *options) {
  const char *directory = config_annotation(cfg, ANNOTATION_ROOTFS_OVERLAY_DIR);
  if (!directory || directory[0] != '/')
    return fail("annotation %s needs an absolute %s", ANNOTATION_ROOTFS_OVERLAY, ANNOTATION_ROOTFS_OVERLAY_DIR);
  if (chdir(directory) < 0) return fail_errno("overlay rootfs: chdir %s", directory);
  int rc = mount("overlay", cfg->root_path, "overlay", 0, options) < 0
               ? fail_errno("mount the overlay rootfs on %s", cfg->root_path)
               : 0;
  if (chdir("/") < 0 && rc == 0) rc = fail_errno("chdir /");
  return rc;
}

int rootfs_mount_all(const config *cfg) {
  /* Nothing mounted in here may reach the host: start from slave (or the configured) propagation. */
  unsigned long propagation = cfg->rootfs_propagation;
  if (!propagation || (propagation & MS_SHARED)) propagation = MS_SLAVE | MS_REC;
  if (mount(NULL, "/", NULL, propagation, NULL) < 0) return fail_errno("set propagation of /");
  const char *overlay = config_annotation(cfg, ANNOTATION_ROOTFS_OVERLAY);
  if (overlay) {
    if (mount_overlay_rootfs(cfg, overlay) < 0) return -1;
  } else if (mount(cfg->root_path, cfg->root_path, NULL, MS_BIND | MS_REC, NULL) < 0) {
    return fail_errno("bind mount the rootfs %s", cfg->root_path);
  }
  int rootfd = open(cfg->root_path, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0) return fail_errno("open rootfs %s", cfg->root_path);
  for (size_t i = 0; i < cfg->mount_count; i++) {
    if (mount_one(rootfd, &cfg->mounts[i]) < 0) {
      close(rootfd);
      return -1;
    }
  }
  close(rootfd);
  return 0;
}

int rootfs_pivot(const config *cfg) {
  if (chdir(cfg->root_path) < 0) return fail_errno("chdir %s", cfg->root_path);
  if (syscall(SYS_pivot_root, ".", ".") < 0) return fail_errno("pivot_root %s", cfg->root_path);
  /* The old root now sits on top of the new one: detach it without telling the host. */
  if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0) return fail_errno("make the old root a slave");
  if (umount2(".", MNT_DETACH) < 0) return fail_errno("detach the old root");
  if (chdir("/") < 0) return fail_errno("chdir /");
  return 0;
}

static int has_mount_at(const config *cfg, const char *destination) {
  for (size_t i = 0; i < cfg->mount_count; i++)
    if (!strcmp(cfg->mounts[i].destination, destination)) return 1;
  return 0;
}

static int make_device(const char *path, char type, unsigned major, unsigned minor, mode_t mode, uid_t uid, gid_t gid) {
  mode_t kind = type == 'b' ? S_IFBLK : type == 'p' ? S_IFIFO : S_IFCHR;
  unlink(path);
  if (mknod(path, kind | (mode & 07777), makedev(major, minor)) < 0) return fail_errno("create device %s", path);
  if (chmod(path, mode & 07777) < 0 || chown(path, uid, gid) < 0) return fail_errno("set owner of device %s", path);
  return 0;
}

int rootfs_populate_dev(const config *cfg) {
  if (has_mount_at(cfg, "/dev")) {
    static const struct {
      const char *path;
      unsigned major, minor;
    } defaults[] = {{"/dev/null", 1, 3}, {"/dev/zero", 1, 5},    {"/dev/full", 1, 7},
                    {"/dev/random", 1, 8}, {"/dev/urandom", 1, 9}, {"/dev/tty", 5, 0}};
    mode_t saved = umask(0);
    for (size_t i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++) {
      if (make_device(defaults[i].path, 'c', defaults[i].major, defaults[i].minor, 0666, 0, 0) < 0) {
        umask(saved);
        return -1;
      }
    }
    umask(saved);
    static const char *links[][2] = {{"/proc/self/fd", "/dev/fd"},     {"/proc/self/fd/0", "/dev/stdin"},
                                     {"/proc/self/fd/1", "/dev/stdout"}, {"/proc/self/fd/2", "/dev/stderr"},
                                     {"pts/ptmx", "/dev/ptmx"}, {"/proc/kcore", "/dev/core"}};
    for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
      if (!strcmp(links[i][1], "/dev/ptmx")) unlink("/dev/ptmx");
      if (symlink(links[i][0], links[i][1]) < 0 && errno != EEXIST) return fail_errno("create link %s", links[i][1]);
    }
  }
  for (size_t i = 0; i < cfg->device_count; i++) {
    const device_spec *d = &cfg->devices[i];
    char *dir = xstrdup(d->path);
    *strrchr(dir, '/') = '\0';
    if (*dir) mkdir_p(dir, 0755);
    free(dir);
    if (make_device(d->path, d->type, (unsigned)d->major, (unsigned)d->minor, d->has_mode ? d->mode : 0666, d->uid,
                    d->gid) < 0)
      return fail_context("linux.devices");
  }
  return 0;
}

static int make_readonly(const char *path) {
  if (mount(path, path, NULL, MS_BIND | MS_REC, NULL) < 0) {
    if (errno == ENOENT) return 0;
    return fail_errno("readonlyPaths: bind %s", path);
  }
  if (mount(NULL, path, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | current_flags(path), NULL) < 0)
    return fail_errno("readonlyPaths: remount %s read-only", path);
  return 0;
}

static int mask(const char *path) {
  struct stat st;
  if (stat(path, &st) < 0) return 0;
  if (S_ISDIR(st.st_mode)) {
    if (mount("tmpfs", path, "tmpfs", MS_RDONLY, NULL) < 0) return fail_errno("maskedPaths: %s", path);
  } else if (mount("/dev/null", path, NULL, MS_BIND, NULL) < 0) {
    return fail_errno("maskedPaths: %s", path);
  }
  return 0;
}

int rootfs_finish(const config *cfg) {
  for (size_t i = 0; i < cfg->readonly_count; i++)
    if (make_readonly(cfg->readonly_paths[i]) < 0) return -1;
  for (size_t i = 0; i < cfg->masked_count; i++)
    if (mask(cfg->masked_paths[i]) < 0) return -1;
  if (cfg->root_readonly && mount(NULL, "/", NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | current_flags("/"), NULL) < 0)
    return fail_errno("remount the root read-only");
  if ((cfg->rootfs_propagation & MS_SHARED) && mount(NULL, "/", NULL, cfg->rootfs_propagation, NULL) < 0)
    return fail_errno("make the root shared");
  return 0;
}
