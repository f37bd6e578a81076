/* Docker's json-file log: {"log":"line\n","stream":"stdout","time":"RFC3339Nano"} per line. */
#ifndef TCRUN_LOGFILE_H
#define TCRUN_LOGFILE_H

#include <stddef.h>

#define LOG_PARTIAL_LIMIT 16384

typedef struct {
  int fd;
  char *pending[2]; /* per stream: bytes of an unfinished line */
  size_t pending_len[2];
} json_log;

/* Opens (appends to) path; a NULL path gives a log that discards everything. */
int json_log_open(json_log *log, const char *path);
/* stream 0 is stdout, 1 is stderr. Complete lines are written at once; long partial lines in 16 KiB pieces. */
void json_log_write(json_log *log, int stream, const char *data, size_t len);
/* Writes what is left of unfinished lines and closes the file. */
void json_log_close(json_log *log);
/* Formats now as RFC3339Nano in UTC (trailing zeros of the fraction trimmed, as Go does). */
void rfc3339_now(char *buf, size_t size);

#endif
