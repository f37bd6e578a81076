/* Small helpers shared by every part of tcrun: error values, files, strings. */
#ifndef TCRUN_UTIL_H
#define TCRUN_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <sys/types.h>

/* The last error, one human line. Functions return -1 after setting it. */
int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int fail_errno(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prefix the current error with more context: "ctx: <old error>". */
int fail_context(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
const char *last_error(void);

void debug_open(const char *log_path, int enabled);
void debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

void *xmalloc(size_t size);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *ptr, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Growable byte buffer, always NUL-terminated. */
typedef struct {
  char *data;
  size_t len, cap;
} strbuf;
void sb_append(strbuf *sb, const char *data, size_t len);
void sb_puts(strbuf *sb, const char *s);
void sb_printf(strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sb_free(strbuf *sb);

char *read_file(const char *path, size_t *len);
int write_file(const char *path, const char *data);
int write_file_atomic(const char *path, const char *data, size_t len, mode_t mode);
int mkdir_p(const char *path, mode_t mode);
int remove_tree(const char *path);
int write_all(int fd, const void *data, size_t len);
char *absolute_path(const char *path);
/* Close every descriptor >= 3 except those listed (terminated by -1). */
void close_fds_except(const int *keep, size_t count);
int parse_ulong(const char *s, unsigned long long *out);
/* The start time of a process (field 22 of /proc/PID/stat), 0 when it is gone. */
unsigned long long process_start_time(pid_t pid);

#endif
