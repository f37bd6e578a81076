#include "logfile.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "json.h"
#include "util.h"

int json_log_open(json_log *log, const char *path) {
  memset(log, 0, sizeof(*log));
  log->fd = -1;
  if (!path) return 0;
  log->fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (log->fd < 0) return fail_errno("--log-path %s", path);
  for (int i = 0; i < 2; i++) log->pending[i] = xmalloc(LOG_PARTIAL_LIMIT);
  return 0;
}

void rfc3339_now(char *buf, size_t size) {
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  struct tm tm;
  gmtime_r(&now.tv_sec, &tm);
  char fraction[16] = "";
  if (now.tv_nsec) {
    snprintf(fraction, sizeof(fraction), ".%09ld", now.tv_nsec);
    for (size_t n = strlen(fraction); fraction[n - 1] == '0'; n--) fraction[n - 1] = '\0';
  }
  snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d%sZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
           tm.tm_min, tm.tm_sec, fraction);
}

static void emit(json_log *log, int stream, const char *data, size_t len) {
  char time[48];
  rfc3339_now(time, sizeof(time));
  strbuf line = {0};
  sb_puts(&line, "{\"log\":");
  json_write_string(&line, data, len);
  sb_printf(&line, ",\"stream\":\"%s\",\"time\":\"%s\"}\n", stream ? "stderr" : "stdout", time);
  write_all(log->fd, line.data, line.len);
  sb_free(&line);
}

void json_log_write(json_log *log, int stream, const char *data, size_t len) {
  if (log->fd < 0) return;
  char *buf = log->pending[stream];
  size_t *have = &log->pending_len[stream];
  while (len > 0) {
    const char *newline = memchr(data, '\n', len);
    size_t take = newline ? (size_t)(newline - data) + 1 : len;
    if (take > LOG_PARTIAL_LIMIT - *have) take = LOG_PARTIAL_LIMIT - *have;
    memcpy(buf + *have, data, take);
    *have += take;
    data += take;
    len -= take;
    if (buf[*have - 1] == '\n' || *have == LOG_PARTIAL_LIMIT) {
      emit(log, stream, buf, *have);
      *have = 0;
    }
  }
}

void json_log_close(json_log *log) {
  if (log->fd < 0) return;
  for (int i = 0; i < 2; i++) {
    if (log->pending_len[i]) emit(log, i, log->pending[i], log->pending_len[i]);
    free(log->pending[i]);
  }
  close(log->fd);
  log->fd = -1;
}
