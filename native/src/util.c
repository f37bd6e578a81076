#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static char error_text[1024];
static FILE *debug_stream;

static int set_error(const char *suffix, const char *fmt, va_list ap) {
  char message[sizeof(error_text)];
  vsnprintf(message, sizeof(message), fmt, ap);
  int n = suffix ? snprintf(error_text, sizeof(error_text), "%s: %s", message, suffix)
                 : snprintf(error_text, sizeof(error_text), "%s", message);
  if (n < 0) error_text[0] = 0;
  return -1;
}

int fail(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  set_error(NULL, fmt, ap);
  va_end(ap);
  return -1;
}

int fail_errno(const char *fmt, ...) {
  const char *reason = strerror(errno);
  va_list ap;
  va_start(ap, fmt);
  set_error(reason, fmt, ap);
  va_end(ap);
  return -1;
}

int fail_context(const char *fmt, ...) {
  char previous[sizeof(error_text)];
  snprintf(previous, sizeof(previous), "%s", error_text);
  va_list ap;
  va_start(ap, fmt);
  set_error(previous, fmt, ap);
  va_end(ap);
  return -1;
}

const char *last_error(void) { return error_text[0] ? error_text : "unknown error"; }

/* Replaces whatever stream was set: a process forked from another tcrun (the spawner) keeps none of its. */
void debug_open(const char *log_path, int enabled) {
  debug_stream = log_path ? fopen(log_path, "ae") : enabled ? stderr : NULL;
  if (debug_stream) setvbuf(debug_stream, NULL, _IOLBF, 0);
}

void debug(const char *fmt, ...) {
  if (!debug_stream) return;
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  fprintf(debug_stream, "%lld.%06ld tcrun[%d]: ", (long long)now.tv_sec, now.tv_nsec / 1000, getpid());
  va_list ap;
  va_start(ap, fmt);
  vfprintf(debug_stream, fmt, ap);
  va_end(ap);
  fputc('\n', debug_stream);
}

static void out_of_memory(void) {
  static const char message[] = "tcrun: out of memory\n";
  if (write(2, message, sizeof(message) - 1) < 0) _exit(1);
  _exit(1);
}

void *xmalloc(size_t size) {
  void *p = malloc(size ? size : 1);
  if (!p) out_of_memory();
  return p;
}

void *xcalloc(size_t count, size_t size) {
  void *p = calloc(count ? count : 1, size ? size : 1);
  if (!p) out_of_memory();
  return p;
}

void *xrealloc(void *ptr, size_t size) {
  void *p = realloc(ptr, size ? size : 1);
  if (!p) out_of_memory();
  return p;
}

char *xstrdup(const char *s) {
  char *p = strdup(s);
  if (!p) out_of_memory();
  return p;
}

char *xstrndup(const char *s, size_t n) {
  char *p = strndup(s, n);
  if (!p) out_of_memory();
  return p;
}

char *xasprintf(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *out;
  int n = vasprintf(&out, fmt, ap);
  va_end(ap);
  if (n < 0) out_of_memory();
  return out;
}

void sb_append(strbuf *sb, const char *data, size_t len) {
  if (sb->len + len + 1 > sb->cap) {
    size_t cap = sb->cap ? sb->cap : 256;
    while (cap < sb->len + len + 1) cap *= 2;
    sb->data = xrealloc(sb->data, cap);
    sb->cap = cap;
  }
  memcpy(sb->data + sb->len, data, len);
  sb->len += len;
  sb->data[sb->len] = '\0';
}

void sb_puts(strbuf *sb, const char *s) { sb_append(sb, s, strlen(s)); }

void sb_printf(strbuf *sb, const char *fmt, ...) {
  char small[256];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(small, sizeof(small), fmt, ap);
  va_end(ap);
  if (n < 0) return;
  if ((size_t)n < sizeof(small)) {
    sb_append(sb, small, (size_t)n);
    return;
  }
  char *big = xmalloc((size_t)n + 1);
  va_start(ap, fmt);
  vsnprintf(big, (size_t)n + 1, fmt, ap);
  va_end(ap);
  sb_append(sb, big, (size_t)n);
  free(big);
}

void sb_free(strbuf *sb) {
  free(sb->data);
  sb->data = NULL;
  sb->len = sb->cap = 0;
}

char *read_file(const char *path, size_t *len) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return NULL;
  strbuf sb = {0};
  char chunk[8192];
  for (;;) {
    ssize_t n = read(fd, chunk, sizeof(chunk));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int saved = errno;
      close(fd);
      sb_free(&sb);
      errno = saved;
      return NULL;
    }
    if (n == 0) break;
    sb_append(&sb, chunk, (size_t)n);
  }
  close(fd);
  if (!sb.data) sb_append(&sb, "", 0);
  if (len) *len = sb.len;
  return sb.data;
}

int write_all(int fd, const void *data, size_t len) {
  const char *p = data;
  while (len > 0) {
    ssize_t n = write(fd, p, len);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return -1;
    p += n;
    len -= (size_t)n;
  }
  return 0;
}

int write_file(const char *path, const char *data) {
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return fail_errno("open %s", path);
  int rc = write_all(fd, data, strlen(data));
  int saved = errno;
  close(fd);
  errno = saved;
  if (rc < 0) return fail_errno("write %s to %s", data, path);
  return 0;
}

int write_file_atomic(const char *path, const char *data, size_t len, mode_t mode) {
  char *tmp = xasprintf("%s.tmp.%d", path, getpid());
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) {
    fail_errno("create %s", tmp);
    free(tmp);
    return -1;
  }
  /* No fsync: the rename makes the file appear whole; durability across a host crash is not
   * needed for state that a reboot invalidates anyway, and fsync costs milliseconds. */
  if (write_all(fd, data, len) < 0) {
    fail_errno("write %s", tmp);
    close(fd);
    unlink(tmp);
    free(tmp);
    return -1;
  }
  close(fd);
  if (rename(tmp, path) < 0) {
    fail_errno("rename %s", path);
    unlink(tmp);
    free(tmp);
    return -1;
  }
  free(tmp);
  return 0;
}

int mkdir_p(const char *path, mode_t mode) {
  char buf[PATH_MAX];
  if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf)) return fail("path too long: %s", path);
  for (char *p = buf + 1; *p; p++) {
    if (*p != '/') continue;
    *p = '\0';
    if (mkdir(buf, mode) < 0 && errno != EEXIST) return fail_errno("mkdir %s", buf);
    *p = '/';
  }
  if (mkdir(buf, mode) < 0 && errno != EEXIST) return fail_errno("mkdir %s", buf);
  return 0;
}

int remove_tree(const char *path) {
  DIR *dir = opendir(path);
  if (!dir) return errno == ENOENT ? 0 : fail_errno("open %s", path);
  struct dirent *entry;
  int rc = 0;
  while ((entry = readdir(dir))) {
    if (!strcmp(entry->d_name, ".") || !strcmp(entry->d_name, "..")) continue;
    char *child = xasprintf("%s/%s", path, entry->d_name);
    if (entry->d_type == DT_DIR)
      rc |= remove_tree(child);
    else if (unlink(child) < 0 && errno != ENOENT)
      rc = fail_errno("remove %s", child);
    free(child);
  }
  closedir(dir);
  if (rmdir(path) < 0 && errno != ENOENT) return fail_errno("remove %s", path);
  return rc;
}

char *absolute_path(const char *path) {
  if (path[0] == '/') return xstrdup(path);
  char cwd[PATH_MAX];
  if (!getcwd(cwd, sizeof(cwd))) return xstrdup(path);
  if (!strcmp(path, ".")) return xstrdup(cwd);
  return xasprintf("%s/%s", cwd, path);
}

void close_fds_except(const int *keep, size_t count) {
  DIR *dir = opendir("/proc/self/fd");
  if (!dir) return;
  int self = dirfd(dir);
  int fds[1024];
  size_t n = 0;
  struct dirent *entry;
  while ((entry = readdir(dir)) && n < sizeof(fds) / sizeof(fds[0])) {
    if (entry->d_name[0] == '.') continue;
    int fd = atoi(entry->d_name);
    if (fd < 3 || fd == self) continue;
    int kept = 0;
    for (size_t i = 0; i < count; i++) kept |= keep[i] == fd;
    if (!kept) fds[n++] = fd;
  }
  closedir(dir);
  for (size_t i = 0; i < n; i++) close(fds[i]);
}

int parse_ulong(const char *s, unsigned long long *out) {
  if (!s || !*s) return -1;
  char *end;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 10);
  if (errno || *end) return -1;
  *out = v;
  return 0;
}

unsigned long long process_start_time(pid_t pid) {
  char path[64];
  snprintf(path, sizeof(path), "/proc/%d/stat", pid);
  char *stat = read_file(path, NULL);
  if (!stat) return 0;
  /* The command name may hold spaces and parentheses: fields start after the last ')'. */
  char *p = strrchr(stat, ')');
  unsigned long long start = 0;
  if (p) {
    int field = 2;
    for (p++; *p && field < 22; p++)
      if (*p == ' ') field++;
    start = strtoull(p, NULL, 10);
    if (strrchr(stat, ')')[2] == 'Z') start = 0;
  }
  free(stat);
  return start;
}
